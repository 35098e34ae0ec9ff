import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { loadProject } from '../../../src/core/project/discovery';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { copyFixture, testCacheDir } from '../../fixtures/engineProjects';

/**
 * A `_prisma_migrations` row that started and never finished, for a migration whose folder is not local: `migrate
 * deploy` stops on it (P3009), so status, check and rehearse say "failed" — not "applied, missing locally", silence
 * or "passed".
 */
describe('an unfinished migration missing locally is failed everywhere (bundled CLI, real PostgreSQL)', function () {
  this.timeout(180_000);
  const GONE = '20250201000000_hotfix_from_another_branch';
  let pg: PostgresFixture;
  let cacheDir = '';
  let dir = '';
  let url = '';
  const cli = (args: string[]): Promise<CliRun> => runCli(args, dir, { DRIFT_GUARD_CACHE_DIR: cacheDir });

  before(async () => {
    requireCliBundle();
    pg = await sharedPostgres();
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-cli-failed-cache-'));
    dir = copyFixture('blog-multifile');
    const name = `cli_failed_history_${process.pid}`;
    await pg.dropDatabase(name);
    url = await pg.createDatabase(name);
    const session = new EngineOperations({ cacheDir: testCacheDir() });
    try {
      await session.deploy(await loadProject(dir), url);
    } finally {
      await session.dispose();
    }
    await pg.psql(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES ('b9c5e1c2-0000-4000-8000-000000000001', 'abc', '${GONE}', 'ERROR: column "slug" contains null values', now(), 0)`,
      name,
    );
  });
  after(async () => {
    await fs.rm(cacheDir, { recursive: true, force: true });
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('status: failed, with the reason and the logs', async () => {
    const json = await cli(['status', '--url', url, '--json']);
    assert.equal(json.code, 1, json.stderr);
    const gone = (
      JSON.parse(json.stdout) as { migrations: Array<{ name: string; state: string; note?: string; logs?: string }> }
    ).migrations.find((m) => m.name === GONE);
    assert.equal(gone?.state, 'failed');
    assert.match(gone?.note ?? '', /not in the migrations directory: migrate deploy stops on it \(P3009\)/);
    assert.match(gone?.logs ?? '', /contains null values/);
    const text = await cli(['status', '--url', url]);
    assert.match(text.stdout, new RegExp(`✗ ${GONE}\\s+FAILED`));
    assert.doesNotMatch(text.stdout, /applied, missing locally/);
  });

  it('check: a "Database history" section, failedMigrations in JSON, exit 1', async () => {
    const json = await cli(['check', '--url', url, '--json']);
    assert.equal(json.code, 1, json.stdout + json.stderr);
    const report = JSON.parse(json.stdout) as {
      failedMigrations: Array<{ name: string; missingLocally: boolean; logs: string | null }>;
      databaseVsMigrations: { items: unknown[] };
    };
    assert.deepEqual(
      report.failedMigrations.map((m) => [m.name, m.missingLocally]),
      [[GONE, true]],
    );
    assert.match(report.failedMigrations[0].logs ?? '', /contains null values/);
    const text = await cli(['check', '--url', url]);
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      new RegExp(
        `✗ Database history \\(.*\\): 1 failed migration — migrate deploy stops on it \\(P3009\\)\\n  ✗ ${GONE} — `,
      ),
    );
  });

  it('rehearse: fails with the reason (deploy is blocked), exit 1', async () => {
    const run = await cli(['rehearse', '--url', url, '--json']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as { ok: boolean; blockers: string[] };
    assert.equal(report.ok, false);
    assert.equal(report.blockers.length, 1);
    assert.match(
      report.blockers[0],
      new RegExp(
        `${GONE} is recorded as failed .* its folder is not in the migrations directory: migrate deploy refuses to run \\(P3009\\)`,
      ),
    );
  });
});
