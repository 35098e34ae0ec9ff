/**
 * The tree's Deploy Pending Migrations computes the deploy plan first. On a database that already has the pending
 * migration's objects (added with `db push`, never recorded) the deploy is refused with the plan, and nothing is
 * executed: asserted with SQL on the harness's real PostgreSQL.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DeployPlan } from '../../src/core/app/deployPlan';
import { readDemoMigration } from '../fixtures/demoDatabase';
import { prepareWithPending } from '../fixtures/explorerDatabase';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { extensionApi } from './helpers/extension';
import { requireServices } from './helpers/wait';

const VARIABLE = 'DG_DEPLOY_PLAN_URL';

describe('Deploy Pending Migrations: the deploy plan first', function () {
  this.timeout(240_000);
  let pg: PostgresFixture;
  let dbName = '';

  before(async function () {
    requireServices(POSTGRES_ENV);
    await extensionApi();
    pg = await sharedPostgres();
    dbName = `dg_deploy_plan_${randomBytes(3).toString('hex')}`;
    const url = await pg.createDatabase(dbName);
    // Every demo migration applied but the last, whose objects were then added by hand (`db push`): not recorded.
    const [pending] = await prepareWithPending(url, 1);
    await pg.psql(readDemoMigration(pending).toString('utf8'), dbName);
    process.env[VARIABLE] = url;
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update(
        'environments',
        [{ name: 'planned', kind: 'staging', url: { from: 'env', variable: VARIABLE } }],
        vscode.ConfigurationTarget.Workspace,
      );
  });

  after(async () => {
    if (!dbName) return;
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    delete process.env[VARIABLE];
    await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('refuses a deploy whose plan is not all "apply", with the plan, and writes nothing', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const history = (): Promise<string> =>
      pg.psql('SELECT count(*), count(finished_at), max(migration_name) FROM _prisma_migrations', dbName);
    const before = await history();
    const result = await vscode.commands.executeCommand<{ refused: boolean; plan: DeployPlan } | undefined>(
      'driftGuard.deployPending',
      root,
      'planned',
    );
    assert.ok(result, 'the command returned no plan (it failed: see the Output)');
    assert.equal(result.refused, true);
    const last = result.plan.steps.at(-1)!;
    assert.deepEqual(
      result.plan.steps.map((s) => s.action),
      ['markApplied'],
    );
    assert.ok(
      last.present.some((c) => c.object === 'table'),
      JSON.stringify(last.present.map((c) => c.label)),
    );
    assert.deepEqual(last.missing, []);
    assert.equal(await history(), before, 'the refused deploy wrote nothing to _prisma_migrations');
    assert.equal(
      (
        await pg.psql(`SELECT count(*) FROM _prisma_migrations WHERE migration_name = '${last.migration}'`, dbName)
      ).trim(),
      '0',
    );
  });

  it("refuses the runbook's migrate deploy step on that environment with the plan, before anything runs", async () => {
    const service = await (await extensionApi()).runbook.service();
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'docs', 'deploy-plan-runbook.md');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(
      file,
      [
        '# Deploy',
        '',
        '## Deploy to planned',
        '<!-- env: planned -->',
        '```bash',
        '# Apply the migrations',
        'npx prisma migrate deploy',
        '```',
        '',
      ].join('\n'),
    );
    const history = (): Promise<string> =>
      pg.psql('SELECT count(*), count(finished_at), max(migration_name) FROM _prisma_migrations', dbName);
    try {
      const session = await service.open(vscode.Uri.file(file));
      assert.ok(session);
      const step = session.runbook.sections.flatMap((s) => s.steps).find((s) => s.title === 'Apply the migrations');
      assert.ok(step);
      const before = await history();
      const result = await session.runStep(step.id);
      assert.equal(result.status, 'refused', JSON.stringify(result));
      assert.match(
        result.status === 'refused' ? (result.message ?? '') : '',
        /^Deploy to planned refused: not every pending migration can be deployed there\. Nothing was executed\.\n✓ \S+ — to mark as applied: the database already has every change it makes/,
      );
      assert.equal(await history(), before, 'the refused step wrote nothing');
    } finally {
      service.panel(vscode.Uri.file(file))?.dispose();
      await fs.rm(file, { force: true });
    }
  });
});
