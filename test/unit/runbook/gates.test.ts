import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { classifyCommand } from '../../../src/core/runbook/classify';
import {
  deriveRestoreCommand,
  evaluateGates,
  formatDate,
  matchPathPattern,
  pinBackupCommand,
  restoreCommandFor,
  sizeCommand,
  type BackupRecord,
  TEAM_RULE,
  teamRulesOf,
} from '../../../src/core/runbook/gates';
import { parseRunbook } from '../../../src/core/runbook/parser';

const SEED = path.resolve(__dirname, '../../../../test/fixtures/runbooks/strategie-migrations.md');
const AT = new Date(2026, 1, 17, 10, 42, 5);

describe('runbook gates — the team rules', () => {
  const backup: BackupRecord = {
    stepId: 'x/1',
    environment: 'production',
    path: '/root/backups/a.sql',
    at: AT.toISOString(),
    verification: { status: 'verified', summary: 'Verified: …' },
  };

  it('refuses migrate deploy on production without a passing rehearsal (rule 3), after the backup gate', () => {
    const deploy = classifyCommand('docker exec nexus-next-app npx prisma migrate deploy');
    const refused = evaluateGates(deploy, {
      environment: 'production',
      kind: 'production',
      backups: [backup],
      rehearsal: { ok: false, message: 'No deploy rehearsal of production was recorded.' },
    });
    assert.deepEqual(refused, {
      verdict: 'refuse',
      rule: 'rehearsalBeforeDeploy',
      message: 'No deploy rehearsal of production was recorded.',
    });
    assert.equal(TEAM_RULE.rehearsalBeforeDeploy, 3);
    assert.equal(TEAM_RULE.backupBeforeDeploy, 5);
    const noBackup = evaluateGates(deploy, {
      environment: 'production',
      kind: 'production',
      backups: [],
      rehearsal: { ok: false, message: 'x' },
    });
    assert.equal(noBackup.verdict === 'refuse' && noBackup.rule, 'backupBeforeDeploy');
    assert.equal(
      evaluateGates(deploy, {
        environment: 'production',
        kind: 'production',
        backups: [backup],
        rehearsal: { ok: true, message: 'ok' },
      }).verdict,
      'allow',
    );
    assert.equal(
      evaluateGates(deploy, {
        environment: 'staging',
        kind: 'staging',
        backups: [],
        rehearsal: { ok: false, message: 'x' },
      }).verdict,
      'allow',
    );
    assert.deepEqual(teamRulesOf(deploy.kinds, 'production'), [1, 3, 5]);
    assert.deepEqual(teamRulesOf(classifyCommand('npx prisma db push').kinds, 'production'), [1]);
    assert.deepEqual(teamRulesOf(deploy.kinds, 'staging'), []);
  });

  it('refuses migrate deploy on production until a backup of production succeeded in the run', () => {
    const deploy = classifyCommand('docker exec nexus-next-app npx prisma migrate deploy');
    const before = evaluateGates(deploy, { environment: 'production', kind: 'production', backups: [] });
    assert.equal(before.verdict, 'refuse');
    assert.equal(before.verdict === 'refuse' && before.rule, 'backupBeforeDeploy');
    // A backup of another environment does not count.
    const other = evaluateGates(deploy, {
      environment: 'production',
      kind: 'production',
      backups: [{ ...backup, environment: 'staging' }],
    });
    assert.equal(other.verdict, 'refuse');
    // A backup whose restore did not verify keeps the gate closed, saying why.
    const unverified = evaluateGates(deploy, {
      environment: 'production',
      kind: 'production',
      backups: [
        {
          ...backup,
          verification: {
            status: 'failed',
            summary: 'Not verified: public.Post: 10 rows in app, 9 in the restored copy.',
          },
        },
      ],
    });
    assert.equal(unverified.verdict, 'refuse');
    assert.match(
      unverified.verdict === 'refuse' ? unverified.message : '',
      /^The backup of production taken in this run is not verified — Not verified: public\.Post: 10 rows in app, 9 in the restored copy\. A production deploy needs/,
    );
    assert.equal(
      evaluateGates(deploy, {
        environment: 'production',
        kind: 'production',
        backups: [{ ...backup, verification: undefined }],
      }).verdict,
      'refuse',
      'a backup never verified does not count',
    );
    const after = evaluateGates(deploy, { environment: 'production', kind: 'production', backups: [backup] });
    assert.deepEqual(after, {
      verdict: 'allow',
      confirmation: {
        expected: 'production',
        reason: 'writes to the production database production',
        destructive: false,
      },
    });
    // Elsewhere, no backup needed and no typed confirmation.
    assert.deepEqual(evaluateGates(deploy, { environment: 'staging', kind: 'staging', backups: [] }), {
      verdict: 'allow',
    });
  });

  it("gates our own CLI's deploy on the server like migrate deploy; its --dry-run only reads", () => {
    assert.ok(
      classifyCommand(
        'PATH=/opt/dg/bin:$PATH drift-guard deploy --project /opt/nexus --url "$DATABASE_URL" --yes',
      ).kinds.includes('deploy'),
    );
    assert.ok(classifyCommand('npx drift-guard deploy --env production --yes').kinds.includes('deploy'));
    assert.ok(!classifyCommand('drift-guard deploy --dry-run --env production').kinds.includes('deploy'));
    assert.ok(!classifyCommand('drift-guard status --env production').kinds.includes('deploy'));
    const verdict = evaluateGates(classifyCommand('drift-guard deploy --env production --yes'), {
      environment: 'prod',
      kind: 'production',
      backups: [],
    });
    assert.equal(verdict.verdict, 'refuse');
  });

  it('refuses db push, migrate reset and migrate dev against production, even after a backup', () => {
    for (const [command, rule] of [
      ['npx prisma db push', 'dbPushProduction'],
      ['pnpm prisma migrate reset --force', 'resetProduction'],
      ['npx prisma migrate dev --name x', 'migrateDevProduction'],
    ] as const) {
      const verdict = evaluateGates(classifyCommand(command), {
        environment: 'prod',
        kind: 'production',
        backups: [{ ...backup, environment: 'prod' }],
      });
      assert.equal(verdict.verdict === 'refuse' && verdict.rule, rule, command);
    }
    assert.equal(
      evaluateGates(classifyCommand('npx prisma db push'), { environment: 'local', kind: 'development', backups: [] })
        .verdict,
      'allow',
    );
  });

  it('asks a typed confirmation for destructive steps anywhere', () => {
    const restore = classifyCommand('docker exec -i db psql -U u -d app < /root/backups/x.sql');
    assert.deepEqual(evaluateGates(restore, { environment: 'staging', kind: 'staging', backups: [] }), {
      verdict: 'allow',
      confirmation: { expected: 'staging', reason: 'restores a backup over the database', destructive: true },
    });
    const reset = evaluateGates(classifyCommand('npx prisma migrate reset --force'), {
      environment: 'local',
      kind: 'development',
      backups: [],
    });
    assert.equal(reset.verdict === 'allow' && reset.confirmation?.expected, 'local');
    assert.deepEqual(
      evaluateGates(classifyCommand('npx prisma migrate status'), {
        environment: 'production',
        kind: 'production',
        backups: [],
      }),
      { verdict: 'allow' },
    );
  });
});

describe('runbook backups — pinned file name and restore command', () => {
  const rb = parseRunbook(SEED, readFileSync(SEED, 'utf8'));
  const steps = rb.sections.flatMap((s) => s.steps);
  const backupStep = steps.find((s) => s.classification.kinds.includes('backup') && s.target.kind === 'ssh')!;

  it('formats the date conversions backup names use', () => {
    assert.equal(formatDate('%Y%m%d_%H%M%S', AT), '20260217_104205');
    assert.equal(formatDate('%F %T %%', AT), '2026-02-17 10:42:05 %');
  });

  it("pins the seed's $(date …) so the exact file is known", () => {
    const pinned = pinBackupCommand(backupStep.command, backupStep.classification, AT);
    assert.equal(
      pinned.command,
      'docker exec nexus-postgres-db pg_dump -U nexus_admin nexus_prod > /root/backups/pre_baseline_20260217_104205.sql',
    );
    assert.equal(pinned.backupPath, '/root/backups/pre_baseline_20260217_104205.sql');
    assert.equal(pinned.literal, true);
    assert.equal(
      pinBackupCommand(
        'pg_dump app > "$HOME/b_`date +%s`.sql"',
        classifyCommand('pg_dump app > "$HOME/b_`date +%s`.sql"'),
        AT,
      ).literal,
      false,
    );
    assert.equal(sizeCommand('~/backups/a b.sql'), "wc -c < ~/'backups/a b.sql'");
  });

  it('reads backup and restore files past <placeholders> and 2> redirections', () => {
    assert.equal(classifyCommand('pg_dump -U <db_user> <db_name> 2>/tmp/err >> /b/x.sql').backupPath, '/b/x.sql');
    assert.equal(classifyCommand('psql -U <db_user> -d <db_name> < /b/x.sql').restorePath, '/b/x.sql');
  });

  it("restores with the runbook's own rollback step, binding its YYYYMMDD_HHMMSS placeholder", () => {
    const restore = restoreCommandFor(backupStep.command, '/root/backups/pre_baseline_20260217_104205.sql', rb);
    assert.ok(restore);
    assert.equal(
      restore.command,
      'docker exec -i nexus-postgres-db psql -v ON_ERROR_STOP=1 --single-transaction -U nexus_admin -d nexus_prod < /root/backups/pre_baseline_20260217_104205.sql',
    );
    assert.deepEqual(restore.bindings, { YYYYMMDD_HHMMSS: '20260217_104205' });
    assert.equal(restore.stepId, steps.find((s) => s.classification.kinds.includes('restore'))!.id);
  });

  it('derives a restore command from pg_dump when the runbook has none that matches', () => {
    assert.equal(
      restoreCommandFor('docker exec db pg_dump -U app appdb > /srv/b/x.sql', '/srv/b/x.sql', rb)?.command,
      'docker exec -i db psql -v ON_ERROR_STOP=1 --single-transaction -U app -d appdb < /srv/b/x.sql',
    );
    assert.equal(
      deriveRestoreCommand('pg_dump -h 127.0.0.1 -p 5435 -U admin -Fc shop -f /b/shop.dump', '/b/shop.dump'),
      'pg_restore --clean --if-exists --single-transaction -h 127.0.0.1 -p 5435 -U admin -d shop < /b/shop.dump',
    );
    assert.equal(
      deriveRestoreCommand('pg_dump --dbname=shop > ~/b/x y.sql', '~/b/x y.sql'),
      "psql -v ON_ERROR_STOP=1 --single-transaction -d shop < ~/'b/x y.sql'",
    );
    assert.equal(deriveRestoreCommand('pg_dump > x.sql', 'x.sql'), undefined);
  });

  it('matches path patterns with date placeholders, <placeholders> and ${VARIABLES}', () => {
    const md = [
      '# R',
      '```bash',
      'MIGRATION_NAME="x"',
      'psql app < /b/${MIGRATION_NAME}/<env>/YYYYMMDD.sql',
      '```',
    ].join('\n');
    const vars = parseRunbook('r.md', md).variables;
    assert.deepEqual(matchPathPattern('/b/${MIGRATION_NAME}/<env>/YYYYMMDD.sql', '/b/base/prod/20260217.sql', vars), {
      MIGRATION_NAME: 'base',
      env: 'prod',
      YYYYMMDD: '20260217',
    });
    assert.equal(
      matchPathPattern('/b/${MIGRATION_NAME}/<env>/YYYYMMDD.sql', '/b/base/prod/2026021.sql', vars),
      undefined,
    );
    assert.deepEqual(
      matchPathPattern('/b/${MIGRATION_NAME}/<env>/YYYYMMDD.sql', '/b/base/prod/20260217.sql', vars, { env: 'prod' }),
      { MIGRATION_NAME: 'base', YYYYMMDD: '20260217' },
    );
  });
});
