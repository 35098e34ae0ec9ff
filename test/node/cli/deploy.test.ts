import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BASELINE,
  initAppliedSql,
  INVOICES_SQL,
  INIT,
  NICKNAME_SQL,
  REFUNDS,
  writeBaselineProject,
} from '../../fixtures/baselineProject';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';

interface PlanJson {
  deployable: boolean;
  plan: Array<{ migration: string; action: string; present?: string[]; missing?: string[] }>;
  applied?: string[];
}

/** `drift-guard deploy` against real PostgreSQL 15 databases in the three states of the plan. */
describe('drift-guard deploy: the plan before any deploy (bundled CLI, real PostgreSQL)', function () {
  this.timeout(300_000);
  let pg: PostgresFixture;
  let dir = '';
  let cacheDir = '';
  const dbs: string[] = [];
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runCli(['deploy', '--project', dir, ...args], dir, { DRIFT_GUARD_CACHE_DIR: cacheDir, ...env });
  /** A database in the state `sql` leaves it, named after the test. */
  const database = async (name: string, sql: string): Promise<{ name: string; url: string }> => {
    const db = `dg_deploy_${name}_${process.pid}`;
    await pg.dropDatabase(db);
    const url = await pg.createDatabase(db);
    dbs.push(db);
    await pg.psql(sql, db);
    return { name: db, url };
  };
  /** What a write would change: the tables and the `_prisma_migrations` rows. */
  const snapshot = (db: string): Promise<string> =>
    pg.psql(
      `SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public';
       SELECT string_agg(migration_name || ':' || coalesce(finished_at::text, 'unfinished') || ':' || applied_steps_count, ',' ORDER BY migration_name) FROM _prisma_migrations;
       SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'users';`,
      db,
    );

  before(async () => {
    requireCliBundle();
    pg = await sharedPostgres();
    dir = writeBaselineProject();
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-cli-deploy-cache-'));
  });
  after(async () => {
    for (const db of dbs) await pg.dropDatabase(db).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  it('apply: a database with none of the pending changes is deployed (exit 0), as migrate deploy would', async () => {
    const db = await database('apply', initAppliedSql());
    const dry = await cli(['--url', db.url, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as PlanJson;
    assert.deepEqual(
      plan.plan.map((s) => [s.migration, s.action]),
      [
        [BASELINE, 'apply'],
        [REFUNDS, 'apply'],
      ],
    );
    assert.deepEqual(plan.plan[0].missing?.sort(), [
      'column users.nickname (User.nickname)',
      'table invoices (Invoice)',
    ]);
    assert.match(await snapshot(db.name), /^_prisma_migrations,users\n/, 'the dry run wrote nothing');
    const run = await cli(['--url', db.url]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Applied 2 migration\(s\): .* on postgresql:\/\//);
    assert.match(run.stderr, /deploying 2 migrations to postgresql:\/\//);
    const state = (await snapshot(db.name)).split('\n');
    assert.equal(state[0], '_prisma_migrations,invoices,refunds,users');
    assert.match(state[1], new RegExp(`^${INIT}:[^,]+:1,${BASELINE}:[^,u]+:1,${REFUNDS}:[^,u]+:1$`));
    const again = await cli(['--url', db.url]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Nothing to deploy on .*: every migration is applied\./);
  });

  it('markApplied: the baseline a database already has is refused with the plan and the fix; nothing is written (exit 1)', async () => {
    const db = await database(
      'mark',
      initAppliedSql(INVOICES_SQL + NICKNAME_SQL + 'INSERT INTO invoices VALUES (1, 100);\n'),
    );
    const before = await snapshot(db.name);
    const run = await cli(['--url', db.url, '--json']);
    assert.equal(run.code, 1, run.stderr);
    const plan = JSON.parse(run.stdout) as PlanJson;
    assert.equal(plan.deployable, false);
    assert.equal(plan.applied, undefined);
    assert.deepEqual(
      plan.plan.map((s) => [s.migration, s.action]),
      [
        [BASELINE, 'markApplied'],
        [REFUNDS, 'apply'],
      ],
    );
    assert.deepEqual(plan.plan[0].present?.sort(), [
      'column users.nickname (User.nickname)',
      'table invoices (Invoice)',
    ]);
    assert.equal(plan.plan[0].missing, undefined);
    assert.equal(await snapshot(db.name), before, 'the refused deploy wrote nothing');
    const text = await cli(['--url', db.url]);
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      new RegExp(`✓ mark applied +${BASELINE} — the database already has every change it makes`),
    );
    assert.match(
      text.stdout,
      /Deploy refused: nothing was written\.\nRecord what the database already has, then deploy again:\n {2}drift-guard resolve --applied 20260201000000_baseline --url <database>/,
    );
    assert.equal(await snapshot(db.name), before, 'the refused deploy wrote nothing');
    assert.equal((await pg.psql('SELECT total FROM invoices', db.name)).trim(), '100');
    // The fix, then the deploy of what is left.
    const resolved = await runCli(['resolve', '--project', dir, '--url', db.url, '--applied', BASELINE], dir, {
      DRIFT_GUARD_CACHE_DIR: cacheDir,
    });
    assert.equal(resolved.code, 0, resolved.stderr);
    const deployed = await cli(['--url', db.url, '--json']);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.deepEqual((JSON.parse(deployed.stdout) as PlanJson).applied, [REFUNDS]);
    assert.match((await snapshot(db.name)).split('\n')[1], new RegExp(`${BASELINE}:[^,u]+:0,${REFUNDS}:[^,u]+:1$`));
  });

  it('blocked: part of the baseline present — what is present and what is missing, nothing written (exit 1)', async () => {
    const db = await database('blocked', initAppliedSql(INVOICES_SQL));
    const before = await snapshot(db.name);
    const run = await cli(['--url', db.url, '--json']);
    assert.equal(run.code, 1, run.stderr);
    const step = (JSON.parse(run.stdout) as PlanJson).plan[0];
    assert.deepEqual(step, {
      ...step,
      migration: BASELINE,
      action: 'blocked',
      present: ['table invoices (Invoice)'],
      missing: ['column users.nickname (User.nickname)'],
    });
    assert.equal(await snapshot(db.name), before, 'the refused deploy wrote nothing');
    const text = await cli(['--url', db.url]);
    assert.match(
      text.stdout,
      /✗ blocked +20260201000000_baseline — the database has part of it \(1 present, 1 missing\).*\n {6}present: table invoices \(Invoice\)\n {6}missing: column users\.nickname \(User\.nickname\)/,
    );
  });

  it('a production environment needs --yes; every write names its target', async () => {
    const db = await database('prod', initAppliedSql());
    await fs.mkdir(path.join(dir, '.vscode'), { recursive: true });
    await fs.writeFile(
      path.join(dir, '.vscode', 'settings.json'),
      JSON.stringify({
        'driftGuard.environments': [
          { name: 'production', kind: 'production', url: { from: 'env', variable: 'PROD_URL' } },
        ],
      }),
    );
    const before = await snapshot(db.name);
    const refused = await cli(['--env', 'production'], { PROD_URL: db.url });
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(
      refused.stderr,
      /production is a production environment: deploying 2 migrations there needs --yes\. Nothing was written\./,
    );
    assert.equal(await snapshot(db.name), before);
    // Rule 3: no rehearsal of production recorded yet → refused, nothing written; `rehearse --env` records one.
    const unrehearsed = await cli(['--env', 'production', '--yes'], { PROD_URL: db.url });
    assert.equal(unrehearsed.code, 1, unrehearsed.stderr);
    assert.match(
      unrehearsed.stdout,
      /Deploy refused: No deploy rehearsal of production was recorded\. .*drift-guard rehearse --env production.*Nothing was written\./,
    );
    assert.equal(await snapshot(db.name), before);
    const rehearsed = await runCli(['rehearse', '--project', dir, '--env', 'production'], dir, {
      DRIFT_GUARD_CACHE_DIR: cacheDir,
      PROD_URL: db.url,
    });
    assert.equal(rehearsed.code, 0, rehearsed.stderr + rehearsed.stdout);
    const run = await cli(['--env', 'production', '--yes'], { PROD_URL: db.url });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /deploying 2 migrations to production \(\$PROD_URL → postgresql:\/\/.*\) \(production, confirmed with --yes\)/,
    );
    assert.match((await snapshot(db.name)).split('\n')[0], /invoices,refunds/);
    // The write is in the project's run log (the audit trail the editor shares), the refusals are not writes.
    const log = (await fs.readFile(path.join(dir, '.drift-guard', 'run-log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: string; status: string; environment: string; source: string });
    // Only this environment's records: the earlier tests' `--url` deploys may share the file (they are named by
    // their redacted URL), depending on where the folder above the temp project finds a run log.
    const deploys = log.filter((r) => r.step.startsWith('Deploy ') && r.environment === 'production');
    assert.deepEqual(
      deploys.map((r) => [r.step.replace(/:.*/, ''), r.status, r.environment, r.source]),
      [['Deploy 2 migrations', 'succeeded', 'production', 'cli']],
    );
  });
});
