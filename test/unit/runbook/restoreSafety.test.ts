import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type EnvironmentSetting } from '../../../src/core/environments/config';
import { classifyCommand } from '../../../src/core/runbook/classify';
import { deriveRestoreCommand, restoreCommandFor } from '../../../src/core/runbook/gates';
import { parseRunbook } from '../../../src/core/runbook/parser';
import {
  restorableBackupCommand,
  restoreFailure,
  stepAdvice,
  strictRestoreCommand,
} from '../../../src/core/runbook/restoreSafety';
import { newRun } from '../../../src/core/runbook/run';
import { resolveTarget } from '../../../src/core/runbook/targets';
import { runbookTemplate } from '../../../src/core/runbook/template';
import { buildView } from '../../../src/core/runbook/view';

const SEED = path.resolve(__dirname, '../../../../test/fixtures/runbooks/strategie-migrations.md');
const AT = new Date(2026, 1, 17, 10, 42, 5);
const production: EnvironmentSetting = {
  name: 'production',
  kind: 'production',
  url: { from: 'secret' },
  ssh: { host: '88.99.254.59', user: 'root', auth: 'agent', database: '127.0.0.1:5435' },
};

// What `psql -U nexus_admin -d nexus_prod < dump.sql` printed over the live database, exit code 0.
const LIVE_RESTORE_OUTPUT = [
  'SET',
  'SET',
  'psql:<stdin>:25: ERROR:  relation "users" already exists',
  'ALTER TABLE',
  'psql:<stdin>:40: ERROR:  relation "invoices" already exists',
  'COPY 0',
].join('\n');

describe('runbook — a backup that restores, a restore that fails on errors', () => {
  it('fails a restore whose psql output has an ERROR line, with the first one, whatever the exit code', () => {
    const restore = classifyCommand(
      'docker exec -i nexus-postgres-db psql -U nexus_admin -d nexus_prod < /root/backups/x.sql',
    );
    assert.equal(
      restoreFailure(restore, LIVE_RESTORE_OUTPUT),
      'psql:<stdin>:25: ERROR:  relation "users" already exists',
    );
    assert.equal(
      restoreFailure(restore, 'ERROR:  syntax error at or near "x"\r\n'),
      'ERROR:  syntax error at or near "x"',
    );
    assert.equal(
      restoreFailure(
        classifyCommand('pg_restore --clean --if-exists -d shop /b/shop.dump'),
        'pg_restore: error: could not execute query: ERROR:  permission denied\n',
      ),
      'pg_restore: error: could not execute query: ERROR:  permission denied',
    );
    // A clean restore, an error-looking word inside a line, and a step that is no restore: no failure.
    assert.equal(restoreFailure(restore, 'SET\nCREATE TABLE\nCOPY 12\n'), undefined);
    assert.equal(
      restoreFailure(restore, 'NOTICE:  table "x" does not exist, skipping\nINSERT 0 1 -- no ERROR: here\n'),
      undefined,
    );
    assert.equal(restoreFailure(classifyCommand('psql -c "select 1"'), LIVE_RESTORE_OUTPUT), undefined);
  });

  it('derives and offers restore commands whose psql stops at the first error, in one transaction', () => {
    assert.equal(
      deriveRestoreCommand('docker exec db pg_dump -U app appdb > /srv/b/x.sql', '/srv/b/x.sql'),
      'docker exec -i db psql -v ON_ERROR_STOP=1 --single-transaction -U app -d appdb < /srv/b/x.sql',
    );
    // A dump that creates its database cannot be restored in one transaction.
    assert.equal(
      deriveRestoreCommand('pg_dump -C app > /b/x.sql', '/b/x.sql'),
      'psql -v ON_ERROR_STOP=1 -d app < /b/x.sql',
    );
    assert.equal(
      deriveRestoreCommand('pg_dump -Fc shop -f /b/shop.dump', '/b/shop.dump'),
      'pg_restore --clean --if-exists --single-transaction -d shop < /b/shop.dump',
    );
    // The seed's own rollback step, offered after its backup, is hardened the same way.
    const rb = parseRunbook(SEED, readFileSync(SEED, 'utf8'));
    const backupStep = rb.sections
      .flatMap((s) => s.steps)
      .find((s) => s.classification.kinds.includes('backup') && s.target.kind === 'ssh')!;
    assert.equal(
      restoreCommandFor(backupStep.command, '/root/backups/pre_baseline_20260217_104205.sql', rb)?.command,
      'docker exec -i nexus-postgres-db psql -v ON_ERROR_STOP=1 --single-transaction -U nexus_admin -d nexus_prod < /root/backups/pre_baseline_20260217_104205.sql',
    );
    // Flags already there are not repeated.
    assert.equal(
      strictRestoreCommand('psql -1 -v ON_ERROR_STOP=1 app < x.sql'),
      'psql -1 -v ON_ERROR_STOP=1 app < x.sql',
    );
  });

  it('warns on a plain pg_dump that cannot restore over the live database, with the corrected command', () => {
    assert.equal(
      restorableBackupCommand(
        'docker exec nexus-postgres-db pg_dump -U nexus_admin nexus_prod > /root/backups/pre_baseline_$(date +%Y%m%d_%H%M%S).sql',
      ),
      'docker exec nexus-postgres-db pg_dump --clean --if-exists -U nexus_admin nexus_prod > /root/backups/pre_baseline_$(date +%Y%m%d_%H%M%S).sql',
    );
    assert.equal(restorableBackupCommand('pg_dump -c -U u app > x.sql'), 'pg_dump --if-exists -c -U u app > x.sql');
    assert.equal(restorableBackupCommand('pg_dump --clean --if-exists -U u app > x.sql'), undefined);
    assert.equal(restorableBackupCommand('pg_dump -Fc -U u app -f x.dump'), undefined);
    assert.equal(restorableBackupCommand('pg_dump --format=custom app > x.dump'), undefined);

    const rb = parseRunbook(SEED, readFileSync(SEED, 'utf8'));
    const view = buildView({
      runbook: rb,
      run: newRun('strategie-migrations.md', AT),
      relativePath: 'strategie-migrations.md',
      resolve: (s) => resolveTarget(s.target, [production]),
    });
    const all = view.sections.flatMap((s) => s.steps);
    const backup = all.find((s) => s.kinds.includes('backup') && s.target.remote)!;
    assert.equal(backup.advice?.length, 1);
    assert.match(backup.advice[0].message, /cannot be restored over the live database/);
    assert.equal(
      backup.advice[0].command,
      'docker exec nexus-postgres-db pg_dump --clean --if-exists -U nexus_admin nexus_prod > /root/backups/pre_baseline_$(date +%Y%m%d_%H%M%S).sql',
    );
  });

  it('says that git checkout HEAD~1 leaves the checkout detached, and how to return', () => {
    const advice = stepAdvice(
      'cd /srv/app && git checkout HEAD~1',
      classifyCommand('cd /srv/app && git checkout HEAD~1'),
    );
    assert.equal(advice.length, 1);
    assert.match(advice[0].message, /detached/);
    assert.match(advice[0].message, /git switch -/);
    assert.match(advice[0].message, /git checkout main/);
    assert.deepEqual(stepAdvice('git reset --hard origin/main', classifyCommand('git reset --hard origin/main')), []);
    const rb = parseRunbook(SEED, readFileSync(SEED, 'utf8'));
    const view = buildView({
      runbook: rb,
      run: newRun('strategie-migrations.md', AT),
      relativePath: 'strategie-migrations.md',
      resolve: (s) => resolveTarget(s.target, [production]),
    });
    const rewind = view.sections.flatMap((s) => s.steps).find((s) => s.kinds.includes('gitRewind'))!;
    assert.match(rewind.advice?.[0].message ?? '', /git checkout HEAD~1 leaves the checkout detached/);
  });

  it('writes a template whose backups restore over the live database and whose restores stop on errors', () => {
    const md = runbookTemplate({
      project: 'shop',
      environments: [
        {
          name: 'production',
          kind: 'production',
          ssh: { host: '88.99.254.59', user: 'root', database: '127.0.0.1:5435' },
        },
      ],
      schemaPath: 'prisma/schema.prisma',
      migrationsDir: 'prisma/migrations',
      urlVariable: 'DATABASE_URL',
      date: AT,
    });
    const rb = parseRunbook('RUNBOOK.md', md);
    const steps = rb.sections.flatMap((s) => s.steps);
    const backup = steps.find((s) => s.classification.kinds.includes('backup'))!;
    assert.match(backup.command, /pg_dump --clean --if-exists -h 127\.0\.0\.1 -p 5435 -U <db_user> <db_name> > /);
    assert.deepEqual(
      stepAdvice(backup.command, backup.classification).filter((a) => a.command),
      [],
    );
    const restore = steps.find((s) => s.classification.kinds.includes('restore'))!;
    assert.match(
      restore.command,
      /^psql -v ON_ERROR_STOP=1 --single-transaction -h 127\.0\.0\.1 -p 5435 -U <db_user> -d <db_name> < /m,
    );
  });
});
