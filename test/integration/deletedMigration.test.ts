/**
 * Issue 13: an applied migration deleted while a later one builds on it, in a real extension host against the
 * harness's real PostgreSQL. A second project in the workspace (test/fixtures/deletedMigrationProject: 2 creates
 * invoices, 3 alters it) whose `local` database has the three applied; its migration 2 folder is then deleted.
 * Before the fix the Migrations view said the database was "unreachable" and kept one error row, and the schema said
 * "migration 3 failed on the shadow database". Now: `applied-migration-deleted` from the database's own record, the
 * rows and the ghost row stay, the database is not unreachable, and the drift says why it is not computed.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import {
  type EnvironmentNode,
  type MessageNode,
  type MigrationNode,
  summarize,
} from '../../src/features/migrations/treeDataProvider';
import {
  allAppliedSql,
  deleteInvoicesMigration,
  DM_INIT,
  DM_INVOICES,
  DM_STATUS,
  writeDeletedMigrationProject,
} from '../fixtures/deletedMigrationProject';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { extensionApi } from './helpers/extension';
import { waitFor, requireServices } from './helpers/wait';

describe('an applied migration deleted that a later one builds on (issue 13)', function () {
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

  before(async function () {
    requireServices(POSTGRES_ENV);
    api = await extensionApi();
    pg = await sharedPostgres();
    dbName = `dg_deleted_${randomBytes(3).toString('hex')}`;
    const url = await pg.createDatabase(dbName);
    await pg.psql(allAppliedSql(), dbName);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    dir = path.join(folder.uri.fsPath, 'deleted-migration');
    writeDeletedMigrationProject(url, dir);
    // Check Drift Now discovers the projects again, then checks everything.
    await vscode.commands.executeCommand('driftGuard.checkDriftNow');
    await waitFor(
      'its history, in sync',
      () => {
        const node = root();
        return (
          (node?.result?.history?.migrations.length === 3 && !node.running && node.result.findings?.length === 0) ||
          undefined
        );
      },
      120_000,
    );
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('keeps the rows and the ghost row, is not unreachable, reports applied-migration-deleted and says why the drift is not computed', async () => {
    deleteInvoicesMigration(dir);
    // The file watcher may or may not see a folder deleted under a project found moments ago: check as the user would.
    await vscode.commands.executeCommand('driftGuard.checkDriftNow');
    const node = await waitFor(
      'the database re-read without the folder',
      () => {
        const n = root();
        return n?.result?.history?.migrations.some((m) => m.name === DM_INVOICES && m.state === 'missingLocally') &&
          !n.running
          ? n
          : undefined;
      },
      120_000,
    );
    const result = node.result!;
    assert.equal(result.error, undefined, `not an error of the database: ${result.error?.message ?? ''}`);
    assert.doesNotMatch(summarize(result), /unreachable/);
    assert.match(summarize(result), /drift not computed/);

    const children = api.migrationsTree.getChildren(node);
    const rows = children
      .filter((c): c is MigrationNode => c.kind === 'migration')
      .map((c) => [c.status.name, c.status.state]);
    assert.deepEqual(rows, [
      [DM_INIT, 'applied'],
      [DM_INVOICES, 'missingLocally'],
      [DM_STATUS, 'applied'],
    ]);
    const blocked = children.find((c): c is MessageNode => c.kind === 'message' && c.variant === 'blocked');
    assert.ok(blocked, JSON.stringify(children.map((c) => (c.kind === 'message' ? c.label : c.kind))));
    assert.match(
      blocked.label,
      /^Drift not computed: the migration history cannot be replayed without 20260102000000_invoices \(deleted here, but local recorded it as applied\), and 20260103000000_invoice_status builds on it\. Restore it from git\./,
    );
    const item = api.migrationsTree.getTreeItem(blocked);
    assert.deepEqual(
      [item.command?.command, item.command?.arguments?.[1]],
      ['driftGuard.restoreMigrationFromGit', DM_INVOICES],
    );

    // The guard rail, from the database's record (no git tracks this folder).
    await waitFor(
      'applied-migration-deleted',
      () =>
        api.guardRails.service
          .findings(node.project.root)
          .some((f) => f.code === 'applied-migration-deleted' && f.migration === DM_INVOICES) || undefined,
      60_000,
    );

    // The schema: why, on migration 3, not "failed on the shadow database".
    const sql = vscode.Uri.file(path.join(dir, 'prisma', 'migrations', DM_STATUS, 'migration.sql'));
    const diagnostic = await waitFor(
      'the schema check’s explanation',
      () => vscode.languages.getDiagnostics(sql).find((d) => d.source === 'Prisma Drift Guard'),
      120_000,
    );
    assert.match(diagnostic.message, /^Drift not computed: .*without 20260102000000_invoices/);
    assert.doesNotMatch(diagnostic.message, /failed on the shadow database/);
  });
});
