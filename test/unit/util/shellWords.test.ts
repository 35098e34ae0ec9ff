import * as assert from 'node:assert/strict';
import { findRiskyPrismaCommands } from '../../../src/core/guards/prismaCommands';
import { classifyCommand } from '../../../src/core/runbook/classify';
import { parseSshLogin } from '../../../src/core/runbook/shell';
import { shellWord, splitCommands } from '../../../src/core/util/shellWords';

// One table of command lines read by the project's one shell lexer, with the words every safety path now sees
// (the db-push guard, the runbook classifier and equivalents, the runbook's ssh login detection).
const TABLE: Array<{ line: string; words: string[][] }> = [
  {
    line: `A=1 npx 'prisma' "db" push && echo "a;b" | cat # comment`,
    words: [['A=1', 'npx', 'prisma', 'db', 'push'], ['echo', 'a;b'], ['cat']],
  },
  { line: `FOO=1 npx prisma db push`, words: [['FOO=1', 'npx', 'prisma', 'db', 'push']] },
  { line: `npx --yes prisma@6 db push`, words: [['npx', '--yes', 'prisma@6', 'db', 'push']] },
  { line: `pnpm dlx prisma db push`, words: [['pnpm', 'dlx', 'prisma', 'db', 'push']] },
  {
    line: `bash -c 'npx prisma db push --accept-data-loss'`,
    words: [['bash', '-c', 'npx prisma db push --accept-data-loss']],
  },
  { line: `echo "it's \\"quoted\\"" ; ls`, words: [['echo', `it's "quoted"`], ['ls']] },
  { line: `npx prisma \\\n  db push`, words: [['npx', 'prisma', 'db', 'push']] },
  { line: `echo a\\ b c`, words: [['echo', 'a b', 'c']] },
  { line: `echo '#not' # yes`, words: [['echo', '#not']] },
  { line: `ls||pwd&&id;whoami`, words: [['ls'], ['pwd'], ['id'], ['whoami']] },
  { line: `echo $(date +%s) done`, words: [['echo', '$(date +%s)', 'done']] },
  // A heredoc body is read as lines of commands: the guard stays conservative (`bash <<EOF` would run them).
  { line: `cat <<EOF\nnpx prisma db push\nEOF`, words: [['cat', '<<EOF'], ['npx', 'prisma', 'db', 'push'], ['EOF']] },
  // Where the whitespace split of parseSshLogin disagreed with the guard's lexer: quoted option values, comments.
  {
    line: `ssh -o "StrictHostKeyChecking no" deploy@h`,
    words: [['ssh', '-o', 'StrictHostKeyChecking no', 'deploy@h']],
  },
  { line: `ssh deploy@h # then run the rest there`, words: [['ssh', 'deploy@h']] },
];

describe('shellWords: the one shell lexer', () => {
  for (const { line, words } of TABLE) {
    it(`reads ${JSON.stringify(line)}`, () => assert.deepEqual(splitCommands(line), words));
  }

  it('the db-push guard gives the same verdicts over the table', () => {
    const pushes = TABLE.filter(({ line }) => findRiskyPrismaCommands(line).some((c) => c.kind === 'dbPush')).map(
      ({ line }) => line,
    );
    assert.deepEqual(
      pushes,
      [TABLE[0], TABLE[1], TABLE[2], TABLE[3], TABLE[4], TABLE[6], TABLE[11]].map((t) => t.line),
    );
  });

  it('the runbook classifier reads a backup path as one word (quotes removed, $(…) kept whole)', () => {
    assert.equal(shellWord(`pg_dump > "my file.sql" x`, 10), 'my file.sql');
    assert.equal(classifyCommand(`pg_dump db > "b k.sql"`).backupPath, 'b k.sql');
    assert.equal(classifyCommand(`pg_dump db > backup-$(date +%F).sql`).backupPath, 'backup-$(date +%F).sql');
    assert.deepEqual(classifyCommand(`FOO=1 npx prisma db push`).kinds, ['dbPush']);
  });

  it('ssh login detection reads words with the same lexer (it split on whitespace before)', () => {
    assert.deepEqual(parseSshLogin(`ssh -o "StrictHostKeyChecking no" deploy@h`), { user: 'deploy', host: 'h' });
    assert.deepEqual(parseSshLogin(`ssh deploy@h # then run the rest there`), { user: 'deploy', host: 'h' });
    assert.deepEqual(parseSshLogin(`ssh -p 2222 'deploy@h'`), { user: 'deploy', host: 'h', port: 2222 });
    assert.equal(parseSshLogin(`ssh deploy@h && ls`), undefined);
    assert.equal(parseSshLogin(`ssh root@h "uptime"`), undefined);
  });
});
