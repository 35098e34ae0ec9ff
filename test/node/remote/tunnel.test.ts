/**
 * Local forwarding through the real sshd fixture to the real PostgreSQL fixture: `pg` connects to the
 * tunnel's 127.0.0.1 port and runs queries; failures on the remote side are reported clearly.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { Client as PgClient } from 'pg';
import { SshError, SshSession, type SshConnectOptions } from '../../../src/core/remote';
import { sharedPostgres, type PostgresFixture } from '../../fixtures/postgres';
import { sharedSshd, type SshdFixture } from '../../fixtures/sshd';
import { freePort } from '../../fixtures/util';
import { targetFor, TempDir, trustFixture } from './helpers';

async function query(port: number, pg: PostgresFixture, sql: string): Promise<unknown[]> {
  const client = new PgClient({
    host: '127.0.0.1',
    port,
    user: pg.passwordUser,
    password: pg.password,
    database: 'postgres',
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows as unknown[];
  } finally {
    await client.end();
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('remote: local forwarding (tunnel) to PostgreSQL', function () {
  this.timeout(30_000);
  let sshd: SshdFixture;
  let pg: PostgresFixture;
  let tmp: TempDir;
  let options: SshConnectOptions;
  let session: SshSession;

  before(async () => {
    [sshd, pg] = await Promise.all([sharedSshd(), sharedPostgres()]);
    tmp = new TempDir();
    options = { hostKeys: trustFixture(sshd, tmp) };
  });
  beforeEach(async () => {
    session = await SshSession.connect(targetFor(sshd), options);
  });
  afterEach(() => session.close());
  after(() => tmp.remove());

  it('pg connects through forwardLocal and runs `select 1`', async () => {
    const forward = await session.forwardLocal('127.0.0.1', pg.port);
    try {
      assert.equal(forward.localHost, '127.0.0.1');
      assert.notEqual(forward.localPort, pg.port);
      assert.deepEqual(await query(forward.localPort, pg, 'select 1 as one'), [{ one: 1 }]);
      // Several clients at once share the tunnel, each on its own channel.
      const rows = await Promise.all(
        Array.from({ length: 5 }, (_, i) => query(forward.localPort, pg, `select ${i} as n, pg_sleep(0.05)`)),
      );
      assert.deepEqual(
        rows.map((r) => (r[0] as { n: number }).n),
        [0, 1, 2, 3, 4],
      );
    } finally {
      await forward.close();
    }
    assert.equal(await canConnect(forward.localPort), false, 'the local port is closed after close()');
    assert.deepEqual(await forward.closed, { reason: 'closed' });
  });

  it('checkForward passes for a listening port and explains a refused one', async () => {
    await session.checkForward('127.0.0.1', pg.port);
    const closed = await freePort();
    await assert.rejects(session.checkForward('127.0.0.1', closed), (error: unknown) => {
      assert.ok(error instanceof SshError);
      assert.equal(error.code, 'forward-failed');
      assert.match(
        error.message,
        new RegExp(`could not forward to 127\\.0\\.0\\.1:${closed}: the server could not connect there`),
      );
      return true;
    });
  });

  it('a connection the server cannot forward is reset and reported through onConnectionError', async () => {
    const closed = await freePort();
    const reported: SshError[] = [];
    const forward = await session.forwardLocal('127.0.0.1', closed, { onConnectionError: (e) => reported.push(e) });
    try {
      await assert.rejects(query(forward.localPort, pg, 'select 1'));
      assert.equal(reported.length, 1);
      assert.equal(reported[0].code, 'forward-failed');
      assert.equal(forward.lastError, reported[0]);
    } finally {
      await forward.close();
    }
  });

  it('closing the session ends its forwards', async () => {
    const forward = await session.forwardLocal('127.0.0.1', pg.port);
    await session.close();
    assert.deepEqual(await forward.closed, { reason: 'session-ended' });
    assert.equal(await canConnect(forward.localPort), false);
    await assert.rejects(
      session.forwardLocal('127.0.0.1', pg.port),
      (e: unknown) => e instanceof SshError && e.code === 'closed',
    );
  });
});
