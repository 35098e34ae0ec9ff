import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareHistoryOnly, prepareProdLike } from '../../fixtures/demoDatabase';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';

const REPO = path.resolve(__dirname, '../../../..');

/** The bundled CLI with a cache folder of its own. */
function cli(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(args, cwd, { DRIFT_GUARD_CACHE_DIR: cacheDir, ...env });
}

function assertOneCleanLine(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 2, `exit code 2 expected, got ${run.code}: ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr expected:\n${run.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at |TypeError|ReferenceError/);
}

let cacheDir = '';

async function copyDemo(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-cli-demo-'));
  await fs.cp(path.join(REPO, 'demo'), dir, { recursive: true });
  return dir;
}

describe('drift-guard CLI (bundled dist/cli.js, real PostgreSQL, embedded shadow)', function () {
  this.timeout(180_000);
  let pg: PostgresFixture;
  const cleanup: string[] = [];

  before(async function () {
    requireCliBundle();
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-cli-cache-'));
    cleanup.push(cacheDir);
    pg = await sharedPostgres();
  });
  after(async () => {
    for (const dir of cleanup) await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs the team runbook: check → baseline → check clean → resolve on prod → status clean', async () => {
    const demo = await copyDemo();
    cleanup.push(demo);
    const prodUrl = await pg.createDatabase(`cli_prod_${Date.now()}`);
    await prepareProdLike(prodUrl);

    const check = await cli(['check', '--json'], demo);
    assert.equal(check.code, 1, check.stderr);
    const report = JSON.parse(check.stdout) as {
      schemaVsMigrations: { items: Array<Record<string, string | undefined> & { location?: unknown }> };
      databaseVsMigrations: unknown;
    };
    assert.equal(report.databaseVsMigrations, null);
    const names = report.schemaVsMigrations.items.map(
      (i) => `${String(i.change)} ${String(i.object)} ${String(i.model ?? '')}${i.field ? `.${String(i.field)}` : ''}`,
    );
    for (const expected of [
      'added table Invoice',
      'added table InvoiceItem',
      'added table InvoiceSequence',
      'added enum InvoiceStatus',
      'added column User.activatedAt',
      'added column User.activationToken',
      'added column User.activationExpiry',
    ]) {
      assert.ok(names.includes(expected), `${expected} missing from ${names.join(', ')}`);
    }
    const activated = report.schemaVsMigrations.items.find((i) => i.field === 'activatedAt')!;
    assert.deepEqual(activated.location, {
      file: 'prisma/schema.prisma',
      line: lineOf(await fs.readFile(path.join(demo, 'prisma/schema.prisma'), 'utf8'), /^\s+activatedAt\s/),
      character: 3,
    });
    assert.equal(activated.table, 'users');

    const human = await cli(['check'], demo);
    assert.equal(human.code, 1);
    assert.match(
      human.stdout,
      /User\.activatedAt \(users\.activatedAt\) — column not created by any migration; no database checked: treated as a new change, create a migration \(if a database already has it, check it first\) {2}prisma\/schema\.prisma:\d+/,
    );

    const baseline = await cli(['baseline', '--name', 'baseline_invoicing_and_drift', '--json'], demo);
    assert.equal(baseline.code, 0, baseline.stderr);
    const created = JSON.parse(baseline.stdout) as {
      created: boolean;
      migrationName: string;
      sqlPath: string;
      verified: boolean;
    };
    assert.equal(created.created, true);
    assert.equal(created.verified, true);
    assert.match(created.migrationName, /^\d{14}_baseline_invoicing_and_drift$/);
    const sql = await fs.readFile(path.join(demo, created.sqlPath), 'utf8');
    assert.match(sql, /CREATE TABLE "invoices"/);
    assert.match(sql, /ADD COLUMN\s+"activatedAt"/);

    const clean = await cli(['check'], demo);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /✓ Schema matches migrations/);

    const again = await cli(['baseline'], demo);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Nothing to baseline/);
    const folders = (await fs.readdir(path.join(demo, 'prisma/migrations'))).filter((f) => f.includes('baseline'));
    assert.equal(folders.length, 1, 'no second folder when there is nothing to baseline');

    const before = await cli(['status', '--url', prodUrl, '--json'], demo);
    assert.equal(before.code, 1);
    const pending = (
      JSON.parse(before.stdout) as { migrations: Array<{ name: string; state: string }> }
    ).migrations.filter((m) => m.state !== 'applied');
    assert.deepEqual(pending, [{ name: created.migrationName, state: 'pending' }]);

    // The pending baseline is not drift: against its applied history the database has the db push
    // objects in no migration — exactly what the baseline is about to record.
    const pendingCheck = await cli(['check', '--url', prodUrl, '--json'], demo);
    const live = (
      JSON.parse(pendingCheck.stdout) as { databaseVsMigrations: { items: Array<{ change: string; table?: string }> } }
    ).databaseVsMigrations.items;
    assert.ok(
      live.length > 0 && live.every((i) => i.change === 'added'),
      JSON.stringify(live.map((i) => [i.change, i.table])),
    );
    assert.ok(live.some((i) => i.table === 'invoices'));

    const resolve = await cli(['resolve', '--url', prodUrl, '--applied', created.migrationName], demo);
    assert.equal(resolve.code, 0, resolve.stderr);
    assert.match(resolve.stdout, /Recorded .* as applied/);

    const after = await cli(['status', '--url', prodUrl, '--json'], demo);
    const states = (JSON.parse(after.stdout) as { migrations: Array<{ state: string }> }).migrations.map(
      (m) => m.state,
    );
    assert.ok(
      states.every((s) => s === 'applied'),
      states.join(','),
    );

    const liveAfter = await cli(['check', '--url', prodUrl], demo);
    assert.equal(liveAfter.code, 0, liveAfter.stdout);
    assert.match(liveAfter.stdout, /✓ Database matches migrations/);

    // A database where the baseline is pending and its objects are missing (a fresh server):
    // the pending migration is not drift.
    const freshUrl = await pg.createDatabase(`cli_fresh_${Date.now()}`);
    await prepareHistoryOnly(freshUrl);
    const fresh = await cli(['check', '--url', freshUrl], demo);
    assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr);
    assert.match(fresh.stdout, /✓ Database matches migrations/);
    const freshStatus = await cli(['status', '--url', freshUrl], demo);
    assert.equal(freshStatus.code, 1);
    assert.match(freshStatus.stdout, new RegExp(`○ ${created.migrationName}\\s+pending`));
  });

  it('check says which database has each change (presentIn, action); migrate writes a new change as a named migration, verified, recorded nowhere', async () => {
    const demo = await copyDemo();
    cleanup.push(demo);
    const prodUrl = await pg.createDatabase(`cli_actions_${Date.now()}`);
    await prepareProdLike(prodUrl);
    // A field just typed: in the schema, in no migration and in no database.
    const schemaFile = path.join(demo, 'prisma/schema.prisma');
    await fs.writeFile(
      schemaFile,
      (await fs.readFile(schemaFile, 'utf8')).replace(/^model User \{\n/m, (m) => `${m}  nickname String?\n`),
    );

    const check = await cli(['check', '--url', prodUrl, '--json'], demo);
    assert.equal(check.code, 1, check.stderr);
    type Item = { field?: string; model?: string; object: string; presentIn: string[]; action: string };
    const report = JSON.parse(check.stdout) as {
      schemaVsMigrations: { checkedDatabases: string[]; action: string; items: Item[] };
    };
    const label = report.schemaVsMigrations.checkedDatabases[0];
    assert.match(label, /^postgresql:\/\/.*\/cli_actions_\d+$/);
    assert.equal(report.schemaVsMigrations.action, 'mixed');
    const nickname = report.schemaVsMigrations.items.find((i) => i.field === 'nickname')!;
    assert.deepEqual([nickname.presentIn, nickname.action], [[], 'migrate']);
    const activated = report.schemaVsMigrations.items.find((i) => i.field === 'activatedAt')!;
    assert.deepEqual([activated.presentIn, activated.action], [[label], 'baseline']);
    assert.ok(
      report.schemaVsMigrations.items.filter((i) => i.field !== 'nickname').every((i) => i.action === 'baseline'),
    );

    const human = await cli(['check', '--url', prodUrl], demo);
    assert.match(
      human.stdout,
      /\+ User\.nickname \(users\.nickname\) — column not created by any migration; in no checked database \(postgresql:[^)]*\): a new change, create a migration/,
    );
    assert.match(
      human.stdout,
      /\+ User\.activatedAt \(users\.activatedAt\) — column not created by any migration; already in postgresql:\S+ \(db push\): baseline it/,
    );
    // Counted as objects, as the editor counts them (a new table with its indexes and keys is one), not as statements.
    const objects = (report.schemaVsMigrations as unknown as { objects: number }).objects;
    assert.ok(
      objects > 1 && objects < report.schemaVsMigrations.items.length,
      `${objects} objects, ${report.schemaVsMigrations.items.length} statements`,
    );
    assert.match(human.stdout, new RegExp(`: ${objects} drifted objects not in any migration$`, 'm'));
    assert.match(
      human.stdout,
      new RegExp(
        `^Mixed: ${objects - 1} drifted objects already in \\S+ \\(baseline\\), 1 drifted object new \\(migration\\)`,
        'm',
      ),
    );

    assertOneCleanLine(await cli(['migrate'], demo), /^drift-guard: migrate needs --name NAME/);
    const migrate = await cli(['migrate', '--name', 'add_invoicing_and_nickname', '--json'], demo);
    assert.equal(migrate.code, 0, migrate.stderr);
    const created = JSON.parse(migrate.stdout) as {
      created: boolean;
      migrationName: string;
      sqlPath: string;
      verified: boolean;
      message: string;
    };
    assert.deepEqual([created.created, created.verified], [true, true]);
    assert.match(created.migrationName, /^\d{14}_add_invoicing_and_nickname$/);
    assert.match(created.message, /migrations \+ this migration now match the schema/);
    assert.match(await fs.readFile(path.join(demo, created.sqlPath), 'utf8'), /ADD COLUMN\s+"nickname"/);
    // Recorded nowhere: pending on the database.
    const status = await cli(['status', '--url', prodUrl, '--json'], demo);
    const pending = (
      JSON.parse(status.stdout) as { migrations: Array<{ name: string; state: string }> }
    ).migrations.filter((m) => m.state !== 'applied');
    assert.deepEqual(pending, [{ name: created.migrationName, state: 'pending' }]);
  });

  it('refuses to resolve on a database that lacks what the baseline creates, and writes nothing', async () => {
    const demo = await copyDemo();
    cleanup.push(demo);
    const baseline = await cli(['baseline', '--name', 'baseline_invoicing_and_drift', '--json'], demo);
    assert.equal(baseline.code, 0, baseline.stderr);
    const { migrationName } = JSON.parse(baseline.stdout) as { migrationName: string };
    // A database with the ten migrations but none of the db-push objects: recording the baseline
    // as applied there would hide three missing tables.
    const dbName = `cli_dev_${Date.now()}`;
    const devUrl = await pg.createDatabase(dbName);
    await prepareHistoryOnly(devUrl);
    // The project's own run log folder: the CLI appends there, as the editor does.
    await fs.mkdir(path.join(demo, '.drift-guard'), { recursive: true });
    const refused = await cli(['resolve', '--url', devUrl, '--applied', migrationName], demo);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    const log = (await fs.readFile(path.join(demo, '.drift-guard', 'run-log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(log.length, 1);
    assert.deepEqual(
      [log[0].source, log[0].step, log[0].status, log[0].exitCode, (log[0].proof as { ok: boolean }).ok],
      ['cli', `Mark ${migrationName} as applied`, 'refused', 1, false],
    );
    assert.ok((log[0].who as { osUser?: string }).osUser);
    assert.match(refused.stderr, new RegExp(`Refusing to record ${migrationName} as applied`));
    assert.match(refused.stderr, /invoices/);
    assert.match(refused.stderr, /Nothing was written\. --force records it anyway\./);
    const recorded = await pg.psql(
      `SELECT count(*) FROM _prisma_migrations WHERE migration_name = '${migrationName}'`,
      dbName,
    );
    assert.equal(recorded.trim(), '0');
  });

  it('answers bad input with exit code 2 and one clear line', async () => {
    const demo = await copyDemo();
    cleanup.push(demo);
    assertOneCleanLine(await cli(['frobnicate'], demo), /^drift-guard: Unknown command "frobnicate"/);
    assertOneCleanLine(await cli(['check', '--nope'], demo), /Unknown option '--nope'/);
    assertOneCleanLine(await cli(['check', '--project', 'missing-dir'], demo), /--project missing-dir: no such folder/);
    assertOneCleanLine(
      await cli(['status'], demo),
      /No database URL: pass --url \(the datasource url is env\("DATABASE_URL"\)/,
    );
    assertOneCleanLine(await cli(['status', '--url', `postgresql://nobody@127.0.0.1:1/x`], demo), /127\.0\.0\.1:1/);
    assertOneCleanLine(
      await cli(['status', '--url', pg.url({ user: 'password', password: 'wrong-password' })], demo),
      /(authentication|password)/i,
    );
    assertOneCleanLine(
      await cli(['resolve', '--url', pg.url(), '--applied', 'a', '--rolled-back', 'b'], demo),
      /exactly one of --applied NAME or --rolled-back NAME/,
    );
    assertOneCleanLine(await cli(['bench', '--runs', 'lots'], demo), /--runs must be a whole number/);

    const noLock = await copyDemo();
    cleanup.push(noLock);
    await fs.rm(path.join(noLock, 'prisma/migrations/migration_lock.toml'));
    assertOneCleanLine(await cli(['check'], noLock), /No migration_lock\.toml in prisma\/migrations/);

    const mysql = await copyDemo();
    cleanup.push(mysql);
    const schemaPath = path.join(mysql, 'prisma/schema.prisma');
    await fs.writeFile(
      schemaPath,
      (await fs.readFile(schemaPath, 'utf8')).replace('provider = "postgresql"', 'provider = "mysql"'),
    );
    assertOneCleanLine(
      await cli(['check'], mysql),
      /Provider "mysql" is not supported yet.*\(prisma\/schema\.prisma:\d+\)/,
    );

    const noMigrations = await copyDemo();
    cleanup.push(noMigrations);
    await fs.rm(path.join(noMigrations, 'prisma/migrations'), { recursive: true });
    assertOneCleanLine(await cli(['check'], noMigrations), /No migrations folder at prisma\/migrations/);

    const invalid = await copyDemo();
    cleanup.push(invalid);
    const invalidSchema = path.join(invalid, 'prisma/schema.prisma');
    const text = await fs.readFile(invalidSchema, 'utf8');
    await fs.writeFile(invalidSchema, text.replace(/^(\s+activatedAt\s+)DateTime\?/m, '$1DateTme?'));
    const invalidRun = await cli(['check'], invalid);
    assertOneCleanLine(invalidRun, /DateTme/);
    assert.match(invalidRun.stderr, new RegExp(`prisma/schema\\.prisma:${lineOf(text, /^\s+activatedAt\s/)}`));
  });

  it('--migrations on a folder mixing migrations and folders without migration.sql: one folded warning, one error line naming the folder, exit 2', async () => {
    const demo = await copyDemo();
    cleanup.push(demo);
    const exports = path.join(demo, 'exports');
    await fs.cp(path.join(demo, 'prisma/migrations'), exports, { recursive: true });
    for (let i = 1; i <= 24; i++) {
      const folder = path.join(exports, `202403${String(i).padStart(2, '0')}000000_seed_${i}`);
      await fs.mkdir(folder);
      await fs.writeFile(path.join(folder, 'data.csv'), 'id\n1\n');
    }
    const run = await cli(['check', '--migrations', 'exports'], demo);
    assert.equal(run.code, 2, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, `a warning and an error, not one line per folder:\n${run.stderr}`);
    assert.match(
      lines[0],
      /^drift-guard: warning: 24 folders of exports have no migration\.sql \(20240301000000_seed_1, 20240302000000_seed_2, 20240303000000_seed_3 and 21 more\)/,
    );
    assert.match(
      lines[1],
      /^drift-guard: \S*exports has 24 folders without migration\.sql \(20240301000000_seed_1, 20240302000000_seed_2, 20240303000000_seed_3 and 21 more\) besides 10 migration\(s\): Prisma cannot apply them either/,
    );
    assert.equal(run.stdout, '');
  });
});

function lineOf(text: string, pattern: RegExp): number {
  const index = text.split('\n').findIndex((l) => pattern.test(l));
  assert.ok(index >= 0, `no line matches ${pattern}`);
  return index + 1;
}
