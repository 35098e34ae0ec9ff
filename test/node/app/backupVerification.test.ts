import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  compareCensus,
  dumpRecipe,
  parseCensus,
  type ShellRunner,
  verifyBackup,
  verifyRestore,
} from '../../../src/core/app/backupVerification';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';

/** The shell of this machine, as the runbook's local steps use it. */
const local: ShellRunner = {
  run: (command, options) =>
    new Promise((resolve) => {
      execFile(
        '/bin/sh',
        ['-c', command],
        { ...(options?.cwd ? { cwd: options.cwd } : {}), maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error
            ? typeof (error as { code?: unknown }).code === 'number'
              ? (error as { code: number }).code
              : 1
            : 0;
          resolve({ exitCode: code, stdout, stderr });
        },
      );
    }),
};

describe('backup verification — dump recipe and census comparison', () => {
  it('reads how a backup command reaches its database', () => {
    assert.deepEqual(dumpRecipe('docker exec nexus-postgres-db pg_dump -U nexus_admin nexus_prod > ~/backups/x.sql'), {
      prefix: 'docker exec -i nexus-postgres-db',
      conn: ['-U', 'nexus_admin'],
      database: 'nexus_prod',
      format: 'plain',
      createsDatabase: false,
    });
    assert.equal(
      dumpRecipe('cd /srv && pg_dump --clean --if-exists -Fc -h 127.0.0.1 -p 5435 app -f /b/x.dump')?.format,
      'custom',
    );
    assert.equal(dumpRecipe('cd /srv && pg_dump -h db app > x.sql')?.prefix, '');
    assert.equal(dumpRecipe('pg_dump -C app > x.sql')?.createsDatabase, true);
    assert.equal(
      dumpRecipe('pg_dump "$DATABASE_URL" > x.sql'),
      undefined,
      'a URL in a variable: cannot tell the database',
    );
    assert.equal(dumpRecipe('pg_dumpall > all.sql'), undefined);
  });

  it('says what differs between two censuses', () => {
    const a = parseCensus('t|public.User|3\nt|public.Post|10\nm|20240101_init|\nm|20240201_posts|\n');
    const b = parseCensus('t|public.User|3\nt|public.Post|9\nt|public.Extra|0\nm|20240101_init|\n');
    assert.deepEqual(compareCensus(a, b, { expected: 'the backup', actual: 'prod' }), [
      'public.Post: 10 rows in the backup, 9 in prod',
      'table public.Extra is in prod but not in the backup',
      '_prisma_migrations: 20240201_posts applied in the backup, not in prod',
    ]);
    assert.deepEqual(compareCensus(a, a, { expected: 'x', actual: 'y' }), []);
  });
});

describe('backup verification — against a real PostgreSQL', function () {
  this.timeout(120_000);
  let pg: PostgresFixture;
  let dir: string;
  const db = `dg_verify_${Date.now().toString(36)}`;
  const conn = (): string => `-h 127.0.0.1 -p ${pg.port} -U ${pg.superuser}`;

  before(async () => {
    pg = await sharedPostgres();
    await pg.createDatabase(db);
    await pg.psql(
      `CREATE TABLE "User" (id int primary key, name text); INSERT INTO "User" SELECT g, 'u' || g FROM generate_series(1, 25) g;
       CREATE TABLE _prisma_migrations (id varchar(36) primary key, checksum varchar(64) not null, finished_at timestamptz, migration_name varchar(255) not null, logs text, rolled_back_at timestamptz, started_at timestamptz not null default now(), applied_steps_count int not null default 0);
       INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', 'x', now(), '20240101_init'), ('2', 'x', NULL, '20240201_failed');`,
      db,
    );
    dir = mkdtempSync(path.join(os.tmpdir(), 'dg-verify-'));
  });

  after(async () => {
    await pg.dropDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  });

  const scratchDatabases = async (): Promise<string> =>
    pg.psql("SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'drift_guard_verify_%'");

  it('restores a plain dump into a scratch database, compares it with the source, records size and sha256, and drops the scratch database', async () => {
    const file = path.join(dir, 'ok.sql');
    const command = `pg_dump --clean --if-exists ${conn()} ${db} > ${file}`;
    assert.equal((await local.run(command)).exitCode, 0);
    const result = await verifyBackup(local, { backupCommand: command, path: file });
    assert.equal(result.status, 'verified', result.summary);
    assert.match(
      result.summary,
      /^Verified: restored into scratch database drift_guard_verify_\d{14}_\w+ on the server of the backup; 2 tables, 27 rows, 1 applied migration — identical to dg_verify_/,
    );
    assert.equal(result.census?.tables['public.User'], 25);
    assert.deepEqual(result.census?.migrations, ['20240101_init']);
    const expected = (await local.run(`sha256sum ${file}`)).stdout.slice(0, 64);
    assert.equal(result.sha256, expected);
    assert.equal(result.sizeBytes, Number((await local.run(`wc -c < ${file}`)).stdout.trim()));
    assert.equal((await scratchDatabases()).trim(), '', 'the scratch database is gone');
  });

  it('fails when the dump does not restore the source (a dump of only one table), saying what differs', async () => {
    const file = path.join(dir, 'partial.sql');
    const command = `pg_dump ${conn()} -t '"User"' ${db} > ${file}`;
    assert.equal((await local.run(command)).exitCode, 0);
    const result = await verifyBackup(local, { backupCommand: command, path: file });
    assert.equal(result.status, 'failed');
    assert.match(
      result.summary,
      /table public\._prisma_migrations \(2 rows in dg_verify_\w+\) is missing in the restored copy/,
    );
    assert.match(
      result.summary,
      /_prisma_migrations: 20240101_init applied in dg_verify_\w+, not in the restored copy/,
    );
    assert.equal((await scratchDatabases()).trim(), '');
  });

  it('refuses to restore a dump that connects to its own database (-C), and never touches the source', async () => {
    const file = path.join(dir, 'create.sql');
    const command = `pg_dump -C --clean ${conn()} ${db} > ${file}`;
    assert.equal((await local.run(command)).exitCode, 0);
    const result = await verifyBackup(local, { backupCommand: command, path: file });
    assert.equal(result.status, 'failed');
    assert.match(result.summary, /pg_dump -C/);
    assert.equal((await pg.psql('SELECT count(*) FROM "User"', db)).trim(), '25');
  });

  it('checks a restored database against the backup: rows deleted after it and not restored are a difference', async () => {
    const file = path.join(dir, 'before.sql');
    const command = `pg_dump --clean --if-exists ${conn()} ${db} > ${file}`;
    await local.run(command);
    const verified = await verifyBackup(local, { backupCommand: command, path: file });
    assert.equal(verified.status, 'verified', verified.summary);
    const backup = { recipe: verified.recipe!, census: verified.census!, path: file };
    assert.equal((await verifyRestore(local, backup)).ok, true);
    await pg.psql('DELETE FROM "User" WHERE id > 20', db);
    const differs = await verifyRestore(local, backup);
    assert.equal(differs.ok, false);
    assert.deepEqual(differs.differences, [`public.User: 25 rows in the backup, 20 in ${db}`]);
  });
});
