/**
 * Issue 13: next-step actions do not vanish with their toast. A baseline created earlier and not yet recorded on a
 * database that already has its objects (the deploy plan's `markApplied`) keeps "Mark as applied" in the Migrations
 * view (its row says so and offers no deploy) and in the CodeLens (its migration.sql and the schema), until it is
 * recorded there. Real extension host, real PostgreSQL; a second project in the workspace
 * (test/fixtures/baselineProject: 1_init applied, 2_baseline of what db push added, 3_refunds new).
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import { type EnvironmentNode, type MigrationNode } from '../../src/features/migrations/treeDataProvider';
import {
  BASELINE,
  initAppliedSql,
  INVOICES_SQL,
  NICKNAME_SQL,
  REFUNDS,
  writeBaselineProject,
} from '../fixtures/baselineProject';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { extensionApi } from './helpers/extension';
import { waitFor, requireServices } from './helpers/wait';

describe('next steps stay where the user finds them (issue 13)', function () {
  this.timeout(240_000);
  let api: DriftGuardApi;
  let pg: PostgresFixture;
  let dbName = '';
  let dir = '';

  const root = (): EnvironmentNode | undefined =>
    api.migrationsTree
      .getChildren()
      .find(
        (n): n is EnvironmentNode =>
          n.kind === 'environment' && n.project.root === dir && n.environment.name === 'local',
      );
  const rows = (node: EnvironmentNode): MigrationNode[] =>
    api.migrationsTree.getChildren(node).filter((c): c is MigrationNode => c.kind === 'migration');
  const lensTitles = async (file: string): Promise<string[]> => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      vscode.Uri.file(file),
    );
    return lenses.map((l) => l.command?.title ?? '');
  };

  before(async function () {
    requireServices(POSTGRES_ENV);
    api = await extensionApi();
    pg = await sharedPostgres();
    dbName = `dg_next_${randomBytes(3).toString('hex')}`;
    const url = await pg.createDatabase(dbName);
    // 1_init applied; what db push added (the baseline's objects) is there, not recorded.
    await pg.psql(initAppliedSql(INVOICES_SQL + NICKNAME_SQL), dbName);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    dir = writeBaselineProject(path.join(folder.uri.fsPath, 'next-steps'));
    // Prisma 6 layout: the URL in the schema, from .env.
    const schema = path.join(dir, 'prisma', 'schema.prisma');
    await fs.writeFile(
      schema,
      (await fs.readFile(schema, 'utf8')).replace(
        'provider = "postgresql"\n}',
        'provider = "postgresql"\n  url      = env("DATABASE_URL")\n}',
      ),
    );
    await fs.writeFile(
      path.join(dir, 'package.json'),
      '{ "name": "next-steps", "private": true, "devDependencies": { "prisma": "6.19.0" } }\n',
    );
    await fs.writeFile(path.join(dir, '.env'), `DATABASE_URL="${url}"\n`);
    await vscode.commands.executeCommand('driftGuard.checkDriftNow');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('"Mark as applied" on the baseline the database already has: its row, its migration.sql and the schema — until it is recorded', async () => {
    const node = await waitFor(
      'the plan of local',
      () => {
        const n = root();
        return n?.result?.markApplicable && !n.running ? n : undefined;
      },
      120_000,
    );
    assert.deepEqual(node.result?.markApplicable, [BASELINE], 'only the baseline: 3_refunds is new (apply)');
    const [baseline, refunds] = [BASELINE, REFUNDS].map((name) => rows(node).find((r) => r.status.name === name)!);
    const item = api.migrationsTree.getTreeItem(baseline);
    assert.equal(item.description, 'pending · already in local: mark as applied');
    assert.equal(
      item.contextValue,
      'driftGuard.migration.pending',
      'Mark Applied inline, no Deploy (it would fail, P3018)',
    );
    assert.equal(api.migrationsTree.getTreeItem(refunds).description, 'pending');

    const sql = path.join(dir, 'prisma', 'migrations', BASELINE, 'migration.sql');
    await vscode.window.showTextDocument(vscode.Uri.file(sql));
    const sqlLenses = await waitFor(
      'the migration.sql lens',
      async () => {
        const titles = await lensTitles(sql);
        return titles.some((t) => t.includes('Mark as applied on local — it already has every change'))
          ? titles
          : undefined;
      },
      30_000,
    );
    assert.ok(!sqlLenses.includes('Mark applied on local'), sqlLenses.join(' | '));
    const schema = path.join(dir, 'prisma', 'schema.prisma');
    await vscode.window.showTextDocument(vscode.Uri.file(schema));
    await waitFor(
      'the schema lens',
      async () =>
        (await lensTitles(schema)).some((t) => t.endsWith(`Mark ${BASELINE} as applied on local`)) || undefined,
      30_000,
    );

    // Recorded as applied (what Mark Applied writes): the next step is done, and goes.
    await pg.psql(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ('00000000-0000-4000-8000-000000000002', encode(sha256(convert_to('${(INVOICES_SQL + NICKNAME_SQL).replace(/'/g, "''")}', 'UTF8')), 'hex'), now(), '${BASELINE}', 0);`,
      dbName,
    );
    await vscode.commands.executeCommand('driftGuard.refreshMigrations');
    await waitFor(
      'the action to go',
      () => {
        const n = root();
        return (
          (n &&
            !n.running &&
            n.result?.history?.migrations.find((m) => m.name === BASELINE)?.state === 'applied' &&
            n.result.markApplicable === undefined) ||
          undefined
        );
      },
      120_000,
    );
    assert.ok(!(await lensTitles(schema)).some((t) => t.includes('as applied on local')));
  });
});

describe('a failed check’s notification goes when the check passes again (issue 13)', function () {
  this.timeout(240_000);
  let api: DriftGuardApi;
  let pg: PostgresFixture;
  const shadow = `dg_shadow_${randomBytes(3).toString('hex')}`;

  before(async function () {
    requireServices(POSTGRES_ENV);
    api = await extensionApi();
    pg = await sharedPostgres();
  });

  after(async () => {
    if (!api) return;
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('shadowDatabaseUrl', undefined, vscode.ConfigurationTarget.Workspace);
    await pg.dropDatabase(shadow).catch(() => undefined);
  });

  it('database down → the notification is shown; database back → it is withdrawn (a progress notification that ends)', async () => {
    // The shadow database the check needs does not exist yet: every schema check fails, with no line to show it at.
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('shadowDatabaseUrl', pg.url({ database: shadow }), vscode.ConfigurationTarget.Workspace);
    const before = api.analysis.notifications.length;
    await vscode.commands.executeCommand('driftGuard.checkDriftNow');
    const shown = await waitFor(
      'the failure notification',
      () =>
        api.analysis.notifications
          .slice(before)
          .find((m) => m.includes(shadow) && api.analysis.shownNotifications.includes(m)),
      120_000,
    );
    assert.ok(
      api.analysis.all.some((a) => a.schemaError),
      'the check failed',
    );

    await pg.createDatabase(shadow);
    await vscode.commands.executeCommand('driftGuard.checkDriftNow');
    await waitFor(
      'the notification to be withdrawn',
      () => !api.analysis.shownNotifications.includes(shown) || undefined,
      120_000,
    );
    assert.ok(
      api.analysis.all.every((a) => !a.schemaError),
      'the check passes again',
    );
  });
});
