import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pgDriver from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { PgAdapterFactory } from '../../../src/core/engine/pgAdapter';
import { probeDatabase } from '../../../src/core/environments/probe';
import {
  migrationList,
  prepareSchema,
  readLocalMigrations,
  requireLockFile,
} from '../../../src/core/engine/projectInput';
import { loadSchemaEngine } from '../../../src/core/engine/wasmLoader';
import { loadProject } from '../../../src/core/project/discovery';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { addMigration, loadFixture, rejectionOf, testCacheDir } from '../../fixtures/engineProjects';

/** The engine against a real PostgreSQL 15 server, through our own pg adapter. */
describe('engine on PostgreSQL (pg adapter)', function () {
  this.timeout(180_000);
  let pg: PostgresFixture;
  let session: EngineOperations;
  let counter = 0;
  const newDatabase = async (label: string): Promise<{ name: string; url: string }> => {
    const name = `eng_${label}_${process.pid}_${counter++}`;
    return { name, url: await pg.createDatabase(name) };
  };
  const sql = async (query: string, database?: string): Promise<string> => (await pg.psql(query, database)).trim();
  const tables = async (database: string): Promise<string[]> =>
    (await sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database))
      .split('\n')
      .filter(Boolean);

  before(async () => {
    pg = await sharedPostgres();
    session = new EngineOperations({ cacheDir: testCacheDir() });
  });
  after(async () => {
    await session.dispose();
  });

  it('stops a read that waits for a lock another session holds, with a clear message, leaving no query of ours on the server', async () => {
    const project = await loadFixture('shop');
    const db = await newDatabase('locked');
    await session.deploy(project, db.url);
    const limited = new EngineOperations({ cacheDir: testCacheDir(), timeouts: { historyMs: 2_000 } });
    const locker = new pgDriver.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE _prisma_migrations IN ACCESS EXCLUSIVE MODE');
      const error = await rejectionOf(limited.historyStatus(project, db.url));
      assert.equal(error.code, 'timeout');
      assert.match(
        error.message,
        /^Reading _prisma_migrations on 127\.0\.0\.1:\d+\/eng_locked_\d+_\d+ stopped after 1\.0 s waiting for a lock another session holds \(lock_timeout\); PostgreSQL cancelled the query/,
      );
      // Still inside the other session's transaction: the server runs nothing of ours, nor waits for anything.
      const ours = await locker.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'prisma-drift-guard' AND state <> 'idle'`,
        [db.name],
      );
      assert.equal(ours.rows[0].n, '0');
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await limited.dispose();
    }
    // The lock gone, the same read works.
    const status = await session.historyStatus(project, db.url);
    assert.ok(status.migrations.every((m) => m.state === 'applied'));
  });

  it('when our own time limit fires first, the query still waiting for a lock on the server is cancelled there, and the message says so', async () => {
    const project = await loadFixture('blog-multifile');
    const shadow = await newDatabase('cancel');
    // A shadow we prepared, then a table in it that another session keeps locked: emptying it waits for that lock.
    // Shadow connections have no statement_timeout/lock_timeout (migrations may take long): only our limit applies.
    assert.equal(
      (await session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } })).empty,
      true,
    );
    await pg.psql('CREATE TABLE held (id int);', shadow.name);
    const limited = new EngineOperations({ cacheDir: testCacheDir(), timeouts: { analysisMs: 4_000 } });
    const locker = new pgDriver.Client({ connectionString: shadow.url });
    await locker.connect();
    const ours = async (): Promise<number> =>
      Number(
        (
          await locker.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'prisma-drift-guard' AND state = 'active'`,
            [shadow.name],
          )
        ).rows[0].n,
      );
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE held IN ACCESS SHARE MODE');
      const started = Date.now();
      const error = await rejectionOf(
        limited.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } }),
      );
      assert.equal(error.code, 'timeout');
      assert.match(error.message, /did not finish within 4 s/);
      assert.match(
        error.message,
        /Our query still running on 127\.0\.0\.1:\d+\/eng_cancel_\d+_\d+ was cancelled on the server\./,
      );
      // Still inside the other session's transaction: nothing of ours runs or waits there any more (awaited, a few seconds at most).
      while ((await ours()) > 0) {
        assert.ok(Date.now() - started < 15_000, 'our query is still on the server 15 s after the call started');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await limited.dispose();
    }
  });

  it('Test Connection on a database whose _prisma_migrations is locked: stopped by lock_timeout, or by our own limit and then cancelled on the server', async () => {
    const project = await loadFixture('shop');
    const db = await newDatabase('probe');
    await session.deploy(project, db.url);
    const locker = new pgDriver.Client({ connectionString: db.url });
    await locker.connect();
    const ours = async (): Promise<number> =>
      Number(
        (
          await locker.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'prisma-drift-guard' AND state = 'active'`,
            [db.name],
          )
        ).rows[0].n,
      );
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE _prisma_migrations IN ACCESS EXCLUSIVE MODE');
      // The server's limit first (the default).
      const byServer = await rejectionOf(
        probeDatabase(db.url, { query: { lockTimeoutMs: 1_000, statementTimeoutMs: 10_000 } }),
      );
      assert.equal(byServer.code, 'timeout');
      assert.match(
        byServer.message,
        /^Reading 127\.0\.0\.1:\d+\/eng_probe_\d+_\d+ stopped after 1 s waiting for a lock another session holds \(lock_timeout\)/,
      );
      assert.equal(await ours(), 0);
      // Ours first (a connection without server limits, or a slow tunnel): the query is cancelled on the server.
      const byUs = await rejectionOf(probeDatabase(db.url, { timeoutMs: 1_500, query: {} }));
      assert.equal(byUs.code, 'timeout');
      assert.match(
        byUs.message,
        /^Testing the connection to 127\.0\.0\.1:\d+\/eng_probe_\d+_\d+ did not finish within 2 s\. Our query still running on .* was cancelled on the server\.$/,
      );
      assert.equal(await ours(), 0);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    assert.equal((await probeDatabase(db.url)).migrations?.finished, project.migrations.length);
  });

  it('deploys migrations with DO $$ blocks, a function body, ";" inside strings and btree_gist, whole', async () => {
    const project = await loadFixture('shop');
    const db = await newDatabase('deploy');
    const result = await session.deploy(project, db.url);
    assert.deepEqual(result.applied, project.migrations.map((m) => m.name).sort());
    assert.equal(await sql(`SELECT display_name FROM users WHERE id = 'system'`, db.name), 'System; do not delete');
    // The trigger created by the function body trimmed the note on insert.
    assert.equal(await sql('SELECT note FROM orders', db.name), 'seed; with a semicolon');
    assert.equal(await sql(`SELECT count(*) FROM pg_constraint WHERE conname = 'bookings_no_overlap'`, db.name), '1');
    const status = await session.historyStatus(project, db.url);
    assert.deepEqual(new Set(status.migrations.map((m) => m.state)), new Set(['applied']));
    const again = await session.deploy(project, db.url);
    assert.deepEqual(again.applied, []);
  });

  it('creates the shadow as a separate database with a unique name, never touching the main one, and drops it', async () => {
    const project = await loadFixture('shop');
    const main = await newDatabase('main');
    const events: string[] = [];
    const factory = new PgAdapterFactory({
      url: main.url,
      onShadowEvent: (e) => events.push(`${e.kind}:${e.database}`),
    });
    // The engine's own "migrations" target: every migration goes to connectToShadowDb().
    const { runtime } = await loadSchemaEngine();
    const schema = prepareSchema(project.schemaFiles);
    const list = migrationList(project.migrationsDir, requireLockFile(project), await readLocalMigrations(project));
    const engine = await runtime.SchemaEngine.new(
      { datamodels: schema.files.map((f): [string, string] => [f.path, f.content]) },
      () => undefined,
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    try {
      const shadowDb = await factory.connectToShadowDb();
      const current = await shadowDb.queryRaw({ sql: 'SELECT current_database()', args: [], argTypes: [] });
      assert.match(String(current.rows[0][0]), /^prisma_drift_guard_shadow_[0-9a-f]{12}$/);
      await shadowDb.dispose();
      const result = await engine.diff({
        from: { tag: 'migrations', ...list },
        to: { tag: 'schemaDatasource', files: schema.files, configDir: project.root },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
      // The main database is empty: the diff drops what the migrations create, and nothing ran there.
      assert.match(result.stdout ?? '', /DROP TABLE ("public"\.)?"orders"/);
    } finally {
      engine.free();
      await factory.closeAll();
    }
    assert.deepEqual(await tables(main.name), []);
    assert.equal(events.length, 4);
    assert.deepEqual(
      events.map((e) => e.split(':')[0]),
      ['created', 'dropped', 'created', 'dropped'],
    );
    const leftovers = await sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'prisma_drift_guard_shadow_%'");
    assert.equal(leftovers, '0');

    // Schema vs migrations with a server shadow: same answer as the embedded one, main untouched.
    const viaServer = await session.diffMigrationsToSchema(project, { shadow: { kind: 'server', url: main.url } });
    const embedded = await session.diffMigrationsToSchema(project);
    assert.equal(viaServer.script, embedded.script);
    assert.deepEqual(await tables(main.name), []);
    assert.equal(await sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'prisma_drift_guard_shadow_%'"), '0');
  });

  it('refuses a shadow database URL that points at the main database', async () => {
    const main = await newDatabase('same');
    const factory = new PgAdapterFactory({ url: main.url, shadowUrl: main.url.replace('127.0.0.1', 'localhost') });
    const error = await rejectionOf(factory.connectToShadowDb());
    assert.match(error.message, /points at the main database/);
  });

  it('empties a configured shadow database it prepared itself before each use', async () => {
    const project = await loadFixture('blog-multifile');
    const shadow = await newDatabase('shadow');
    assert.equal(
      (await session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } })).empty,
      true,
    );
    // Our leftovers (the migrated tables) and anything added after we marked it are emptied next time.
    await pg.psql('CREATE TABLE leftover (id int); CREATE SCHEMA extra;', shadow.name);
    const report = await session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } });
    assert.equal(report.empty, true);
    assert.equal(await sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'extra'", shadow.name), '0');
  });

  it('a migration failing at run time gives its failing statement line on a --shadow-url shadow and on the embedded shadow of a database check', async () => {
    const sql = [
      'ALTER TABLE "posts" ADD COLUMN "slug" TEXT;',
      '',
      'UPDATE "posts" SET "slug" = \'x\';',
      '',
      '-- fails: no such table',
      'INSERT INTO "missing_table" VALUES (1);',
      '',
    ].join('\n');
    const project = await addMigration(await loadFixture('blog-multifile', true), '20250302000000_broken_insert', sql);
    const shadow = await newDatabase('shadow_fail');
    const onShadow = await rejectionOf(
      session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } }),
    );
    assert.equal(onShadow.code, 'migration-failed', onShadow.message);
    assert.equal(onShadow.migration, '20250302000000_broken_insert');
    assert.match(onShadow.location?.file ?? '', /20250302000000_broken_insert[\\/]migration\.sql$/);
    assert.equal(onShadow.location?.line, 6);
    assert.match(onShadow.message, /broken_insert failed \(line 6\)/);

    const live = await newDatabase('live_fail');
    const onDatabaseCheck = await rejectionOf(session.diffMigrationsToDatabase(project, live.url));
    assert.equal(onDatabaseCheck.code, 'migration-failed', onDatabaseCheck.message);
    assert.equal(onDatabaseCheck.location?.line, 6);
    assert.deepEqual(await tables(live.name), [], 'the checked database is only read');
  });

  it('database vs migrations: db push columns are "added", a dropped one "removed"', async () => {
    const project = await loadFixture('blog-multifile');
    const db = await newDatabase('live');
    await session.deploy(project, db.url);
    assert.equal((await session.diffMigrationsToDatabase(project, db.url)).empty, true);
    await pg.psql(
      'ALTER TABLE posts ADD COLUMN views integer; ALTER TABLE authors DROP COLUMN name; CREATE TABLE audit (id serial primary key);',
      db.name,
    );
    const report = await session.diffMigrationsToDatabase(project, db.url);
    const keys = report.items.map((i) => `${i.change} ${i.object} ${i.table}${i.column ? `.${i.column}` : ''}`).sort();
    assert.deepEqual(keys, ['added column posts.views', 'added table audit', 'removed column authors.name']);
    assert.match(report.items.find((i) => i.column === 'name')?.location?.file ?? '', /20250301090000_init/);
    const toSchema = await session.diffDatabaseToSchema(project, db.url);
    assert.ok(toSchema.items.some((i) => i.change === 'added' && i.column === 'name'));
  });

  it('history: every state read from _prisma_migrations, incl. a CRLF-only change; no table → all pending', async () => {
    const base = await loadFixture('shop', true);
    const fresh = await newDatabase('nohistory');
    const none = await session.historyStatus(base, fresh.url);
    assert.equal(none.hasMigrationsTable, false);
    assert.ok(none.migrations.every((m) => m.state === 'pending'));

    const db = await newDatabase('history');
    await session.deploy(base, db.url);
    const names = base.migrations.map((m) => m.name).sort();
    // 2nd migration checked out with CRLF; 3rd recorded as failed with logs; 4th rolled back.
    const crlf = path.join(base.migrationsDir, names[1], 'migration.sql');
    fs.writeFileSync(crlf, fs.readFileSync(crlf, 'utf8').replace(/\n/g, '\r\n'));
    await pg.psql(
      `UPDATE _prisma_migrations SET finished_at = NULL, logs = 'ERROR: deadlock detected' WHERE migration_name = '${names[2]}'`,
      db.name,
    );
    await pg.psql(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${names[3]}'`, db.name);
    await pg.psql(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('x', 'abc', '20231231000000_gone', now(), now(), 1)`,
      db.name,
    );
    const project = await addMigration(base, '20240105000000_pending', 'SELECT 1;\n');
    const status = await session.historyStatus(project, db.url);
    const state = Object.fromEntries(status.migrations.map((m) => [m.name, m.state]));
    assert.deepEqual(state, {
      '20231231000000_gone': 'missingLocally',
      [names[0]]: 'applied',
      [names[1]]: 'modified',
      [names[2]]: 'failed',
      [names[3]]: 'rolledBack',
      '20240105000000_pending': 'pending',
    });
    const modified = status.migrations.find((m) => m.name === names[1]);
    assert.equal(modified?.difference, 'lineEndings');
    assert.match(status.migrations.find((m) => m.name === names[2])?.logs ?? '', /deadlock/);
    assert.ok(status.hazards.some((h) => h.kind === 'appliedOutOfOrder' && h.migration === '20231231000000_gone'));
  });

  it('resolve --applied: refused when the database lacks what the migration creates, accepted when it has it', async () => {
    const project = await loadFixture('shop', true);
    const baseline = await session.createBaseline(project, { name: 'baseline', now: '2026-02-17T00:00:00Z' });
    assert.equal(baseline.created, true);
    const withBaseline = await loadProject(project.root);
    const name = baseline.migrationName ?? '';

    // A database with the history but without the db-push objects: refuse, write nothing.
    const lacking = await newDatabase('lacking');
    await session.deploy(project, lacking.url);
    const refusal = await rejectionOf(session.resolve(withBaseline, lacking.url, { applied: name }));
    assert.equal(refusal.code, 'refused');
    assert.match(refusal.message, /does not have every change it makes — .*table invoices/);
    assert.match(refusal.message, /column users\.activated_at/);
    assert.equal(
      await sql(`SELECT count(*) FROM _prisma_migrations WHERE migration_name = '${name}'`, lacking.name),
      '0',
    );

    // A database where db push created them: the proof passes and the record is written.
    const pushed = await newDatabase('pushed');
    await session.deploy(project, pushed.url);
    await pg.psql(fs.readFileSync(baseline.sqlPath ?? '', 'utf8'), pushed.name);
    const resolved = await session.resolve(withBaseline, pushed.url, { applied: name });
    assert.equal(resolved.recorded, true);
    assert.deepEqual(resolved.missing, []);
    const status = await session.historyStatus(withBaseline, pushed.url);
    assert.ok(status.migrations.every((m) => m.state === 'applied'));

    // --force records it anyway, and says so.
    const forced = await session.resolve(withBaseline, lacking.url, { applied: name, force: true });
    assert.equal(forced.forced, true);
    assert.match(forced.message, /^FORCED/);
  });

  it('resolve --rolled-back marks a failed migration', async () => {
    const project = await loadFixture('blog-multifile', true);
    const db = await newDatabase('rollback');
    const broken = await addMigration(project, '20250302000000_broken', 'ALTER TABLE "nope" ADD COLUMN x int;\n');
    const failure = await rejectionOf(session.deploy(broken, db.url));
    assert.equal(failure.code, 'migration-failed', failure.message);
    assert.equal(failure.migration, '20250302000000_broken');
    assert.match(failure.message, /relation "nope" does not exist|nope/);
    const resolved = await session.resolve(broken, db.url, { rolledBack: '20250302000000_broken' });
    assert.equal(resolved.recorded, true);
    const status = await session.historyStatus(broken, db.url);
    assert.equal(status.migrations.find((m) => m.name === '20250302000000_broken')?.state, 'rolledBack');
  });

  it('bad connections each give one clear message: wrong password, unreachable server, missing database', async () => {
    const project = await loadFixture('blog-multifile');
    const wrong = await rejectionOf(
      session.historyStatus(project, pg.url({ user: 'password', password: 'not-the-password' })),
    );
    assert.equal(wrong.code, 'authentication-failed');
    assert.match(wrong.message, new RegExp(`Authentication failed for user "${pg.passwordUser}"`));
    const unreachable = await rejectionOf(session.diffMigrationsToDatabase(project, 'postgresql://u:p@127.0.0.1:1/db'));
    assert.equal(unreachable.code, 'database-unreachable');
    assert.match(unreachable.message, /Cannot reach the database at 127\.0\.0\.1:1\/db/);
    const missing = await rejectionOf(session.diffDatabaseToSchema(project, pg.url({ database: 'no_such_database' })));
    assert.equal(missing.code, 'database-not-found');
    const mysql = await rejectionOf(session.historyStatus(project, 'mysql://root@localhost/db'));
    assert.equal(mysql.code, 'unsupported-provider');
    // The session still works afterwards.
    assert.equal((await session.diffMigrationsToSchema(project)).empty, true);
  });
});
