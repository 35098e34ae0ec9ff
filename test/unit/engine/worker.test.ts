import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EngineError } from '../../../src/core/engine/errors';
import { EngineWorkerClient } from '../../../src/core/engine/workerClient';
import { loadFixture, rejectionOf, repoRoot, testCacheDir } from './helpers';

/** The compiled worker entry (tests run the tsc output; the extension runs dist/engineWorker.js). */
const WORKER = path.join(repoRoot(), 'out', 'src', 'engineWorker.js');

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('engine worker process', function () {
  this.timeout(120_000);

  it('runs the engine in a separate process: results, typed errors and memory come back as plain data', async () => {
    const client = new EngineWorkerClient({ workerPath: WORKER, cacheDir: testCacheDir() });
    try {
      const project = await loadFixture('shop');
      const report = await client.diffMigrationsToSchema(project);
      assert.equal(report.items.length, 10);
      assert.notEqual(client.pid, process.pid);
      const bad = project.schemaFiles.map((f) => ({ ...f, content: f.content.replace('model Order {', 'model Order {\n  oops Strin') }));
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

  it('kills the worker when a call exceeds its time limit, and starts a new one for the next call', async () => {
    // No cache folder: the first analysis has to initialise PGlite, far longer than 300 ms.
    const client = new EngineWorkerClient({ workerPath: WORKER, callTimeoutMs: 300 });
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
      await until('the idle shutdown', () => client.pid === undefined);
    } finally {
      await client.dispose();
    }
  });
});
