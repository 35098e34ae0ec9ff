import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  alreadyPresentMigrations,
  computeDeployPlan,
  deployPlanJson,
  deployPlanText,
  planFromProofs,
} from '../../../src/core/app/deployPlan';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { loadProject } from '../../../src/core/project/discovery';
import { type PrismaProject } from '../../../src/core/project/types';
import {
  BASELINE,
  initAppliedSql,
  INVOICES_SQL,
  NICKNAME_SQL,
  REFUNDS,
  REFUNDS_SQL,
  writeBaselineProject,
} from '../../fixtures/baselineProject';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { testCacheDir } from '../../fixtures/engineProjects';
import { type MigrationProof } from '../../../src/core/app/engineApi';
import { type DriftItem } from '../../../src/core/drift/diffItems';
import { proofOf } from '../../../src/core/app/resolveProof';
import { type HistoryStatus, type MigrationStatus } from '../../../src/core/history/status';

const history = (migrations: MigrationStatus[]): HistoryStatus => ({
  hasMigrationsTable: true,
  migrations,
  hazards: [],
  notes: [],
});
const none = { before: [], after: [], database: [] };
const table = (name: string, change: DriftItem['change']): DriftItem => ({
  object: 'table',
  change,
  table: name,
  sql: change === 'added' ? `CREATE TABLE "${name}" ("id" INTEGER NOT NULL)` : `DROP TABLE "${name}"`,
});
const column = (tableName: string, name: string, change: DriftItem['change']): DriftItem => ({
  object: 'column',
  change,
  table: tableName,
  column: name,
  sql:
    change === 'added'
      ? `ALTER TABLE "${tableName}" ADD COLUMN "${name}" TEXT`
      : `ALTER TABLE "${tableName}" DROP COLUMN "${name}"`,
});
/** The proof of a migration as the engine computes it, from the two diffs (database → migrations before it / up to it). */
const proof = (migration: string, before: DriftItem[], after: DriftItem[]): MigrationProof => {
  const p = proofOf({ before, after, checks: none, schemaFiles: [] });
  return { migration, present: p.present, missing: p.changes };
};

describe('deploy plan (pure)', () => {
  it('the proof says what the database already has, not only what it lacks', () => {
    // The migration creates invoices and users.nickname; the database has invoices (the diff before it would drop it).
    const p = proofOf({
      before: [table('invoices', 'removed')],
      after: [column('users', 'nickname', 'added')],
      checks: none,
      schemaFiles: [],
    });
    assert.deepEqual(
      p.present.map((c) => c.description),
      ['table invoices present'],
    );
    assert.deepEqual(
      p.changes.map((c) => c.description),
      ['column users.nickname missing'],
    );
  });

  it('a change to an object an earlier pending migration creates is missing, not present', () => {
    // Migration 1 creates invoices (pending, the database lacks it); migration 2 adds a column to it.
    const before = [{ ...table('invoices', 'added') }];
    const after = [
      { ...table('invoices', 'added'), sql: 'CREATE TABLE "invoices" ("id" INTEGER NOT NULL, "total" INTEGER)' },
    ];
    const p = proof('2_total', before, after);
    assert.deepEqual(p.present, []);
    assert.deepEqual(
      p.missing.map((c) => c.description),
      ['table invoices missing'],
    );
  });

  it('apply, markApplied, blocked, and a failed row, in name order', () => {
    const plan = planFromProofs(
      history([
        { name: '1_init', state: 'applied' },
        { name: '2_baseline', state: 'pending' },
        { name: '3_half', state: 'pending' },
        { name: '4_new', state: 'rolledBack' },
        { name: '5_data', state: 'pending' },
      ]),
      [
        proof('2_baseline', [table('invoices', 'removed')], []),
        proof('3_half', [table('payments', 'removed')], [column('users', 'nickname', 'added')]),
        proof('4_new', [], [table('refunds', 'added')]),
        proof('5_data', [], []),
      ],
    );
    assert.deepEqual(
      plan.steps.map((s) => [s.migration, s.action]),
      [
        ['2_baseline', 'markApplied'],
        ['3_half', 'blocked'],
        ['4_new', 'apply'],
        ['5_data', 'apply'],
      ],
    );
    assert.equal(plan.deployable, false);
    assert.deepEqual(plan.pending, ['2_baseline', '3_half', '4_new', '5_data']);
    assert.deepEqual(deployPlanJson(plan)[1], {
      migration: '3_half',
      action: 'blocked',
      present: ['table payments'],
      missing: ['column users.nickname'],
      reason: plan.steps[1].reason,
    });
    assert.match(plan.steps[3].reason, /data or empty migration/);
    const text = deployPlanText(plan, 'production').join('\n');
    assert.match(
      text,
      /✗ Deploy plan for production: not every migration can be deployed — 1 to mark applied, 1 blocked, 2 to apply\./,
    );
    assert.match(text, /present: table payments\n {6}missing: column users\.nickname/);
  });

  it('a failed row blocks the plan, even with every pending migration to apply', () => {
    const plan = planFromProofs(
      history([
        { name: '1_init', state: 'failed', missingLocally: true },
        { name: '2_new', state: 'pending' },
      ]),
      [proof('2_new', [], [table('refunds', 'added')])],
    );
    assert.deepEqual(
      plan.steps.map((s) => [s.migration, s.action, s.failed === true]),
      [
        ['1_init', 'blocked', true],
        ['2_new', 'apply', false],
      ],
    );
    assert.equal(plan.deployable, false);
    assert.match(plan.steps[0].reason, /recorded as failed .*not in the migrations directory.*P3009/);
    assert.equal(deployPlanJson(plan)[0].failed, true);
  });

  it('nothing pending: deployable, and says so', () => {
    const plan = planFromProofs(history([{ name: '1_init', state: 'applied' }]), []);
    assert.equal(plan.deployable, true);
    assert.deepEqual(deployPlanText(plan, 'dev'), ['✓ Nothing to deploy on dev: every migration is applied.']);
  });
});

/** The order rule on a real database: each migration judged on top of the ones before it. */
describe('deploy plan on PostgreSQL 15 (EngineOperations)', function () {
  this.timeout(300_000);
  let pg: PostgresFixture;
  let session: EngineOperations;
  const dirs: string[] = [];
  const dbs: string[] = [];

  before(async () => {
    pg = await sharedPostgres();
    session = new EngineOperations({ cacheDir: testCacheDir() });
  });
  after(async () => {
    await session.dispose();
    for (const db of dbs) await pg.dropDatabase(db).catch(() => undefined);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const setup = async (name: string, sql: string): Promise<{ project: PrismaProject; url: string }> => {
    const dir = writeBaselineProject();
    dirs.push(dir);
    // A later migration that changes what the pending baseline creates, and one that changes a default the database already has.
    for (const [folder, body] of [
      ['20260401000000_invoice_currency', 'ALTER TABLE "invoices" ADD COLUMN "currency" TEXT;\n'],
      ['20260402000000_email_default', `ALTER TABLE "users" ALTER COLUMN "email" SET DEFAULT 'none';\n`],
    ]) {
      fs.mkdirSync(path.join(dir, 'prisma', 'migrations', folder), { recursive: true });
      fs.writeFileSync(path.join(dir, 'prisma', 'migrations', folder, 'migration.sql'), body);
    }
    const db = `dg_plan_${name}_${process.pid}`;
    await pg.dropDatabase(db);
    const url = await pg.createDatabase(db);
    dbs.push(db);
    await pg.psql(sql, db);
    return { project: await loadProject(dir), url };
  };

  it('a migration changing what an earlier pending one creates is "apply", not "blocked"; an altered default already there is present', async () => {
    const { project, url } = await setup(
      'order',
      initAppliedSql(`ALTER TABLE "users" ALTER COLUMN "email" SET DEFAULT 'none';\n`),
    );
    const plan = await computeDeployPlan(session, project, url);
    assert.deepEqual(
      plan.steps.map((s) => [s.migration, s.action]),
      [
        [BASELINE, 'apply'],
        [REFUNDS, 'apply'],
        ['20260401000000_invoice_currency', 'apply'],
        ['20260402000000_email_default', 'markApplied'],
      ],
    );
    assert.deepEqual(
      plan.steps[3].present.map((c) => [c.change, c.label]),
      [['altered', 'column users.email (User.email)']],
    );
  });

  it('after a baseline the database has (markApplied), the next migration is judged on the database as it is', async () => {
    const { project, url } = await setup(
      'baseline',
      initAppliedSql(INVOICES_SQL + NICKNAME_SQL + REFUNDS_SQL.replace('"refunds"', '"refunds_unrelated"')),
    );
    const plan = await computeDeployPlan(session, project, url);
    assert.deepEqual(
      plan.steps.map((s) => [s.migration, s.action]),
      [
        [BASELINE, 'markApplied'],
        [REFUNDS, 'apply'],
        ['20260401000000_invoice_currency', 'apply'],
        ['20260402000000_email_default', 'apply'],
      ],
    );
  });
});

describe('deploy plan: the pending migrations a database already has (the Migrations view’s next step)', () => {
  const h = history([
    { name: '1_init', state: 'applied' },
    { name: BASELINE, state: 'pending' },
    { name: REFUNDS, state: 'pending' },
  ]);
  const project = { migrations: [] } as unknown as PrismaProject;

  it('the markApplied ones, from the engine’s proofs', async () => {
    const asked: string[][] = [];
    const engine = {
      migrationProofs: (_p: PrismaProject, _url: string, names: string[]): Promise<MigrationProof[]> => {
        asked.push(names);
        return Promise.resolve([
          proof(BASELINE, [table('invoices', 'removed')], []),
          proof(REFUNDS, [], [table('refunds', 'added')]),
        ]);
      },
    };
    assert.deepEqual(await alreadyPresentMigrations(engine, project, 'postgresql://x', h, 2), [BASELINE]);
    assert.deepEqual(asked, [[BASELINE, REFUNDS]]);
  });

  it('asks the engine nothing when nothing is pending or the database has nothing extra', async () => {
    const engine = { migrationProofs: (): Promise<MigrationProof[]> => Promise.reject(new Error('not asked')) };
    assert.deepEqual(await alreadyPresentMigrations(engine, project, 'postgresql://x', h, 0), []);
    assert.deepEqual(
      await alreadyPresentMigrations(
        engine,
        project,
        'postgresql://x',
        history([{ name: '1_init', state: 'applied' }]),
        3,
      ),
      [],
    );
  });
});
