import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  explainReplayFailure,
  recordedButMissing,
  replayBlockedMessage,
} from '../../../src/core/app/deletedMigrations';
import { deletedAppliedMigrations } from '../../../src/core/app/guardRailInputs';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import {
  allAppliedSql,
  deleteInvoicesMigration,
  DM_INIT,
  DM_INVOICES,
  DM_STATUS,
  writeDeletedMigrationProject,
} from '../../fixtures/deletedMigrationProject';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';

const APPLIED = '2026-01-02T00:00:00.000Z';
const history = {
  environment: 'local',
  migrations: [
    { name: DM_INIT, state: 'applied' as const, appliedAt: APPLIED },
    { name: DM_INVOICES, state: 'missingLocally' as const, appliedAt: APPLIED },
    { name: DM_STATUS, state: 'applied' as const, appliedAt: APPLIED },
  ],
};

describe('deleted applied migrations (core/app)', () => {
  it('the database record: finished rows without a folder', () => {
    assert.deepEqual(recordedButMissing(history), [DM_INVOICES]);
    assert.deepEqual(
      recordedButMissing({ migrations: [{ name: 'x', state: 'missingLocally' }] }),
      [],
      'never finished: not applied',
    );
  });

  it('blames a shadow failure on a deleted migration that sorts before the failing one, and only then', () => {
    const failure = {
      code: 'migration-failed',
      message: 'Migration 3 failed on the shadow database',
      migration: DM_STATUS,
    };
    const blocked = explainReplayFailure(failure, [history]);
    assert.ok(blocked);
    assert.deepEqual(blocked, {
      deleted: [DM_INVOICES],
      environments: ['local'],
      failedMigration: DM_STATUS,
      engineMessage: failure.message,
    });
    assert.match(
      replayBlockedMessage(blocked, 'prisma/migrations'),
      /^Drift not computed: the migration history cannot be replayed without 20260102000000_invoices \(deleted here, but local recorded it as applied\): 20260103000000_invoice_status builds on it\. Restore it from git \(git checkout HEAD -- prisma\/migrations\/20260102000000_invoices\)/,
    );
    assert.equal(
      explainReplayFailure({ ...failure, migration: DM_INIT }, [history]),
      undefined,
      'a migration before the deleted one fails on its own',
    );
    assert.equal(explainReplayFailure({ code: 'database-unreachable', message: 'down' }, [history]), undefined);
    assert.equal(
      explainReplayFailure(failure, [
        { environment: 'local', migrations: history.migrations.filter((m) => m.state === 'applied') },
      ]),
      undefined,
    );
  });

  it('deleted here: on the database record when git does not track the folder, on git HEAD when it does', async () => {
    const dir = writeDeletedMigrationProject();
    try {
      const migrations = path.join(dir, 'prisma', 'migrations');
      deleteInvoicesMigration(dir);
      assert.deepEqual(
        await deletedAppliedMigrations(migrations, [history]),
        { deleted: [DM_INVOICES], problems: [] },
        'outside git',
      );
      const git = (...args: string[]): void =>
        void execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, stdio: 'ignore' });
      git('init', '-q');
      git('add', '-A');
      git('commit', '-qm', 'without invoices');
      assert.deepEqual(
        await deletedAppliedMigrations(migrations, [history]),
        { deleted: [], problems: [] },
        'git tracks the folder and never had it: a colleague’s migration, not a deletion',
      );
      assert.deepEqual(
        await deletedAppliedMigrations(migrations, [history], { seen: new Set([DM_INVOICES]) }),
        { deleted: [DM_INVOICES], problems: [] },
        'seen here before',
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

/** `drift-guard status` / `check` on a history whose migration 2 was deleted while migration 3 alters its table. */
describe('drift-guard status/check: an applied migration deleted that a later one builds on (bundled CLI, real PostgreSQL)', function () {
  this.timeout(300_000);
  let pg: PostgresFixture;
  let dir = '';
  let cacheDir = '';
  const db = `dg_deleted_${process.pid}`;
  const cli = (args: string[]): Promise<CliRun> =>
    runCli([...args, '--project', dir], dir, { DRIFT_GUARD_CACHE_DIR: cacheDir });

  before(async () => {
    requireCliBundle();
    pg = await sharedPostgres();
    await pg.dropDatabase(db);
    const url = await pg.createDatabase(db);
    await pg.psql(allAppliedSql(), db);
    // Outside any git repository: the database's own record is the only evidence.
    dir = writeDeletedMigrationProject(url, await fs.mkdtemp(path.join(os.tmpdir(), 'dg-deleted-')));
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-deleted-cache-'));
    const intact = await cli(['check']);
    assert.equal(intact.code, 0, intact.stdout + intact.stderr);
    deleteInvoicesMigration(dir);
  });
  after(async () => {
    await pg.dropDatabase(db).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  it('status: the ghost row and applied-migration-deleted (exit 1)', async () => {
    const run = await cli(['status']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /\? 20260102000000_invoices +applied, missing locally/);
    assert.match(
      run.stdout,
      /✗ 20260102000000_invoices \[applied-migration-deleted\] 20260102000000_invoices was deleted, but local recorded it as applied/,
    );
    const json = JSON.parse((await cli(['status', '--json'])).stdout) as {
      migrations: Array<{ name: string; state: string }>;
      guardRails: { findings: Array<{ code: string; migration: string }> };
    };
    assert.deepEqual(
      json.migrations.map((m) => [m.name, m.state]),
      [
        [DM_INIT, 'applied'],
        [DM_INVOICES, 'missingLocally'],
        [DM_STATUS, 'applied'],
      ],
    );
    assert.deepEqual(
      json.guardRails.findings.map((f) => [f.code, f.migration]),
      [['applied-migration-deleted', DM_INVOICES]],
    );
  });

  it('check: applied-migration-deleted first, then why the drift cannot be computed — not a shadow failure (exit 1, not 2)', async () => {
    const run = await cli(['check']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.doesNotMatch(run.stderr, /failed on the shadow database/);
    const lines = run.stdout.split('\n');
    const guard = lines.findIndex((l) => l.includes('[applied-migration-deleted]'));
    const schema = lines.findIndex((l) => l.startsWith('✗ Schema vs migrations'));
    assert.ok(guard >= 0 && guard < schema, run.stdout);
    assert.match(
      lines[schema],
      /Drift not computed: the migration history cannot be replayed without 20260102000000_invoices \(deleted here, but local recorded it as applied\): 20260103000000_invoice_status builds on it\. Restore it from git \(git checkout HEAD -- prisma\/migrations\/20260102000000_invoices\)/,
    );
    assert.match(
      run.stdout,
      /✗ Database vs migrations \(DATABASE_URL → .*\): drift not computed, for the same reason \(20260102000000_invoices deleted\)/,
    );
    const json = JSON.parse((await cli(['check', '--json'])).stdout) as {
      schemaVsMigrations: { blocked?: { reason: string; deleted: string[]; failedMigration: string } };
      databaseVsMigrations: { blocked?: { reason: string } };
      guardRails: { findings: Array<{ code: string; migration: string }> };
    };
    assert.deepEqual(
      json.schemaVsMigrations.blocked && [
        json.schemaVsMigrations.blocked.reason,
        json.schemaVsMigrations.blocked.deleted,
        json.schemaVsMigrations.blocked.failedMigration,
      ],
      ['applied-migration-deleted', [DM_INVOICES], DM_STATUS],
    );
    assert.equal(json.databaseVsMigrations.blocked?.reason, 'applied-migration-deleted');
    assert.ok(
      json.guardRails.findings.some((f) => f.code === 'applied-migration-deleted' && f.migration === DM_INVOICES),
    );
  });
});
