/**
 * The right action for each drifted object (issue 12), in a real extension host against the harness's real
 * PostgreSQL: the demo's `local` database (its .env) got the invoicing tables and the users columns with db push.
 * Each of those 7 objects is ONE Problems entry naming `local` (not a schema entry plus a `[local]` one), with
 * "Create baseline including this change (already in local)". A field typed in the schema that no database has
 * is a new change: "Create migration", which writes a migration of that field alone, verified on the shadow, and
 * records it nowhere (asserted on the database with SQL).
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { prepareProdLike } from '../fixtures/demoDatabase';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { driftDiagnostics, waitFor, requireServices } from './helpers/wait';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

/** Every drift diagnostic of the workspace (schema and migration files alike). */
function allDriftDiagnostics(): Array<[vscode.Uri, vscode.Diagnostic]> {
  return vscode.languages
    .getDiagnostics()
    .flatMap(([uri, list]) =>
      list.filter((d) => d.source === 'Prisma Drift Guard').map((d): [vscode.Uri, vscode.Diagnostic] => [uri, d]),
    );
}

describe('drift actions: db push drift vs a new change', function () {
  this.timeout(240_000);
  let pg: PostgresFixture;
  let dbName: string;
  let schemaUri: vscode.Uri;
  let schemaText: string;
  const envFile = (): string => path.join(workspaceRoot(), '.env');
  const migrationsDir = (): string => path.join(workspaceRoot(), 'prisma', 'migrations');
  let existing: string[] = [];

  before(async function () {
    requireServices(POSTGRES_ENV);
    pg = await sharedPostgres();
    dbName = `dg_actions_${randomBytes(3).toString('hex')}`;
    await prepareProdLike(await pg.createDatabase(dbName));
    schemaUri = vscode.Uri.file(path.join(workspaceRoot(), 'prisma', 'schema.prisma'));
    schemaText = await fs.readFile(schemaUri.fsPath, 'utf8');
    existing = (await fs.readdir(migrationsDir())).sort();
    await fs.writeFile(envFile(), `DATABASE_URL="postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}"\n`);
  });

  after(async () => {
    if (!pg) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === schemaUri.toString());
    if (doc && (doc.isDirty || doc.getText() !== schemaText)) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), schemaText);
      await vscode.workspace.applyEdit(edit);
      await doc.save();
    }
    await fs.writeFile(schemaUri.fsPath, schemaText);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const folder of (await fs.readdir(migrationsDir())).filter((f) => !existing.includes(f))) {
      await fs.rm(path.join(migrationsDir(), folder), { recursive: true, force: true });
    }
    await fs.rm(envFile(), { force: true });
    await fs.rm(path.join(workspaceRoot(), '.drift-guard'), { recursive: true, force: true });
    await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('a db-pushed object is one Problems entry naming the database that has it, with the baseline quick fix', async () => {
    await vscode.window.showTextDocument(schemaUri);
    const entries = await waitFor(
      '7 drift entries, each naming local',
      () => {
        const all = allDriftDiagnostics();
        return all.length === 7 && all.every(([, d]) => d.message.includes('already in local (db push)'))
          ? all
          : undefined;
      },
      120_000,
    );
    assert.ok(
      entries.every(([uri]) => uri.toString() === schemaUri.toString()),
      'all on schema.prisma, none as a separate [local] entry',
    );
    const [, activated] = entries.find(([, d]) => d.message.includes('`User.activatedAt`'))!;
    assert.equal(
      activated.message,
      '`User.activatedAt` (column users.activatedAt) is not created by any migration — already in local (db push): create a baseline including it',
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      schemaUri,
      activated.range,
    );
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Create baseline including this change (already in local)'), titles.join(' | '));
    assert.ok(!titles.includes('Create migration'), titles.join(' | '));
  });

  it('a field just typed is a new change: Create migration writes it alone, verified, and records it nowhere', async () => {
    const editor = await vscode.window.showTextDocument(schemaUri);
    const userLine = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => /^model User \{/.test(l));
    await editor.edit((b) => b.insert(new vscode.Position(userLine + 1, 0), '  nickname String?\n'));
    const nickname = await waitFor('the new field as a new change', () =>
      driftDiagnostics(schemaUri).find((d) => d.message.includes('`User.nickname`')),
    );
    assert.equal(
      nickname.message,
      '`User.nickname` (column users.nickname) is not created by any migration — in no checked database (local): a new change, create a migration',
    );
    assert.equal(allDriftDiagnostics().length, 8, 'the 7 db-pushed objects and the new field, each once');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      schemaUri,
      nickname.range,
    );
    const create = actions.find((a) => a.title === 'Create migration');
    assert.ok(create?.command, actions.map((a) => a.title).join(' | '));
    assert.ok(!actions.some((a) => a.title.startsWith('Create baseline')), 'no baseline for a change no database has');
    assert.deepEqual(create.command.arguments?.[1], ['User.nickname']);

    // The quick fix's command, with the name given (the input box is the only thing not exercised here).
    const result = await vscode.commands.executeCommand<
      { created: boolean; migrationName: string; sqlPath: string; verified: boolean } | undefined
    >(create.command.command, ...((create.command.arguments ?? []) as unknown[]), 'add_user_nickname');
    assert.ok(result?.created, 'a migration was written');
    assert.equal(result.verified, true);
    assert.match(result.migrationName, /^\d{14}_add_user_nickname$/);
    const sql = await fs.readFile(result.sqlPath, 'utf8');
    assert.match(sql, /ALTER TABLE "users" ADD COLUMN\s+"nickname" TEXT;/);
    assert.doesNotMatch(sql, /invoices|activatedAt/, 'only the selected object, not the db-pushed ones');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, result.sqlPath, 'opened for review');
    assert.equal(
      vscode.workspace.textDocuments.find((d) => d.uri.fsPath === schemaUri.fsPath)?.isDirty,
      false,
      'the typed field was saved first',
    );
    // The new field's entry goes; the db-pushed objects stay, still naming local.
    await waitFor(
      'the new field to be in a migration',
      () => {
        const all = allDriftDiagnostics();
        return all.length === 7 && all.every(([, d]) => d.message.includes('already in local')) ? all : undefined;
      },
      120_000,
    );
    // Recorded nowhere, applied nowhere.
    assert.equal(
      (
        await pg.psql(
          `SELECT count(*) FROM _prisma_migrations WHERE migration_name = '${result.migrationName}'`,
          dbName,
        )
      ).trim(),
      '0',
    );
    assert.equal(
      (
        await pg.psql(
          "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'",
          dbName,
        )
      ).trim(),
      '0',
    );
  });
});
