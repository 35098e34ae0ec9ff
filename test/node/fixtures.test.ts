/**
 * Smoke tests of the real PostgreSQL and sshd fixtures (no mocks): later issues add their cases on top.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Client as PgClient } from 'pg';
import { Client as SshClient, type ConnectConfig } from 'ssh2';
import { sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { disposeSshd, sharedSshd, startSshd, type SshdFixture } from '../fixtures/sshd';

async function query<T>(connectionString: string, sql: string): Promise<T[]> {
  const client = new PgClient({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

function sshConnect(config: ConnectConfig): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const client = new SshClient();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({ readyTimeout: 15_000, ...config });
  });
}

/** Runs a remote command; resolves with its exit code and output. */
function sshExec(client: SshClient, command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let stdout = '';
      let stderr = '';
      stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      stream.once('close', (code: number | null) => resolve({ code, stdout, stderr }));
    });
  });
}

/** A verifier that accepts only the fixture's host key, the way the extension will check known_hosts. */
function hostVerifier(sshd: SshdFixture): (key: Buffer) => boolean {
  const expected = sshd.hostPublicKey.split(/\s+/)[1];
  return (key: Buffer) => key.toString('base64') === expected;
}

describe('test fixtures', function () {
  this.timeout(60_000);

  describe('PostgreSQL', () => {
    let pg: PostgresFixture;
    before(async () => {
      pg = await sharedPostgres();
    });

    it('accepts the trust superuser', async () => {
      const rows = await query<{ user: string; version: string }>(pg.url(), 'select current_user as user, version()');
      assert.equal(rows[0]?.user, pg.superuser);
      assert.match(rows[0]?.version ?? '', /PostgreSQL 15/);
    });

    it('accepts the password user with its password', async () => {
      const rows = await query<{ user: string }>(pg.url({ user: 'password' }), 'select current_user as user');
      assert.equal(rows[0]?.user, pg.passwordUser);
    });

    it('rejects a wrong password with 28P01', async () => {
      await assert.rejects(
        query(pg.url({ user: 'password', password: 'wrong' }), 'select 1'),
        (error: { code?: string }) => {
          assert.equal(error.code, '28P01');
          return true;
        },
      );
    });

    it('creates, uses and drops a database', async () => {
      const name = `fixture_smoke_${process.pid}`;
      const url = await pg.createDatabase(name);
      try {
        assert.equal(
          await pg.psql('create table t (id int); insert into t values (41), (1); select sum(id) from t;', name),
          '42\n',
        );
        const rows = await query<{ db: string }>(url, 'select current_database() as db');
        assert.equal(rows[0]?.db, name);
      } finally {
        await pg.dropDatabase(name);
      }
      assert.equal(await pg.psql(`select count(*) from pg_database where datname = '${name}'`), '0\n');
    });
  });

  describe('sshd', () => {
    let sshd: SshdFixture;
    let pg: PostgresFixture;
    before(async () => {
      [sshd, pg] = await Promise.all([sharedSshd(), sharedPostgres()]);
    });

    it('logs in with the client key, checks the host key, and returns remote exit codes', async () => {
      const client = await sshConnect({
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        privateKey: fs.readFileSync(sshd.clientKeyPath),
        hostVerifier: hostVerifier(sshd),
      });
      try {
        const result = await sshExec(client, 'echo hi; exit 3');
        assert.equal(result.code, 3);
        assert.equal(result.stdout, 'hi\n');
      } finally {
        client.end();
      }
    });

    it('logs in with the password, and finds psql and pg_dump on PATH', async () => {
      const client = await sshConnect({
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        password: sshd.password,
        hostVerifier: hostVerifier(sshd),
      });
      try {
        const result = await sshExec(client, 'command -v psql pg_dump && pg_dump --version');
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /pg_dump \(PostgreSQL\) 15/);
        const remote = await sshExec(
          client,
          `PGPASSWORD='${pg.password}' psql -X -At -h ${pg.host} -p ${pg.port} -U ${pg.passwordUser} -d postgres -c 'select 40 + 2'`,
        );
        assert.equal(remote.code, 0, remote.stderr);
        assert.equal(remote.stdout, '42\n');
      } finally {
        client.end();
      }
    });

    it('rejects a wrong password', async () => {
      await assert.rejects(
        sshConnect({
          host: sshd.host,
          port: sshd.port,
          username: sshd.user,
          password: 'wrong',
          hostVerifier: hostVerifier(sshd),
        }),
        /authentication methods failed/i,
      );
    });

    it('knownHostsLine names the port and the host key', () => {
      const [, type, key] = sshd.hostPublicKey.match(/^(\S+) (\S+)/) ?? [];
      assert.equal(sshd.knownHostsLine, `[127.0.0.1]:${sshd.port} ${type} ${key}`);
    });

    it('forwards a local port to PostgreSQL through the tunnel (forwardOut)', async () => {
      const client = await sshConnect({
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        privateKey: fs.readFileSync(sshd.clientKeyPath),
        hostVerifier: hostVerifier(sshd),
      });
      const server = net.createServer((socket) => {
        client.forwardOut('127.0.0.1', 0, pg.host, pg.port, (error, stream) => {
          if (error) {
            socket.destroy(error);
            return;
          }
          socket.pipe(stream).pipe(socket);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as net.AddressInfo;
        const rows = await query<{ port: number }>(
          `postgresql://${pg.passwordUser}:${encodeURIComponent(pg.password)}@127.0.0.1:${port}/postgres`,
          'select inet_server_port() as port',
        );
        assert.equal(rows[0]?.port, pg.port);
      } finally {
        server.close();
        client.end();
      }
    });

    it('a private server stops and restarts on the same port with the same keys', async () => {
      const own = await startSshd();
      try {
        const login = async () => {
          const client = await sshConnect({
            host: own.host,
            port: own.port,
            username: own.user,
            privateKey: fs.readFileSync(own.clientKeyPath),
            hostVerifier: hostVerifier(own),
          });
          client.end();
        };
        await login();
        await own.stop();
        await assert.rejects(login(), /ECONNREFUSED/);
        await own.start();
        await login();
      } finally {
        await disposeSshd(own);
      }
      assert.equal(fs.existsSync(own.dir), false);
    });
  });
});
