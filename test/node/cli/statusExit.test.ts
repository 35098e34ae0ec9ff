import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareFreshDeploy, prepareHistoryOnly } from '../../fixtures/demoDatabase';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';

const REPO = path.resolve(__dirname, '../../../..');

/**
 * `status` on a healthy history: every migration applied, the seed's own trio of 20260214_* migrations applied in
 * another order than their names sort (fix → init → add). That is a warning (a fresh database applies them the other
 * way round), not a failure: like `check`, `status` exits 1 on it only with `--strict`.
 */
describe('drift-guard status exit code (bundled dist/cli.js, real PostgreSQL)', function () {
  this.timeout(180_000);
  let pg: PostgresFixture;
  let demo = '';
  let cacheDir = '';
  const cli = (args: string[]): Promise<CliRun> => runCli(args, demo, { DRIFT_GUARD_CACHE_DIR: cacheDir });

  before(async () => {
    requireCliBundle();
    pg = await sharedPostgres();
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-status-cache-'));
    demo = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-status-demo-'));
    await fs.cp(path.join(REPO, 'demo'), demo, { recursive: true });
  });
  after(async () => {
    for (const dir of [demo, cacheDir]) if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('exits 0 on every migration applied with a same-day ordering warning, says it, and exits 1 with --strict', async () => {
    const url = await pg.createDatabase(`cli_status_order_${Date.now()}`);
    await prepareHistoryOnly(url);

    const json = await cli(['status', '--url', url, '--json']);
    const report = JSON.parse(json.stdout) as {
      migrations: Array<{ state: string }>;
      hazards: Array<{ kind: string; migration: string }>;
    };
    assert.ok(
      report.migrations.every((m) => m.state === 'applied'),
      json.stdout,
    );
    assert.ok(
      report.hazards.some((h) => h.kind === 'appliedOutOfOrder' && h.migration.startsWith('20260214_')),
      `the trio's ordering hazard is still reported: ${json.stdout}`,
    );
    assert.equal(json.code, 0, `a warning alone must not fail status: ${json.stderr}`);

    const human = await cli(['status', '--url', url]);
    assert.equal(human.code, 0, human.stdout + human.stderr);
    assert.match(human.stdout, /Ordering hazards/);
    assert.match(human.stdout, /--strict/);

    const strict = await cli(['status', '--url', url, '--strict']);
    assert.equal(strict.code, 1, strict.stdout + strict.stderr);
    assert.match(strict.stdout, /Ordering hazards/);
  });

  it('exits 0 on a history deployed in name order, and 1 on a pending migration whatever --strict says', async () => {
    const url = await pg.createDatabase(`cli_status_fresh_${Date.now()}`);
    await prepareFreshDeploy(url);
    const clean = await cli(['status', '--url', url, '--strict']);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);

    const migrations = path.join(demo, 'prisma', 'migrations');
    const added = path.join(migrations, '20260301090000_add_user_nickname');
    await fs.mkdir(added);
    await fs.writeFile(path.join(added, 'migration.sql'), 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;\n');
    try {
      const pending = await cli(['status', '--url', url]);
      assert.equal(pending.code, 1, pending.stdout + pending.stderr);
      assert.match(pending.stdout, /○ 20260301090000_add_user_nickname\s+pending/);
    } finally {
      await fs.rm(added, { recursive: true, force: true });
    }
  });
});
