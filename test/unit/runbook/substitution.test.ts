/**
 * Runbook variables go into shell commands quoted by the core, for every value: typed ones, defaults, and the
 * values a restore step takes from a backup's path. Each substituted command is run by a real /bin/sh, which
 * must print the value back exactly and run nothing else.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunbookVariable, substituteText, substituteVariables } from '../../../src/core/runbook/parser';

const NAME: RunbookVariable = { name: 'NAME', kind: 'assignment', line: 1, token: 'NAME' };
const PLACEHOLDER: RunbookVariable = { name: 'nom', kind: 'placeholder', line: 1, token: '<nom>' };
const STAMP: RunbookVariable = { name: 'STAMP', kind: 'date', line: 1, token: 'YYYYMMDD_HHMMSS' };
const VARIABLES = [NAME, PLACEHOLDER, STAMP];

/** Runs `command` in /bin/sh from `cwd`; returns stdout. */
function sh(command: string, cwd: string): string {
  return execFileSync('/bin/sh', ['-c', command], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd },
  });
}

describe('runbook variables: quoted by the core wherever they land', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dg-subst-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const hostile = (marker: string): string[] => [
    `x; touch ${marker}`,
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `'; touch ${marker}; echo '`,
    `"; touch ${marker}; echo "`,
    `a\ntouch ${marker}`,
    `\\"$(touch ${marker})`,
    `* ? [a] ~ \\ $HOME \${HOME} & | > ${marker} < /dev/null #`,
    `x'"\`$(touch ${marker})\`"'`,
  ];

  // Every place a variable is written in the runbooks we read: bare, mid-word, in both quotes, in `$(…)`,
  // in backticks, `${NAME}` and `$NAME`, placeholders and date tokens.
  const templates: Array<[string, (v: string) => string]> = [
    ['printf "%s|" $NAME', (v) => `${v}|`],
    ['printf "%s|" ${NAME}', (v) => `${v}|`],
    ['printf "%s|" backup_${NAME}.sql', (v) => `backup_${v}.sql|`],
    ['printf "%s|" "/b/${NAME}.sql"', (v) => `/b/${v}.sql|`],
    ["printf '%s|' 'lit <nom> lit'", (v) => `lit ${v} lit|`],
    ['printf "%s|" --name <nom>', (v) => `--name|${v}|`],
    ['printf "%s|" "$(printf "%s" "$NAME")"', (v) => `${v}|`],
    ['printf "%s|" "$(printf "%s" $NAME)"', (v) => `${v}|`],
    ['x=`printf "%s" $NAME`; printf "%s|" "$x"', (v) => `${v}|`],
    ['printf "%s|" dump_YYYYMMDD_HHMMSS.sql', (v) => `dump_${v}.sql|`],
  ];

  it('prints hostile values back verbatim and runs nothing they contain (real /bin/sh)', () => {
    for (const [template, expected] of templates) {
      for (const value of hostile(path.join(dir, 'pwned'))) {
        const command = substituteVariables(template, VARIABLES, { NAME: value, nom: value, STAMP: value });
        const shown = `${template} with ${JSON.stringify(value)} → ${command}`;
        let out: string;
        try {
          out = sh(command, dir);
        } catch (error) {
          assert.fail(`${shown}: ${(error as Error).message}`);
        }
        // Command substitution drops trailing newlines: compare as the shell would give them back.
        assert.equal(
          out,
          template.includes('$(') || template.includes('`') ? expected(value.replace(/\n+$/, '')) : expected(value),
          shown,
        );
        assert.ok(!existsSync(path.join(dir, 'pwned')), `${shown} ran an injected command`);
      }
    }
  });

  it('keeps ordinary values as they were written (no quotes added), and a leading ~/ still means home', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      [
        'pg_dump app > /backups/app_${NAME}.sql',
        { NAME: 'prod_20260217' },
        'pg_dump app > /backups/app_prod_20260217.sql',
      ],
      [
        'npx prisma migrate resolve --applied "$NAME"',
        { NAME: '20260217_baseline' },
        'npx prisma migrate resolve --applied "20260217_baseline"',
      ],
      ["psql -c 'select <nom>'", { nom: 'user@host:5432/db' }, "psql -c 'select user@host:5432/db'"],
      ['ls $NAME', { NAME: '~/backups' }, 'ls ~/backups'],
      ['echo $NAMED $NAME', { NAME: 'v' }, 'echo $NAMED v'],
      ['echo \\$NAME $OTHER', { NAME: 'v' }, 'echo \\$NAME $OTHER'],
    ];
    for (const [template, values, expected] of cases) {
      assert.equal(substituteVariables(template, VARIABLES, values), expected, template);
    }
    assert.equal(sh(substituteVariables('printf %s $NAME', VARIABLES, { NAME: '~/x y' }), dir), `${dir}/x y`);
    assert.equal(
      substituteText('Restore <nom> in ${NAME}', VARIABLES, { nom: 'a b', NAME: '~/d' }),
      'Restore a b in ~/d',
    );
  });

  it('escapes values in a heredoc body and refuses a line break there (it could end the heredoc)', () => {
    const template = 'cat <<EOF\nvalue: $NAME\nEOF\nprintf "%s" "$NAME"';
    for (const value of ['$(touch pwned)', '`touch pwned`', '\\ $HOME']) {
      const command = substituteVariables(template, VARIABLES, { NAME: value });
      assert.equal(sh(command, dir), `value: ${value}\n${value}`, command);
      assert.ok(!existsSync(path.join(dir, 'pwned')));
    }
    assert.throws(
      () => substituteVariables(template, VARIABLES, { NAME: 'x\nEOF\ntouch pwned' }),
      /A value with a line break cannot go into a heredoc/,
    );
    assert.equal(sh(substituteVariables("cat <<'EOF'\n$NAME\nEOF", VARIABLES, { NAME: '$(x)' }), dir), '$(x)\n');
  });
});
