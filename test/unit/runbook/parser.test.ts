import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { classifyCommand } from '../../../src/core/runbook/classify';
import { dockerExecContainers, parseRunbook, substituteVariables } from '../../../src/core/runbook/parser';
import { parseSshLogin, splitShell } from '../../../src/core/runbook/shell';

const SEED = path.resolve(__dirname, '../../../../test/fixtures/runbooks/strategie-migrations.md');

describe('runbook parser — the team runbook (strategie-migrations.md)', () => {
  const rb = parseRunbook(SEED, readFileSync(SEED, 'utf8'));
  const section = (kind: string) => rb.sections.filter((s) => s.kind === kind);

  it('finds the procedure sections: baseline, validate in dev, deploy in prod, verification, rollback', () => {
    const withSteps = rb.sections.filter((s) => s.steps.length > 0).map((s) => [s.kind, s.title]);
    assert.deepEqual(withSteps, [
      ['reset', 'Procédure de reset dev (si nécessaire)'],
      ['deploy', 'Procédure standard de migration (flux normal)'],
      ['baseline', 'Étape 1 — Snapshot du schéma prod actuel'],
      ['baseline', 'Étape 2 — Créer la migration baseline'],
      ['validate', 'Étape 3 — Valider en dev'],
      ['deploy', 'Étape 4 — Déployer en prod'],
      ['verify', 'Étape 5 — Vérification post-deploy'],
      ['rollback', 'Rollback (si échec)'],
    ]);
    assert.equal(rb.title, 'Stratégie Migrations — Nexus Réussite');
  });

  it('warns that verification and rollback use the server containers of Étape 4 without being bound to the server', () => {
    // Pasted by someone still logged in after `ssh root@88.99.254.59`, they run on the server; as written, here.
    const hinted = rb.sections.flatMap((s) => s.steps.filter((st) => st.hint).map((st) => [s.kind, st.line]));
    assert.deepEqual(hinted, [
      ['verify', 153],
      ['verify', 154],
      ['verify', 155],
      ['verify', 158],
      ['rollback', 166],
      ['rollback', 170],
      ['rollback', 171],
    ]);
    const restore = section('rollback')[0].steps[0];
    assert.deepEqual(restore.hint?.suggestedTarget, { kind: 'ssh', user: 'root', host: '88.99.254.59' });
    assert.match(
      restore.hint?.message ?? '',
      /^Runs on this machine, but the container nexus-postgres-db is used on root@88\.99\.254\.59 in "Étape 4 — Déployer en prod"/,
    );
    assert.match(
      rb.sections.flatMap((x) => x.steps).find((st) => st.line === 170)?.hint?.message ?? '',
      /\/opt\/nexus is a folder of root@88\.99\.254\.59/,
    );
    // One runbook warning per section, not the step hints again word for word.
    assert.deepEqual(
      rb.warnings.map((w) => [w.line, w.message]),
      [
        [
          153,
          '"Étape 5 — Vérification post-deploy" (lines 153, 154, 155, 158): runs on this machine, but uses the containers nexus-postgres-db, nexus-next-app of root@88.99.254.59 from "Étape 4 — Déployer en prod". Add an ssh line or <!-- env: NAME --> to this section if it belongs on the server.',
        ],
        [
          166,
          '"Rollback (si échec)" (lines 166, 170, 171): runs on this machine, but uses the container nexus-postgres-db and the folder /opt/nexus of root@88.99.254.59 from "Étape 4 — Déployer en prod". Add an ssh line or <!-- env: NAME --> to this section if it belongs on the server.',
        ],
      ],
    );
    // The reset procedure before Étape 4 uses pg_dump on this machine on purpose: no hint there.
    assert.ok(section('reset')[0].steps.every((s) => !s.hint));
  });

  it('recognises every command of every bash block, with its line', () => {
    const commands = rb.sections.flatMap((s) =>
      s.steps.filter((st) => !st.manual).map((st) => `${st.line} ${st.command.split('\n')[0]}`),
    );
    assert.equal(commands.length, 29);
    assert.ok(commands.includes('82 npx prisma migrate diff \\'));
    assert.ok(commands.includes('104 npx prisma migrate resolve --applied ${MIGRATION_NAME}'));
    assert.ok(commands.includes('140 docker exec nexus-next-app npx prisma migrate deploy'));
    // The `ssh root@…` login, the `cd /opt/nexus` and the MIGRATION_NAME assignment are context, not steps.
    assert.ok(!commands.some((c) => /\bssh root@|MIGRATION_NAME="|\bcd /.test(c)));
  });

  it('binds the deploy steps to the server after the ssh line, with the cd carried along', () => {
    const [deploy] = section('deploy').filter((s) => s.title.startsWith('Étape 4'));
    assert.ok(
      deploy.steps.every(
        (s) => s.target.kind === 'ssh' && s.target.host === '88.99.254.59' && s.target.user === 'root',
      ),
    );
    const apply = deploy.steps.find((s) => s.classification.kinds.includes('deploy'))!;
    assert.equal(apply.title, 'Appliquer les migrations');
    assert.equal(apply.cwd, '/opt/nexus');
    // The cd's comment titles the command after it, which runs in that folder.
    const pull = deploy.steps.find((s) => s.command === 'git pull origin main')!;
    assert.deepEqual([pull.title, pull.cwd], ['Pull et deploy', '/opt/nexus']);
    const [rollback] = section('rollback');
    assert.deepEqual(
      rollback.steps.map((s) => [s.title, s.cwd ?? '']),
      [
        ['Restaurer le backup', ''],
        ['Revenir au commit précédent', '/opt/nexus'],
        ['docker compose up -d --build nexus-next-app', '/opt/nexus'],
      ],
    );
    const backup = deploy.steps.find((s) => s.classification.kinds.includes('backup'))!;
    assert.equal(backup.title, 'Backup avant migration');
    assert.equal(backup.classification.backupPath, '/root/backups/pre_baseline_$(date +%Y%m%d_%H%M%S).sql');
    assert.ok(deploy.steps.indexOf(backup) < deploy.steps.indexOf(apply));
  });

  it('marks destructive steps and captures the restore path', () => {
    const [rollback] = section('rollback');
    const restore = rollback.steps[0];
    assert.equal(restore.classification.destructive, true);
    assert.equal(restore.classification.restorePath, '/root/backups/pre_baseline_YYYYMMDD_HHMMSS.sql');
    assert.ok(rollback.steps.some((s) => s.classification.kinds.includes('gitRewind') && s.classification.destructive));
    const [reset] = section('reset');
    assert.ok(reset.steps.some((s) => s.classification.kinds.includes('migrateReset') && s.classification.destructive));
  });

  it('collects variables to prompt once: assignments, <placeholders> and date placeholders', () => {
    assert.deepEqual(
      rb.variables.map((v) => [v.name, v.kind, v.defaultValue]),
      [
        ['nom_descriptif', 'placeholder', undefined],
        ['MIGRATION_NAME', 'assignment', '20260217_baseline_invoicing_and_drift'],
        ['YYYYMMDD_HHMMSS', 'date', undefined],
      ],
    );
    const resolve = rb.sections.flatMap((s) => s.steps).find((s) => s.classification.kinds.includes('migrateResolve'))!;
    assert.deepEqual(resolve.variables, ['MIGRATION_NAME']);
    assert.equal(
      substituteVariables(resolve.command, rb.variables, { MIGRATION_NAME: '20261124_baseline' }),
      'npx prisma migrate resolve --applied 20261124_baseline',
    );
  });

  it('turns numbered comments without a command into manual steps and keeps expected-output comments as notes', () => {
    const [standard] = rb.sections.filter((s) => s.title.startsWith('Procédure standard'));
    assert.deepEqual(
      standard.steps.map((s) => [s.manual, s.title]),
      [
        [true, 'Modifier prisma/schema.prisma'],
        [false, 'Générer la migration'],
        [true, 'Vérifier le SQL généré dans prisma/migrations/<timestamp>_<nom>/migration.sql'],
        [false, 'Tester'],
        [false, 'En production'],
      ],
    );
    const [verify] = section('verify');
    assert.deepEqual(verify.steps[3].notes, ['Attendu : "Database schema is up to date"']);
  });
});

describe('runbook parser — edge cases', () => {
  it('keeps continuation lines, heredocs, compound statements and nested fences whole', () => {
    const md = [
      '# Ops',
      '## Deploy <!-- env: staging -->',
      '<!-- env: staging -->',
      '````markdown',
      '```bash',
      'echo not a step',
      '```',
      '````',
      '```bash',
      '# Load data',
      "psql -v ON_ERROR_STOP=1 <<'SQL'",
      "SELECT ';' AS semi;",
      'SQL',
      'if [ -f x ]; then',
      '  echo yes',
      'fi',
      'docker exec app \\',
      '  npx prisma migrate deploy # applies pending',
      'echo "multi',
      'line string"',
      '```',
    ].join('\n');
    const rb = parseRunbook('ops.md', md);
    const steps = rb.sections.flatMap((s) => s.steps);
    assert.deepEqual(
      steps.map((s) => [s.line, s.command]),
      [
        [11, "psql -v ON_ERROR_STOP=1 <<'SQL'\nSELECT ';' AS semi;\nSQL"],
        [14, 'if [ -f x ]; then\n  echo yes\nfi'],
        [17, 'docker exec app \\\n  npx prisma migrate deploy # applies pending'],
        [19, 'echo "multi\nline string"'],
      ],
    );
    assert.ok(steps.every((s) => s.target.kind === 'environment' && s.target.environment === 'staging'));
    assert.deepEqual(steps[2].classification.kinds, ['deploy']);
    assert.equal(steps[0].title, 'Load data');
  });

  it('refuses nothing but flags db push and reads ssh logins', () => {
    assert.deepEqual(classifyCommand('pnpm prisma db push --accept-data-loss').kinds, ['dbPush']);
    assert.equal(classifyCommand('pnpm prisma db push').destructive, true);
    assert.deepEqual(classifyCommand('pg_dump --schema-only -d x > s.sql').kinds, []);
    assert.equal(classifyCommand('pg_dump -Fc -f "/var/backups/a b.dump" app').backupPath, '/var/backups/a b.dump');
    assert.deepEqual(parseSshLogin('ssh -p 2222 -i ~/.ssh/k deploy@db.example.com'), {
      user: 'deploy',
      host: 'db.example.com',
      port: 2222,
    });
    assert.equal(parseSshLogin('ssh root@h "uptime"'), undefined);
    assert.deepEqual(parseSshLogin('ssh ssh://ops@h:2200'), { user: 'ops', host: 'h', port: 2200 });
  });

  it('reads docker exec container names past its options', () => {
    assert.deepEqual(
      dockerExecContainers('docker exec -i -e A=1 --user root -w /app nexus-db psql -c "x"; docker exec -it app sh'),
      ['nexus-db', 'app'],
    );
    assert.deepEqual(dockerExecContainers('docker compose exec app sh'), []);
  });

  it('splits shell text into comments, blanks and commands', () => {
    assert.deepEqual(
      splitShell('# a\n\nls -la \\\n  /tmp\ncase $x in\n  a) echo a;;\nesac\n').map((l) => [
        l.kind,
        l.startLine,
        l.endLine,
      ]),
      [
        ['comment', 0, 0],
        ['blank', 1, 1],
        ['command', 2, 3],
        ['command', 4, 6],
      ],
    );
  });
});
