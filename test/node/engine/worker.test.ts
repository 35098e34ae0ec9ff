import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../../src/core/engine/engineError';
import { DEFAULT_ENGINE_TIMEOUTS } from '../../../src/core/engine/timeouts';
import { operationTimeoutMs } from '../../../src/core/app/workerProtocol';
import { EngineWorkerClient } from '../../../src/core/app/workerClient';
import { loadFixture, rejectionOf, repoRoot, testCacheDir } from '../../fixtures/engineProjects';
import { waitFor } from '../../fixtures/util';

/** The compiled worker entry (tests run the tsc output; the extension runs dist/engineWorker.js). */
const WORKER = path.join(repoRoot(), 'out', 'src', 'engineWorker.js');

describe('engine worker process', function () {
  this.timeout(120_000);

  it('runs the engine in a separate process: results, typed errors and memory come back as plain data', async () => {
    const client = new EngineWorkerClient({ workerPath: WORKER, cacheDir: testCacheDir() });
    try {
      const project = await loadFixture('shop');
      const report = await client.diffMigrationsToSchema(project);
      assert.equal(report.items.length, 10);
      assert.notEqual(client.pid, process.pid);
      const bad = project.schemaFiles.map((f) => ({
        ...f,
        content: f.content.replace('model Order {', 'model Order {\n  oops Strin'),
      }));
      const error = await rejectionOf(client.diffMigrationsToSchema(project, { schemaFiles: bad }));
      assert.ok(error instanceof EngineError);
      assert.equal(error.code, 'invalid-schema');
      assert.match(error.message, /schema\.prisma:\d+\): Type "Strin"/);
      const stats = await client.stats();
      assert.ok(stats.rssBytes > 50 * 1024 * 1024, `worker RSS ${stats.rssBytes}`);
      assert.equal(client.starts, 1);
    } finally {
      await client.dispose();
    }
  });

  it('speaks the language of the bundle the extension passes it (vscode.l10n.uri): engine errors in French, codes unchanged', async () => {
    const client = new EngineWorkerClient({
      workerPath: WORKER,
      cacheDir: testCacheDir(),
      l10nBundle: path.join(repoRoot(), 'l10n', 'bundle.l10n.fr.json'),
    });
    try {
      const project = await loadFixture('shop');
      const bad = project.schemaFiles.map((f) => ({
        ...f,
        content: f.content.replace('model Order {', 'model Order {\n  oops Strin'),
      }));
      const error = await rejectionOf(client.diffMigrationsToSchema(project, { schemaFiles: bad }));
      assert.equal(error.code, 'invalid-schema');
      assert.match(error.message, /^Schéma Prisma invalide \(.*schema\.prisma:\d+\): Type "Strin"/);
    } finally {
      await client.dispose();
    }
  });

  it('kills the worker when a call exceeds its time limit, and starts a new one for the next call', async () => {
    // No cache folder: the first analysis has to initialise PGlite, far longer than 300 ms.
    const client = new EngineWorkerClient({ workerPath: WORKER, timeouts: { analysisMs: 0 }, marginMs: 300 });
    try {
      const project = await loadFixture('shop');
      const error = await rejectionOf(client.diffMigrationsToSchema(project));
      assert.equal(error.code, 'timeout');
      assert.match(error.message, /did not answer diffMigrationsToSchema within 0.3 s; it was stopped/);
      assert.equal(client.pid, undefined);
      const stats = await client.stats();
      assert.ok(stats.rssBytes > 0);
      assert.equal(client.starts, 2);
    } finally {
      await client.dispose();
    }
  });

  it('shuts an idle worker down', async () => {
    const client = new EngineWorkerClient({ workerPath: WORKER, idleMs: 200 });
    try {
      await client.stats();
      assert.ok(client.pid);
      await waitFor('the idle shutdown', () => client.pid === undefined, { timeoutMs: 10_000, intervalMs: 25 });
    } finally {
      await client.dispose();
    }
  });

  describe('one time limit per operation (a fake worker that answers deploys after a set delay)', () => {
    let dir = '';
    let fake = '';
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'dg-fake-worker-'));
      fake = path.join(dir, 'slowWorker.js');
      // Speaks the worker protocol; a deploy answers after DEPLOY_MS (never when negative).
      writeFileSync(
        fake,
        `process.send({ kind: 'ready', pid: process.pid });
process.on('message', (m) => {
  if (m.kind === 'shutdown') process.exit(0);
  if (m.kind !== 'call') return;
  const delay = m.method === 'deploy' ? Number(process.env.DEPLOY_MS) : 0;
  if (delay >= 0) setTimeout(() => process.send({ kind: 'result', id: m.id, ok: true, value: { applied: ['a'], message: 'Applied 1 migration(s): a.' } }), delay);
});
`,
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('waits for a deploy as long as the engine allows it (plus a margin), not a fixed limit below it', () => {
      // The editor's defaults: the engine session lets a deploy run 300 s; the client waits a bit longer.
      const deploy = operationTimeoutMs('deploy', DEFAULT_ENGINE_TIMEOUTS);
      assert.equal(deploy, 300_000);
      assert.ok(operationTimeoutMs('historyStatus') < deploy);
    });

    it('lets a deploy that takes longer than an analysis finish, and stops one that outlives its own limit with a clear message', async () => {
      const previous = process.env.DEPLOY_MS;
      try {
        process.env.DEPLOY_MS = '400';
        // Analyses may take 50 ms, deploys 600 ms (+ 100 ms margin): a 400 ms deploy is not killed.
        const client = new EngineWorkerClient({
          workerPath: fake,
          timeouts: { analysisMs: 50, deployMs: 600 },
          marginMs: 100,
        });
        try {
          const project = await loadFixture('shop');
          const done = await client.deploy(project, 'postgresql://app:pw@db.example:5433/shop');
          assert.deepEqual(done.applied, ['a']);
        } finally {
          await client.dispose();
        }

        process.env.DEPLOY_MS = '-1';
        const stuck = new EngineWorkerClient({ workerPath: fake, timeouts: { deployMs: 200 }, marginMs: 100 });
        try {
          const project = await loadFixture('shop');
          const started = Date.now();
          const error = await rejectionOf(stuck.deploy(project, 'postgresql://app:pw@db.example:5433/shop'));
          assert.ok(Date.now() - started >= 300, 'not before the deploy limit + margin');
          assert.equal(error.code, 'timeout');
          assert.equal(
            error.message,
            'The deploy to db.example:5433/shop was stopped after 0.3 s: a migration may be partly applied — check the database (_prisma_migrations).',
          );
          assert.equal(stuck.pid, undefined, 'the worker was stopped');
        } finally {
          await stuck.dispose();
        }
      } finally {
        if (previous === undefined) delete process.env.DEPLOY_MS;
        else process.env.DEPLOY_MS = previous;
      }
    });
  });
});
