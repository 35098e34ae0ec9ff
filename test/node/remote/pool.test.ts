/**
 * SshSessionPool against real sshd servers: sharing by reference count, idle close, dispose, and recovery
 * after the server is stopped mid-session (a private server from startSshd, so it can really go away).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client as PgClient } from 'pg';
import { SshError, SshSession, SshSessionPool, type SshConnectOptions, type SshTarget } from '../../../src/core/remote';
import { sharedPostgres, type PostgresFixture } from '../../fixtures/postgres';
import { disposeSshd, sharedSshd, startSshd, type SshdFixture } from '../../fixtures/sshd';
import { waitFor } from '../../fixtures/util';
import { targetFor, TempDir, trustFixture } from './helpers';

/** Live children of `ppid` (from /proc). */
function childPids(ppid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('remote: SshSessionPool', function () {
  this.timeout(60_000);
  let sshd: SshdFixture;
  let tmp: TempDir;
  let options: SshConnectOptions;
  let pool: SshSessionPool;

  before(async () => {
    sshd = await sharedSshd();
    tmp = new TempDir();
    options = { hostKeys: trustFixture(sshd, tmp) };
  });
  afterEach(() => pool.dispose());
  after(() => tmp.remove());

  it('shares one session between concurrent leases of the same target, including the connect', async () => {
    let connects = 0;
    pool = new SshSessionPool({
      ...options,
      connect: (target, opts) => {
        connects++;
        return SshSession.connect(target, opts);
      },
    });
    const [a, b] = await Promise.all([pool.acquire(targetFor(sshd)), pool.acquire(targetFor(sshd))]);
    assert.equal(a.session, b.session);
    assert.equal(connects, 1);
    const c = await pool.acquire(targetFor(sshd, { kind: 'password', password: sshd.password }));
    assert.notEqual(c.session, a.session, 'other credentials, other session');
    assert.equal(pool.size, 2);
    for (const lease of [a, b, c]) lease.release();
  });

  it('closes a session once it stayed unused for the idle time, and reconnects on the next use', async () => {
    pool = new SshSessionPool({ ...options, idleTimeoutMs: 150 });
    const first = await pool.acquire(targetFor(sshd));
    const second = await pool.acquire(targetFor(sshd));
    // A control session (other credentials) released at the same moment: once its idle close has happened, the
    // first session's would have too, had the double release dropped the second lease's claim.
    const control = await pool.acquire(targetFor(sshd, { kind: 'password', password: sshd.password }));
    first.release();
    first.release(); // idempotent: must not drop the second lease's claim
    control.release();
    await waitFor('the control session to close when idle', () => control.session.state === 'closed', {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
    assert.equal(first.session.state, 'open', 'still leased by the second');
    second.release();
    await waitFor('the idle session to close', () => first.session.state === 'closed', {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
    assert.equal(pool.size, 0);
    const again = await pool.use(targetFor(sshd), async (session) => {
      assert.notEqual(session, first.session);
      return (await session.exec('echo again', { capture: true })).stdout;
    });
    assert.equal(again, 'again\n');
  });

  it('does not cache a failed connect', async () => {
    let attempts = 0;
    pool = new SshSessionPool({
      ...options,
      connect: (target, opts) => {
        attempts++;
        return SshSession.connect(target, opts);
      },
    });
    const wrong = targetFor(sshd, { kind: 'password', password: 'wrong' });
    await assert.rejects(pool.acquire(wrong), (e: unknown) => e instanceof SshError && e.code === 'auth-failed');
    await assert.rejects(pool.acquire(wrong), (e: unknown) => e instanceof SshError && e.code === 'auth-failed');
    assert.equal(attempts, 2);
    assert.equal(pool.size, 0);
  });

  it('dispose closes the sessions and refuses new leases', async () => {
    pool = new SshSessionPool(options);
    const lease = await pool.acquire(targetFor(sshd));
    await pool.dispose();
    assert.equal(lease.session.state, 'closed');
    await assert.rejects(pool.acquire(targetFor(sshd)), (e: unknown) => e instanceof SshError && e.code === 'closed');
  });

  it('a pooled forward holds its lease until closed', async () => {
    const pg: PostgresFixture = await sharedPostgres();
    pool = new SshSessionPool({ ...options, idleTimeoutMs: 100 });
    const forward = await pool.forwardLocal(targetFor(sshd), '127.0.0.1', pg.port);
    // A control session (other credentials) released now: once it closed as idle, an idle forward session would have too.
    const control = await pool.acquire(targetFor(sshd, { kind: 'password', password: sshd.password }));
    control.release();
    await waitFor('the control session to close when idle', () => control.session.state === 'closed', {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
    assert.equal(forward.session.state, 'open', 'not idle while the forward is open');
    const client = new PgClient({
      host: '127.0.0.1',
      port: forward.localPort,
      user: pg.superuser,
      database: 'postgres',
    });
    await client.connect();
    assert.deepEqual((await client.query('select 1 as one')).rows, [{ one: 1 }]);
    await client.end();
    await forward.close();
    await waitFor('the idle session to close', () => forward.session.state === 'closed', {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
  });

  describe('server stopped mid-session', () => {
    let own: SshdFixture;
    let ownTmp: TempDir;
    let target: SshTarget;
    before(async () => {
      own = await startSshd();
      ownTmp = new TempDir();
      target = targetFor(own, undefined, { connectTimeoutMs: 5_000 });
    });
    after(async () => {
      ownTmp.remove();
      await disposeSshd(own);
    });

    it('fails the running exec with "connection lost", forgets the session, and reconnects after a restart', async () => {
      pool = new SshSessionPool({ hostKeys: trustFixture(own, ownTmp) });
      const lease = await pool.acquire(target);
      const pg = await sharedPostgres();
      const forward = await lease.session.forwardLocal('127.0.0.1', pg.port);
      // Short: a crashed server leaves it running, orphaned, as a real one would.
      let out = '';
      const running = lease.session.exec('echo started; sleep 8', { onStdout: (text) => (out += text) });
      await waitFor('the command to start', () => out.includes('started'), { timeoutMs: 10_000, intervalMs: 20 });

      const stoppedAt = Date.now();
      await own.stop();
      await assert.rejects(running, (error: unknown) => {
        assert.ok(error instanceof SshError);
        assert.equal(error.code, 'connection-lost');
        assert.match(error.message, new RegExp(`^SSH connection to ${own.user}@127\\.0\\.0\\.1:${own.port} lost \\(`));
        return true;
      });
      assert.ok(Date.now() - stoppedAt < 5_000, 'detected promptly');
      assert.equal(lease.session.state, 'lost');
      assert.equal(pool.size, 0, 'the pool forgot the lost session');
      assert.equal((await forward.closed).reason, 'session-ended');
      await assert.rejects(
        lease.session.exec('true'),
        (e: unknown) => e instanceof SshError && e.code === 'connection-lost',
      );
      lease.release();

      // While the server is down: a clear refusal, nothing cached.
      await assert.rejects(
        pool.acquire(target),
        (e: unknown) => e instanceof SshError && e.code === 'connection-refused',
      );

      await own.start();
      const result = await pool.use(target, (session) => session.exec('echo back', { capture: true }));
      assert.equal(result.stdout, 'back\n');
      assert.equal(pool.size, 1);
    });

    it('a server that stops answering (frozen, no FIN) is detected by the keepalives', async () => {
      const session = await SshSession.connect(
        { ...target, keepaliveIntervalMs: 200, keepaliveCountMax: 2 },
        { hostKeys: trustFixture(own, ownTmp) },
      );
      let out = '';
      const running = session.exec('echo started; sleep 8', { onStdout: (text) => (out += text) });
      await waitFor('the command to start', () => out.includes('started'), { timeoutMs: 10_000, intervalMs: 20 });
      // The connection's sshd processes are the listener's children, each leading its own process group.
      const listener = Number(fs.readFileSync(path.join(own.dir, 'sshd.pid'), 'utf8').trim());
      const frozen = childPids(listener);
      assert.ok(frozen.length > 0);
      for (const pid of frozen) process.kill(-pid, 'SIGSTOP');
      try {
        const started = Date.now();
        await assert.rejects(running, (error: unknown) => {
          assert.ok(error instanceof SshError);
          assert.equal(error.code, 'connection-lost');
          assert.match(error.message, /lost \(no answer to 2 keepalives sent every 200 ms\)$/);
          return true;
        });
        assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
      } finally {
        for (const pid of frozen) {
          process.kill(-pid, 'SIGCONT');
          process.kill(-pid, 'SIGTERM');
        }
      }
    });
  });
});
