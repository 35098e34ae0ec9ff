import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import pgDriver from 'pg';
import { EngineSession } from '../../../src/core/engine/engineSession';
import { EngineWorkerClient } from '../../../src/core/app/workerClient';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { waitFor } from '../../fixtures/util';
import { loadFixture, rejectionOf, repoRoot, testCacheDir } from '../../fixtures/engineProjects';

/** The compiled worker entry (tests run the tsc output; the extension runs dist/engineWorker.js). */
const WORKER = path.join(repoRoot(), 'out', 'src', 'engineWorker.js');

/** How soon a cancelled call must reject: far below any operation's time limit (analyses: 120 s). */
const PROMPT_MS = 5_000;

describe('engine worker: cancellation of calls', function () {
  this.timeout(180_000);

  it('a call cancelled while it runs rejects with cancelled promptly; the same worker serves the next calls', async () => {
    const client = new EngineWorkerClient({ workerPath: WORKER, cacheDir: testCacheDir() });
    try {
      await client.stats();
      const pid = client.pid;
      const project = await loadFixture('shop');
      const controller = new AbortController();
      const call = client.withSignal(controller.signal).diffMigrationsToSchema(project);
      // After the call was sent (the worker is ready: it goes out in this tick), while the engine loads.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const aborted = Date.now();
      controller.abort();
      const error = await rejectionOf(call);
      assert.ok(Date.now() - aborted < PROMPT_MS, `rejected ${Date.now() - aborted} ms after the abort`);
      assert.equal(error.code, 'cancelled');
      assert.equal(error.message, 'schema vs migrations was cancelled.');
      // Answered by the worker, not killed: the same process, and it still works.
      assert.equal(client.pid, pid);
      const report = await client.diffMigrationsToSchema(project);
      assert.equal(report.items.length, 10);
      assert.equal(client.starts, 1);
      // A signal aborted before the call: never sent.
      const error2 = await rejectionOf(client.withSignal(AbortSignal.abort()).diffMigrationsToSchema(project));
      assert.equal(error2.code, 'cancelled');
      assert.equal(client.starts, 1);
    } finally {
      await client.dispose();
    }
  });

  it('a worker that cannot answer a cancel (its event loop held) is killed after the grace period; a deploy says what it may have left', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dg-deaf-worker-'));
    const deaf = path.join(dir, 'deafWorker.js');
    writeFileSync(
      deaf,
      `process.send({ kind: 'ready', pid: process.pid });
process.on('message', (m) => {
  if (m.kind === 'shutdown') process.exit(0);
  // Answers stats (so the test knows it is ready); never answers anything else, nor a cancel.
  if (m.kind === 'call' && m.method === 'stats') process.send({ kind: 'result', id: m.id, ok: true, value: { rssBytes: 1 } });
});
`,
    );
    const client = new EngineWorkerClient({ workerPath: deaf, cancelGraceMs: 200 });
    try {
      const project = await loadFixture('shop');
      await client.stats();
      const controller = new AbortController();
      const call = client.withSignal(controller.signal).deploy(project, 'postgresql://app:pw@db.example:5433/shop');
      await new Promise<void>((resolve) => setImmediate(resolve));
      controller.abort();
      const error = await rejectionOf(call);
      assert.equal(error.code, 'cancelled');
      assert.equal(
        error.message,
        'The deploy to db.example:5433/shop was cancelled: a migration may be partly applied — check the database (_prisma_migrations).',
      );
      assert.equal(client.pid, undefined, 'the worker was stopped');
    } finally {
      await client.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('on PostgreSQL', () => {
    let pg: PostgresFixture;
    before(async () => {
      pg = await sharedPostgres();
    });

    it('a queued call cancelled before its turn never runs; a running one has its query cancelled on the server; the worker goes on', async () => {
      const project = await loadFixture('blog-multifile');
      const name = `cancel_worker_${process.pid}`;
      const shadowUrl = await pg.createDatabase(name);
      const client = new EngineWorkerClient({ workerPath: WORKER, cacheDir: testCacheDir() });
      // A "database" that counts who connects to it: a queued call that ran would connect here.
      let connections = 0;
      const trap = net.createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
      const trapUrl = `postgresql://app:pw@127.0.0.1:${(trap.address() as net.AddressInfo).port}/trap`;
      const locker = new pgDriver.Client({ connectionString: shadowUrl });
      await locker.connect();
      const ours = async (only = ''): Promise<number> => {
        // The locker sits in a transaction, where pg_stat_activity is a snapshot taken at its first read.
        await locker.query('SELECT pg_stat_clear_snapshot()');
        return Number(
          (
            await locker.query<{ n: string }>(
              `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'prisma-drift-guard' AND state = 'active' ${only}`,
              [name],
            )
          ).rows[0].n,
        );
      };
      const waitingForLock = "AND wait_event_type = 'Lock'";
      try {
        // A shadow prepared (by another session: the worker's own would know it holds the migrations already), then a
        // table in it that another session keeps locked: emptying it waits for that lock.
        const preparer = new EngineSession({ cacheDir: testCacheDir() });
        try {
          assert.equal(
            (await preparer.diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadowUrl } })).empty,
            true,
          );
        } finally {
          await preparer.dispose();
        }
        await pg.psql('CREATE TABLE held (id int);', name);
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE held IN ACCESS SHARE MODE');

        const running = new AbortController();
        const blocked = client
          .withSignal(running.signal)
          .diffMigrationsToSchema(project, { shadow: { kind: 'url', url: shadowUrl } });
        const queued = new AbortController();
        const behind = client.withSignal(queued.signal).historyStatus(project, trapUrl);
        await waitFor('our query waiting for the lock on the server', async () => (await ours(waitingForLock)) > 0, {
          timeoutMs: 60_000,
          intervalMs: 100,
        });

        // The queued call: rejected at once, while the one before it still holds the engine.
        let blockedSettled = false;
        void blocked.then(
          () => (blockedSettled = true),
          () => (blockedSettled = true),
        );
        const aborted = Date.now();
        queued.abort();
        const queuedError = await rejectionOf(behind);
        assert.ok(Date.now() - aborted < PROMPT_MS, `rejected ${Date.now() - aborted} ms after the abort`);
        assert.equal(queuedError.code, 'cancelled');
        assert.equal(queuedError.message, 'migration status was cancelled.');
        assert.equal(blockedSettled, false, 'the first call still waits for the lock');
        assert.ok((await ours(waitingForLock)) > 0, 'our query still waits for the lock');

        // The running call: its query is cancelled on the server before it rejects.
        const abortedRunning = Date.now();
        running.abort();
        const runningError = await rejectionOf(blocked);
        assert.ok(Date.now() - abortedRunning < 15_000, `rejected ${Date.now() - abortedRunning} ms after the abort`);
        assert.equal(runningError.code, 'cancelled');
        // Usually with "Our query still running on … was cancelled on the server." (unless it had already stopped).
        assert.match(runningError.message, /^schema vs migrations was cancelled\./);
        // Still inside the other session's transaction: nothing of ours runs or waits there any more.
        assert.equal(await ours(), 0);

        // The same worker goes on; the call queued behind never ran (it would have connected to the trap).
        assert.equal((await client.diffMigrationsToSchema(project)).empty, true);
        assert.equal(connections, 0, 'the cancelled queued call connected to its database');
        assert.equal(client.starts, 1);
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
        await client.dispose();
        await new Promise((resolve) => trap.close(resolve));
      }
    });
  });
});
