import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { loadProject } from '../../../src/core/project/discovery';
import {
  DEMO_DRIFT,
  DEMO_DRIFT_SQL,
  defaultDemoDir,
  prepareHistoryOnly,
  prepareProdLike,
} from '../../fixtures/demoDatabase';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { rejectionOf, testCacheDir } from '../../fixtures/engineProjects';

/**
 * The team's scenario on the demo project: check → baseline → check clean → resolve on a
 * production-like database that has the db-push objects → status clean; resolve refused on one
 * that lacks them.
 */
describe('engine end to end on the demo project', function () {
  this.timeout(300_000);
  let pg: PostgresFixture;
  let session: EngineOperations;
  let root: string;

  before(async () => {
    pg = await sharedPostgres();
    session = new EngineOperations({ cacheDir: testCacheDir() });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-guard-demo-'));
    fs.cpSync(defaultDemoDir(), root, { recursive: true });
  });
  after(async () => {
    await session.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('runs the runbook: drift found, baseline written and clean, resolve proven on prod, refused on staging', async () => {
    const project = await loadProject(root);
    const check = await session.diffMigrationsToSchema(project);
    const normalize = (sql: string): string => sql.replace(/\r\n/g, '\n').trim();
    assert.equal(normalize(check.script), normalize(DEMO_DRIFT_SQL));
    const tables = check.items
      .filter((i) => i.object === 'table')
      .map((i) => i.table)
      .sort();
    assert.deepEqual(tables, [...DEMO_DRIFT.tables].sort());
    const columns = check.items
      .filter((i) => i.object === 'column')
      .map((i) => `${i.table}.${i.column}`)
      .sort();
    assert.deepEqual(columns, DEMO_DRIFT.columns.map((c) => `${c.table}.${c.column}`).sort());
    assert.deepEqual(
      check.items.filter((i) => i.object === 'enum').map((i) => i.enum),
      DEMO_DRIFT.enums,
    );
    assert.deepEqual(
      check.items
        .filter((i) => i.object === 'index')
        .map((i) => i.name)
        .sort(),
      [...DEMO_DRIFT.indexes].sort(),
    );
    assert.deepEqual(
      check.items
        .filter((i) => i.object === 'foreignKey')
        .map((i) => i.name)
        .sort(),
      [...DEMO_DRIFT.foreignKeys].sort(),
    );

    const baseline = await session.createBaseline(project, {
      name: 'baseline_invoicing_and_drift',
      now: '2026-02-17T12:00:00Z',
    });
    assert.equal(baseline.created, true);
    const withBaseline = await loadProject(root);
    assert.equal((await session.diffMigrationsToSchema(withBaseline)).empty, true);

    const prod = await pg.createDatabase(`demo_prod_${process.pid}`);
    await prepareProdLike(prod);
    const live = await session.diffMigrationsToDatabase(project, prod);
    assert.deepEqual(
      live.items
        .filter((i) => i.object === 'table')
        .map((i) => `${i.change} ${i.table}`)
        .sort(),
      DEMO_DRIFT.tables.map((t) => `added ${t}`).sort(),
    );
    const resolved = await session.resolve(withBaseline, prod, { applied: baseline.migrationName });
    assert.equal(resolved.recorded, true);
    const status = await session.historyStatus(withBaseline, prod);
    assert.ok(
      status.migrations.every((m) => m.state === 'applied'),
      JSON.stringify(status.migrations),
    );
    assert.equal((await session.diffMigrationsToDatabase(withBaseline, prod)).empty, true);
    // Production applied fix → init → add, not their name order.
    assert.ok(status.hazards.some((h) => h.kind === 'appliedOutOfOrder'));

    const staging = await pg.createDatabase(`demo_staging_${process.pid}`);
    await prepareHistoryOnly(staging);
    const refusal = await rejectionOf(session.resolve(withBaseline, staging, { applied: baseline.migrationName }));
    assert.equal(refusal.code, 'refused');
    assert.match(refusal.message, /table invoices/);
    const stagingStatus = await session.historyStatus(withBaseline, staging);
    assert.equal(stagingStatus.migrations.find((m) => m.name === baseline.migrationName)?.state, 'pending');
  });
});
