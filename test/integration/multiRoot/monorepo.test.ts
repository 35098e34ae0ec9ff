/**
 * A multi-root workspace (opened by the harness from a `.code-workspace`): a monorepo folder with two Prisma
 * projects (`apps/a`, `apps/b`: different schemas, migrations and drift; test/fixtures/projects/monorepo) and a
 * second folder with a multi-file Prisma 7 project (blog-multifile, in sync). Each schema is analysed on its
 * own: its diagnostics, its rows in the Migrations view (databases on the harness's real PostgreSQL); a new
 * migration in one project re-analyses that project only; a project folder deleted takes its diagnostics
 * and rows with it.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../../src/extension';
import { type ProjectAnalysis } from '../../../src/features/drift/analysisService';
import { type EnvironmentNode, type MessageNode } from '../../../src/features/migrations/treeDataProvider';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../../fixtures/postgres';
import { extensionApi } from '../helpers/extension';
import { driftDiagnostics, waitFor, requireServices } from '../helpers/wait';

function folder(index: number): string {
  const folders = vscode.workspace.workspaceFolders ?? [];
  assert.equal(folders.length, 2, 'the multi-root workspace has two folders');
  return folders[index].uri.fsPath;
}

function messages(uri: vscode.Uri): string[] {
  return driftDiagnostics(uri).map((d) => d.message);
}

function rootItems(
  api: DriftGuardApi,
): Array<{ node: EnvironmentNode | MessageNode; label: string; description: string }> {
  return api.migrationsTree.getChildren().flatMap((node) => {
    if (node.kind !== 'environment' && node.kind !== 'message') return [];
    const item = api.migrationsTree.getTreeItem(node);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    return [{ node, label, description: String(item.description ?? '') }];
  });
}

function environmentRow(api: DriftGuardApi, label: string): EnvironmentNode | undefined {
  const found = rootItems(api).find((r) => r.label === label)?.node;
  return found?.kind === 'environment' ? found : undefined;
}

describe('multi-root workspace with a monorepo', function () {
  this.timeout(240_000);
  let api: DriftGuardApi;
  let pg: PostgresFixture;
  const databases: string[] = [];
  const root = (name: 'a' | 'b'): string => path.join(folder(0), 'apps', name);
  const schemaUri = (name: 'a' | 'b'): vscode.Uri => vscode.Uri.file(path.join(root(name), 'prisma', 'schema.prisma'));
  const blogRoot = (): string => folder(1);

  before(async () => {
    requireServices(POSTGRES_ENV);
    api = await extensionApi();
    pg = await sharedPostgres();
    // One database per project, given to each through its own .env.
    const suffix = randomBytes(3).toString('hex');
    for (const name of ['a', 'b'] as const) {
      const db = `dg_multi_${name}_${suffix}`;
      const url = await pg.createDatabase(db);
      databases.push(db);
      await fs.writeFile(path.join(root(name), '.env'), `DATABASE_URL="${url}"\n`);
    }
  });

  after(async () => {
    for (const name of databases) await pg.dropDatabase(name).catch(() => undefined);
  });

  it('analyses each schema on its own: its diagnostics and its rows', async () => {
    const a = await waitFor('the drift of app-a on its schema', () => {
      const m = messages(schemaUri('a'));
      return m.length === 1 ? m : undefined;
    });
    assert.match(a[0], /^`Post\.subtitle` \(column Post\.subtitle\) is not created by any migration/);
    const b = await waitFor('the drift of app-b on its schema', () => {
      const m = messages(schemaUri('b'));
      return m.length === 2 ? m : undefined;
    });
    assert.ok(
      b.some((m) => /^`Author\.email` \(column Author\.email\) is not created by any migration/.test(m)),
      b.join(' | '),
    );
    assert.ok(
      b.some((m) => /^Model `Book` \(table Book\) is not created by any migration/.test(m)),
      b.join(' | '),
    );
    // The second folder's project is analysed too, and is in sync.
    const blog = await waitFor('the analysis of the blog project', () => api.analysis.get(blogRoot())?.schema);
    assert.equal(blog.findings.length, 0);
    for (const file of ['main.prisma', 'blog.prisma']) {
      assert.deepEqual(messages(vscode.Uri.file(path.join(blogRoot(), 'prisma', 'schema', file))), []);
    }

    // One row per project's database, named after its project, with its own history.
    const rowA = await waitFor('local · app-a checked', () => {
      const node = environmentRow(api, 'local · app-a');
      return node?.result?.history && !node.running ? node : undefined;
    });
    const rowB = await waitFor('local · app-b checked', () => {
      const node = environmentRow(api, 'local · app-b');
      return node?.result?.history && !node.running ? node : undefined;
    });
    assert.equal(rowA.project.root, root('a'));
    assert.equal(rowB.project.root, root('b'));
    const rows = rootItems(api);
    assert.equal(rows.find((r) => r.label === 'local · app-a')?.description, 'development · 1 pending');
    assert.equal(rows.find((r) => r.label === 'local · app-b')?.description, 'development · 2 pending');
    assert.deepEqual(
      api.migrationsTree.getChildren(rowB).flatMap((n) => (n.kind === 'migration' ? [n.status.name] : [])),
      ['20250101000000_init', '20250102000000_author_name'],
    );
    assert.ok(
      rows.some((r) => r.node.kind === 'message' && r.label === 'blog-multifile-fixture: no database to show'),
      rows.map((r) => r.label).join(' | '),
    );
  });

  it('re-analyses only the project whose migrations changed', async () => {
    await waitFor(
      'every analysis to be done',
      () => api.analysis.all.length === 3 && api.analysis.all.every((a) => !a.running && !a.databasesRunning),
    );
    const events: ProjectAnalysis[] = [];
    const listening = api.analysis.onDidChangeAnalysis((a) => events.push(a));
    try {
      const migration = path.join(root('a'), 'prisma', 'migrations', '20250201000000_subtitle');
      await fs.mkdir(migration);
      await fs.writeFile(path.join(migration, 'migration.sql'), 'ALTER TABLE "Post" ADD COLUMN "subtitle" TEXT;\n');
      await waitFor('app-a without drift and with its new migration pending', () => {
        const row = rootItems(api).find((r) => r.label === 'local · app-a');
        return (
          messages(schemaUri('a')).length === 0 &&
          row?.node.kind === 'environment' &&
          !row.node.running &&
          row.description === 'development · 2 pending'
        );
      });
      assert.deepEqual([...new Set(events.map((e) => e.project.root))], [root('a')], 'app-a alone was analysed again');
      assert.equal(messages(schemaUri('b')).length, 2, 'app-b keeps its diagnostics');
    } finally {
      listening.dispose();
    }
  });

  it('drops the diagnostics and rows of a project folder that is deleted, and keeps the others', async () => {
    await fs.rm(root('b'), { recursive: true, force: true });
    await waitFor('the row of app-b to go', () => !rootItems(api).some((r) => r.label.endsWith(' · app-b')));
    await waitFor('the diagnostics of app-b to go', () => messages(schemaUri('b')).length === 0);
    assert.deepEqual(api.analysis.all.map((a) => a.project.name).sort(), ['app-a', 'blog-multifile-fixture']);
    assert.ok(environmentRow(api, 'local · app-a')?.result?.history, 'app-a keeps its row');
  });
});
