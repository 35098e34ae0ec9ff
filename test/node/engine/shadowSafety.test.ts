import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { databaseAddress, describeAddress } from '../../../src/core/util/pgUrl';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { findSameDatabase, judgeShadowContents, sshEnvironmentUrls } from '../../../src/core/engine/shadowSafety';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { loadFixture, rejectionOf, testCacheDir } from '../../fixtures/engineProjects';

describe('shadow database safety: addresses (pure)', () => {
  const same = (a: string, b: string): boolean => findSameDatabase(a, [{ label: 'main', url: b }]) !== undefined;

  it('reads host, port, database and user the way pg connects', () => {
    assert.deepEqual(databaseAddress('postgresql://app:s3cret@db.example.com:6543/shop?schema=billing'), {
      host: 'db.example.com',
      port: 6543,
      database: 'shop',
      user: 'app',
    });
    assert.deepEqual(databaseAddress('postgres://app@localhost'), {
      host: 'loopback',
      port: 5432,
      database: 'app',
      user: 'app',
    });
    assert.deepEqual(databaseAddress('postgresql://app@/shop?host=/var/run/postgresql'), {
      host: 'loopback',
      port: 5432,
      database: 'shop',
      user: 'app',
    });
    assert.equal(databaseAddress('mysql://root@localhost/shop'), undefined);
    assert.deepEqual(
      databaseAddress('postgresql://app@db.example.com/shop?sslmode=require&schema=x&sslrootcert=/ca.pem'),
      { host: 'db.example.com', port: 5432, database: 'shop', user: 'app' },
    );
    assert.equal(describeAddress(databaseAddress('postgresql://u@[::1]:5433/x')!), 'localhost:5433/x');
  });

  it('every name of this machine is one host', () => {
    for (const host of ['localhost', '127.0.0.1', '127.0.1.1', '[::1]', '0.0.0.0', 'LOCALHOST', os.hostname()]) {
      assert.ok(same(`postgresql://u:p@${host}:5432/app`, 'postgresql://other:x@127.0.0.1/app'), host);
    }
    assert.ok(
      same('postgresql://u@%2Fvar%2Frun%2Fpostgresql/app', 'postgresql://u@localhost:5432/app'),
      'unix socket in the host part',
    );
    assert.ok(
      same('postgresql://u@ignored:5432/app?host=/tmp', 'postgresql://u@localhost/app'),
      'host= parameter wins',
    );
  });

  it('port, database name and server tell databases apart; user, password and parameters do not', () => {
    assert.ok(!same('postgresql://u@localhost:5433/app', 'postgresql://u@localhost:5432/app'));
    assert.ok(!same('postgresql://u@localhost/app_shadow', 'postgresql://u@localhost/app'));
    assert.ok(!same('postgresql://u@db1.example.com/app', 'postgresql://u@db2.example.com/app'));
    assert.ok(
      !same('postgresql://u@localhost/App', 'postgresql://u@localhost/app'),
      'database names are case-sensitive',
    );
    assert.ok(
      same('postgresql://a:1@DB.example.com/app?schema=x&sslmode=require', 'postgres://b:2@db.example.com:5432/app'),
    );
    // No database in the URL: PostgreSQL uses the user name.
    assert.ok(same('postgresql://app@localhost', 'postgresql://x@localhost/app'));
  });

  it('an SSH environment stands for the address its server connects to, and that server seen from here', () => {
    const urls = sshEnvironmentUrls('postgresql://prod:pw@127.0.0.1:5432/shop', { host: 'db.example.com' });
    assert.ok(same('postgresql://u@db.example.com:5432/shop', urls[1]));
    assert.ok(same('postgresql://u@localhost:5432/shop', urls[0]));
    const viaSetting = sshEnvironmentUrls('postgresql://prod:pw@ignored/shop', {
      host: 'bastion',
      database: '10.0.0.7:5435',
    });
    assert.deepEqual(
      viaSetting.map((u) => describeAddress(databaseAddress(u)!)),
      ['10.0.0.7:5435/shop'],
    );
  });

  it('a shadow with _prisma_migrations, or unmarked objects, is refused; an empty or marked one is not', () => {
    const url = 'postgresql://u:hunter2@localhost/shadow';
    const migrations = judgeShadowContents(url, {
      marked: true,
      migrationTables: 'public._prisma_migrations',
      objectCount: 3,
      firstObjects: 'public._prisma_migrations (table)',
    });
    assert.equal(migrations?.shadowRefusal?.rule, 'migrations-table');
    assert.doesNotMatch(migrations?.message ?? '', /hunter2/);
    const foreign = judgeShadowContents(url, {
      marked: false,
      migrationTables: null,
      objectCount: 7,
      firstObjects: 'public.a (table), public.b (table), public.c (view), public.d (sequence), public.e (type)',
    });
    assert.equal(foreign?.shadowRefusal?.rule, 'foreign-objects');
    assert.match(foreign?.message ?? '', /public\.a \(table\).* and 2 more/);
    assert.equal(
      judgeShadowContents(url, { marked: false, migrationTables: null, objectCount: 0, firstObjects: null }),
      undefined,
    );
    assert.equal(
      judgeShadowContents(url, {
        marked: true,
        migrationTables: null,
        objectCount: 4,
        firstObjects: 'public.posts (table)',
      }),
      undefined,
    );
  });
});

describe('shadow database safety on PostgreSQL 15', function () {
  this.timeout(180_000);
  let pg: PostgresFixture;
  let session: EngineOperations;
  let counter = 0;
  const newDatabase = async (label: string): Promise<{ name: string; url: string }> => {
    const name = `shadow_safety_${label}_${process.pid}_${counter++}`;
    return { name, url: await pg.createDatabase(name) };
  };
  const sql = async (query: string, database: string): Promise<string> => (await pg.psql(query, database)).trim();

  before(async () => {
    pg = await sharedPostgres();
    session = new EngineOperations({ cacheDir: testCacheDir() });
  });
  after(async () => {
    await session.dispose();
  });

  it('refuses a shadow holding a user table, a view or a function, and runs nothing there', async () => {
    const project = await loadFixture('blog-multifile');
    for (const objects of [
      'CREATE TABLE customers (id int); INSERT INTO customers VALUES (1);',
      'CREATE VIEW v AS SELECT 1 AS one;',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
      'CREATE SCHEMA reporting;',
    ]) {
      const shadow = await newDatabase('foreign');
      await pg.psql(objects, shadow.name);
      const before = await sql(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
        shadow.name,
      );
      const error = await rejectionOf(
        session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } }),
      );
      assert.equal(error.code, 'shadow-refused', `${objects}: ${error.message}`);
      assert.match(error.message, /holds objects drift-guard did not create/);
      assert.equal(
        await sql(
          "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
          shadow.name,
        ),
        before,
      );
      if (objects.startsWith('CREATE TABLE')) {
        assert.equal(await sql('SELECT count(*) FROM customers', shadow.name), '1');
      }
    }
  });

  it('refuses a shadow holding _prisma_migrations even after it was marked', async () => {
    const project = await loadFixture('blog-multifile');
    const shadow = await newDatabase('marked');
    assert.equal(
      (await session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } })).empty,
      true,
    );
    // As if someone pointed an application at it since: a table of Prisma's history.
    await pg.psql(
      'CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY); INSERT INTO _prisma_migrations VALUES (1);',
      shadow.name,
    );
    const error = await rejectionOf(
      session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } }),
    );
    assert.equal(error.code, 'shadow-refused');
    assert.match(error.message, /holds public\._prisma_migrations/);
    assert.equal(await sql('SELECT count(*) FROM _prisma_migrations', shadow.name), '1');
  });

  it('accepts a fresh empty database, marks it, and reuses it on the next run', async () => {
    const project = await loadFixture('blog-multifile');
    const shadow = await newDatabase('fresh');
    const first = await session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } });
    assert.equal(first.empty, true);
    assert.match(
      await sql(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'prisma_drift_guard_shadow'",
        shadow.name,
      ),
      /Prisma Drift Guard shadow database/,
    );
    // It now holds the migrated tables: ours, so the next run empties and reuses it.
    assert.notEqual(await sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", shadow.name), '0');
    assert.equal(
      (await session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadow.url } })).empty,
      true,
    );
  });

  it('refuses, before connecting, a shadow URL that designates a protected database under another spelling', async () => {
    const project = await loadFixture('blog-multifile');
    const main = await newDatabase('main');
    await session.deploy(project, main.url);
    const spelled = main.url
      .replace('127.0.0.1', 'localhost')
      .replace('postgresql://postgres@', 'postgres://someone:pw@');
    const error = await rejectionOf(
      session.diffMigrationsToSchema(project, {
        shadow: { kind: 'url', url: spelled, protect: [{ label: 'the datasource url', url: main.url }] },
      }),
    );
    assert.equal(error.code, 'shadow-refused');
    assert.match(error.message, /is the datasource url/);
    assert.doesNotMatch(error.message, /:pw@/);
    assert.equal(await sql('SELECT count(*) FROM _prisma_migrations', main.name), '1');
  });
});
