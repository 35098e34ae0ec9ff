/**
 * `drift-guard rehearse` against the harness's real PostgreSQL and sshd: a database shaped like the seed's
 * production (history applied fix → init → add, `db push` tables, rows), a demo project with pending
 * migrations, the bundled CLI. The real database must be exactly the same afterwards: its schema dump and
 * its `_prisma_migrations` rows are compared before and after every rehearsal.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RehearsalReport } from '../../../src/core/rehearsal/report';
import { requireCliBundle, runCli } from '../../fixtures/cli';
import { DEMO_DRIFT_SQL, prepareProdLike } from '../../fixtures/demoDatabase';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { type SshdFixture, sharedSshd } from '../../fixtures/sshd';

const REPO = path.resolve(__dirname, '../../../..');

/** `pg_dump --schema-only` of a database, without the random `\restrict` keys of recent pg_dump. */
function schemaDump(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('pg_dump', ['--schema-only', '--dbname', url], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(new Error(`pg_dump failed: ${error.message}`));
      else resolve(stdout.replace(/^\\(un)?restrict .*$/gm, ''));
    });
  });
}

describe('drift-guard rehearse: deploy rehearsal on a copy of a real database (bundled CLI)', function () {
  this.timeout(180_000);
  let pg: PostgresFixture;
  let sshd: SshdFixture;
  let dbName: string;
  let url: string;
  const cleanup: string[] = [];
  let cacheDir: string;

  /** The real database as it must stay: its schema and its history. */
  async function snapshot(): Promise<{ schema: string; history: string }> {
    return {
      schema: await schemaDump(url),
      history: await pg.psql(
        'SELECT id, checksum, migration_name, started_at, finished_at, rolled_back_at, logs, applied_steps_count FROM _prisma_migrations ORDER BY started_at',
        dbName,
      ),
    };
  }

  /** A copy of demo/ with extra migration folders. */
  async function demoWith(migrations: Record<string, string>, settings?: string): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-rehearse-'));
    cleanup.push(dir);
    await fs.cp(path.join(REPO, 'demo'), dir, { recursive: true });
    for (const [name, sql] of Object.entries(migrations)) {
      await fs.mkdir(path.join(dir, 'prisma', 'migrations', name));
      await fs.writeFile(path.join(dir, 'prisma', 'migrations', name, 'migration.sql'), sql);
    }
    if (settings) {
      await fs.mkdir(path.join(dir, '.vscode'));
      await fs.writeFile(path.join(dir, '.vscode', 'settings.json'), settings);
    }
    return dir;
  }

  function cli(args: string[], cwd: string, env: Record<string, string> = {}): ReturnType<typeof runCli> {
    return runCli(args, cwd, { DRIFT_GUARD_CACHE_DIR: cacheDir, ...env });
  }

  before(async () => {
    requireCliBundle();
    [pg, sshd] = await Promise.all([sharedPostgres(), sharedSshd()]);
    dbName = `dg_rehearse_${randomBytes(3).toString('hex')}`;
    url = await pg.createDatabase(dbName);
    await prepareProdLike(url);
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-rehearse-cache-'));
    cleanup.push(cacheDir);
  });

  after(async () => {
    for (const dir of cleanup) await fs.rm(dir, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('reports the pending migration that fails on the copy with its PostgreSQL error; the ones before pass; the real database is unchanged', async () => {
    const demo = await demoWith({
      '20260301090000_add_user_nickname':
        '-- AlterTable\nALTER TABLE "users" ADD COLUMN "nickname" TEXT;\n\n-- CreateIndex\nCREATE INDEX "users_nickname_idx" ON "users"("nickname");\n',
      // The seed's trap: deploying the baseline of what db push created, instead of marking it applied.
      '20260302090000_baseline_invoicing_and_drift': DEMO_DRIFT_SQL,
      '20260303090000_add_invoice_notes': 'ALTER TABLE "invoices" ADD COLUMN "internal_notes" TEXT;\n',
    });
    const before = await snapshot();
    const run = await cli(['rehearse', '--url', url, '--json'], demo);
    assert.equal(run.code, 1, `exit 1 when a migration fails\n${run.stderr}`);
    const report = JSON.parse(run.stdout) as RehearsalReport;
    assert.equal(report.ok, false);
    assert.equal(report.source.kind, 'pg_dump');
    assert.deepEqual(report.history, { source: 'database', recorded: 10, applied: 10 });
    assert.deepEqual(
      report.migrations.map((m) => [m.name, m.status]),
      [
        ['20260301090000_add_user_nickname', 'passed'],
        ['20260302090000_baseline_invoicing_and_drift', 'failed'],
        ['20260303090000_add_invoice_notes', 'notRun'],
      ],
    );
    const [passed, failed] = report.migrations;
    assert.ok(typeof passed.ms === 'number' && passed.ms > 0, 'timing of the passed migration');
    assert.deepEqual(passed.warnings, []);
    assert.match(failed.error?.message ?? '', /type "InvoiceStatus" already exists/);
    assert.equal(failed.error?.code, '42710');
    assert.equal(failed.error?.line, 2, 'the failing statement: CREATE TYPE on line 2');
    assert.equal(failed.sqlPath, 'prisma/migrations/20260302090000_baseline_invoicing_and_drift/migration.sql');
    assert.deepEqual(report.copy.problems, [], 'the whole dump loaded on the copy');

    const text = await cli(['rehearse', '--url', url], demo);
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /^Deploy rehearsal on a copy of postgresql:\/\/postgres@127\.0\.0\.1:\d+\/dg_rehearse_\w+: FAILED — 1 of 3 pending migrations passed, 1 failed\./,
    );
    assert.match(
      text.stdout,
      /✗ 20260302090000_baseline_invoicing_and_drift .*\n {4}prisma\/migrations\/20260302090000_baseline_invoicing_and_drift\/migration\.sql:2: type "InvoiceStatus" already exists \[42710\]/,
    );

    assert.deepEqual(await snapshot(), before, 'the real database: same schema dump, same _prisma_migrations rows');
  });

  it('a migration failing after an explicit COMMIT: the failing line, and a warning that the part before the COMMIT stays committed', async () => {
    const demo = await demoWith({
      '20260301090000_nickname_then_backfill':
        '-- AlterTable\nALTER TABLE "users" ADD COLUMN "nickname" TEXT;\nCOMMIT;\n\nINSERT INTO "no_such_table" VALUES (1);\n',
    });
    const before = await snapshot();
    const run = await cli(['rehearse', '--url', url, '--json'], demo);
    assert.equal(run.code, 1, run.stderr);
    const [failed] = (JSON.parse(run.stdout) as RehearsalReport).migrations;
    assert.equal(failed.status, 'failed');
    assert.match(failed.error?.message ?? '', /relation "no_such_table" does not exist/);
    assert.equal(failed.error?.line, 5, 'the INSERT, not line 1');
    assert.deepEqual(
      failed.warnings.map((w) => [w.kind, w.line]),
      [['commitsMidway', 3]],
    );
    const text = await cli(['rehearse', '--url', url], demo);
    assert.match(
      text.stdout,
      /\n {4}prisma\/migrations\/20260301090000_nickname_then_backfill\/migration\.sql:5: relation "no_such_table" does not exist/,
    );
    assert.match(
      text.stdout,
      /\n {4}warning prisma\/migrations\/20260301090000_nickname_then_backfill\/migration\.sql:3: Explicit COMMIT before other statements: what runs before it stays committed/,
    );
    assert.deepEqual(await snapshot(), before, 'the real database is unchanged');
  });

  it('a clean pending migration passes (exit 0); data-dependent statements are warnings, failing only with --strict', async () => {
    const demo = await demoWith({
      '20260301090000_require_user_phone':
        '-- AlterTable\nALTER TABLE "users" ADD COLUMN "locale" TEXT NOT NULL DEFAULT \'fr\';\nALTER TABLE "users" ALTER COLUMN "phone" SET NOT NULL;\n',
    });
    const before = await snapshot();
    const run = await cli(['rehearse', '--url', url, '--json'], demo);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as RehearsalReport;
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.migrations.map((m) => [m.name, m.status]),
      [['20260301090000_require_user_phone', 'passed']],
    );
    const warnings = report.migrations[0].warnings;
    assert.deepEqual(
      warnings.map((w) => [w.kind, w.column, w.line]),
      [['notNullAdded', 'phone', 3]],
      'the column with a default is fine; SET NOT NULL is not',
    );
    assert.match(warnings[0].message, /Makes users\.phone required \(NOT NULL\): fails if a row has no value in it/);
    assert.ok(report.notes.some((n) => /schema without rows/.test(n)));
    const strict = await cli(['rehearse', '--url', url, '--strict'], demo);
    assert.equal(strict.code, 1, 'warnings fail with --strict');
    assert.match(strict.stdout, /passed with warnings/);
    assert.deepEqual(await snapshot(), before);
  });

  it('the copy loads the extensions the pending migrations create (pgvector, moddatetime from spi, earthdistance with cube)', async () => {
    const demo = await demoWith({
      '20260301090000_embeddings': [
        'CREATE EXTENSION IF NOT EXISTS "vector";',
        'CREATE EXTENSION IF NOT EXISTS moddatetime;',
        'CREATE EXTENSION IF NOT EXISTS earthdistance CASCADE;',
        'ALTER TABLE "users" ADD COLUMN "embedding" vector(3), ADD COLUMN "touched_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;',
        'CREATE TRIGGER "users_touched_at" BEFORE UPDATE ON "users" FOR EACH ROW EXECUTE PROCEDURE moddatetime("touched_at");',
        '',
      ].join('\n'),
    });
    const before = await snapshot();
    const run = await cli(['rehearse', '--url', url, '--json'], demo);
    const report = JSON.parse(run.stdout) as RehearsalReport;
    assert.deepEqual(report.copy.missingExtensions, []);
    assert.deepEqual(
      report.migrations.map((m) => [m.name, m.status, m.error?.message]),
      [['20260301090000_embeddings', 'passed', undefined]],
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await snapshot(), before);
  });

  it("over SSH: --env runs the environment's rehearseDumpCommand on its server and reads the history through the tunnel", async () => {
    const ssh = {
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      auth: 'key',
      keyPath: sshd.clientKeyPath,
      // As the seed's `docker exec nexus-postgres-db pg_dump -U nexus_admin --schema-only nexus_prod`, with the server's own pg_dump.
      rehearseDumpCommand: `pg_dump -h 127.0.0.1 -p ${pg.port} -U ${pg.superuser} --schema-only ${dbName}`,
    };
    const settings = JSON.stringify(
      {
        'driftGuard.environments': [
          { name: 'production', kind: 'production', url: { from: 'env', variable: 'PROD_URL' }, ssh },
        ],
      },
      null,
      2,
    );
    const demo = await demoWith(
      { '20260301090000_add_user_nickname': 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;\n' },
      settings,
    );
    await fs.writeFile(path.join(demo, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    const before = await snapshot();
    const run = await cli(['rehearse', '--env', 'production', '--json'], demo, {
      PROD_URL: `postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}`,
      DRIFT_GUARD_KNOWN_HOSTS: path.join(demo, 'known_hosts'),
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as RehearsalReport;
    assert.equal(report.target, 'production');
    assert.equal(report.source.kind, 'command');
    assert.match(
      report.source.description,
      new RegExp(`pg_dump -h 127\\.0\\.0\\.1 -p ${pg.port} .* on 127\\.0\\.0\\.1`),
    );
    assert.equal(report.history.source, 'database');
    assert.deepEqual(
      report.migrations.map((m) => m.status),
      ['passed'],
    );
    assert.match(run.stderr, /dumping with pg_dump .* on 127\.0\.0\.1/);
    assert.deepEqual(await snapshot(), before);
  });

  it('says when migrate deploy would refuse: a failed migration in the history blocks the deploy', async () => {
    const blockedName = `${dbName}_failed`;
    const blockedUrl = await pg.createDatabase(blockedName);
    try {
      await prepareProdLike(blockedUrl, { withData: false });
      await pg.psql(
        `UPDATE _prisma_migrations SET finished_at = NULL, logs = 'deadlock' WHERE migration_name = '20260214_add_diagnostics_v2_columns'`,
        blockedName,
      );
      const demo = await demoWith({
        '20260301090000_add_user_nickname': 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;\n',
      });
      const run = await cli(['rehearse', '--url', blockedUrl, '--json'], demo);
      assert.equal(run.code, 1);
      const report = JSON.parse(run.stdout) as RehearsalReport;
      assert.match(report.blockers[0] ?? '', /20260214_add_diagnostics_v2_columns is recorded as failed .*P3009/);
      assert.deepEqual(
        report.migrations.map((m) => m.status),
        ['passed'],
        'the pending migration itself still rehearses',
      );
    } finally {
      await pg.dropDatabase(blockedName).catch(() => undefined);
    }
  });

  it('bad input: no database and no dump, a dump file that is not SQL — exit 2 with one line', async () => {
    const demo = await demoWith({});
    const none = await cli(['rehearse'], demo);
    assert.equal(none.code, 2);
    assert.match(none.stderr.trim(), /^drift-guard: No database URL: pass --url/);
    await fs.writeFile(path.join(demo, 'dump.bin'), 'PGDMP\u0001custom');
    const custom = await cli(['rehearse', '--dump', 'dump.bin'], demo);
    assert.equal(custom.code, 2);
    assert.match(custom.stderr.trim(), /custom-format archive \(pg_dump -Fc\): use the plain format/);
    assert.equal(custom.stderr.trim().split('\n').length, 1);
  });
});
