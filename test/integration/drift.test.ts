/**
 * Drift diagnostics on the demo workspace, asserted through the vscode API in a real extension
 * host: one diagnostic per drifted model/field at the declaration, live updates from the unsaved
 * buffer, and a migration folder with the missing SQL clearing them.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { EXTENSION_ID, extensionApi } from './helpers/extension';
import { driftDiagnostics, waitFor } from './helpers/wait';

const DRIFTED = [
  'User.activatedAt',
  'User.activationExpiry',
  'User.activationToken',
  'Invoice',
  'InvoiceItem',
  'InvoiceSequence',
  'InvoiceStatus',
];

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

/** 0-based line and character of the first match of `pattern` (a name at the start of a declaration). */
function declaration(text: string, pattern: RegExp, name: string): vscode.Range {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => pattern.test(l));
  assert.ok(line >= 0, `no line matches ${pattern}`);
  const character = lines[line].indexOf(name, lines[line].search(/\S/));
  return new vscode.Range(line, character, line, character + name.length);
}

/**
 * The text of the open drift SQL preview once it shows the drifted state (the CREATE TABLE of the
 * invoicing tables): a preview opened by an earlier test may still hold the content of another state.
 */
async function driftSqlPreview(): Promise<string> {
  const preview = await waitFor('the drift SQL preview of the drifted state', () =>
    vscode.workspace.textDocuments.find(
      (d) => d.uri.scheme === 'drift-guard-sql' && d.getText().includes('CREATE TABLE "invoices"'),
    ),
  );
  return preview.getText();
}

describe('drift diagnostics', function () {
  this.timeout(120_000);
  let schemaUri: vscode.Uri;
  let schemaText: string;

  before(async () => {
    schemaUri = vscode.Uri.file(path.join(workspaceRoot(), 'prisma', 'schema.prisma'));
    schemaText = await fs.readFile(schemaUri.fsPath, 'utf8');
    await vscode.window.showTextDocument(schemaUri);
  });

  afterEach(async () => {
    // Undo the test's edits for real: "revert and close" may only drop the dirty flag and leave the
    // edited text in a document VS Code hands back on the next open.
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === schemaUri.toString());
    if (doc && (doc.isDirty || doc.getText() !== schemaText)) {
      // Put the original text back and save it (the file on disk does not change).
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), schemaText);
      await vscode.workspace.applyEdit(edit);
      await doc.save();
      await waitFor(
        'the schema to be back to its original text',
        () => !doc.isDirty && doc.getText() === schemaText,
        10_000,
      );
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows one diagnostic per drifted model, field and enum, on its declaration', async () => {
    const diagnostics = await waitFor('7 drift diagnostics on schema.prisma', () => {
      const d = driftDiagnostics(schemaUri);
      return d.length === DRIFTED.length ? d : undefined;
    });
    const expected: Array<[string, vscode.Range]> = [
      ['User.activatedAt', declaration(schemaText, /^\s+activatedAt\s/, 'activatedAt')],
      ['User.activationExpiry', declaration(schemaText, /^\s+activationExpiry\s/, 'activationExpiry')],
      ['User.activationToken', declaration(schemaText, /^\s+activationToken\s/, 'activationToken')],
      ['Invoice', declaration(schemaText, /^model Invoice \{/, 'Invoice')],
      ['InvoiceItem', declaration(schemaText, /^model InvoiceItem \{/, 'InvoiceItem')],
      ['InvoiceSequence', declaration(schemaText, /^model InvoiceSequence \{/, 'InvoiceSequence')],
      ['InvoiceStatus', declaration(schemaText, /^enum InvoiceStatus \{/, 'InvoiceStatus')],
    ];
    for (const [label, range] of expected) {
      const found = diagnostics.find((d) => d.message.includes(`\`${label}\``));
      assert.ok(found, `no diagnostic for ${label}: ${diagnostics.map((d) => d.message).join(' | ')}`);
      assert.ok(
        found.range.isEqual(range),
        `${label}: range ${JSON.stringify(found.range)} instead of ${JSON.stringify(range)}`,
      );
      assert.equal(found.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(typeof found.code === 'object' ? found.code.value : found.code, 'schema-drift');
    }
    const activated = diagnostics.find((d) => d.message.includes('`User.activatedAt`'))!;
    // No database in this workspace: nothing says a database has it, and the message says so.
    assert.equal(
      activated.message,
      '`User.activatedAt` (column users.activatedAt) is not created by any migration — no database checked: treated as a new change, create a migration (if a database already has it, check that database first)',
    );
  });

  it('follows the unsaved buffer: removing a drifted field removes its diagnostic', async () => {
    const editor = await vscode.window.showTextDocument(schemaUri);
    await waitFor('initial diagnostics', () => driftDiagnostics(schemaUri).length === DRIFTED.length);
    const line = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => /^\s+activationExpiry\s/.test(l));
    await editor.edit((b) => b.delete(new vscode.Range(line, 0, line + 1, 0)));
    assert.ok(editor.document.isDirty);
    const after = await waitFor('the activationExpiry diagnostic to go', () => {
      const d = driftDiagnostics(schemaUri);
      return d.length === DRIFTED.length - 1 ? d : undefined;
    });
    assert.ok(!after.some((d) => d.message.includes('activationExpiry')));
    // The other diagnostics follow the lines of the buffer, not of the file on disk.
    const token = after.find((d) => d.message.includes('`User.activationToken`'))!;
    assert.equal(editor.document.lineAt(token.range.start.line).text.trim().split(/\s+/)[0], 'activationToken');
  });

  it('offers quick fixes and CodeLenses on the drift', async () => {
    await waitFor('initial diagnostics', () => driftDiagnostics(schemaUri).length === DRIFTED.length);
    const activated = driftDiagnostics(schemaUri).find((d) => d.message.includes('`User.activatedAt`'))!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      schemaUri,
      activated.range,
    );
    const titles = actions.map((a) => a.title);
    // No database checked: both, the migration first (nothing says a database already has it).
    assert.ok(titles.includes('Create baseline including this change'), titles.join(' | '));
    assert.equal(actions.find((a) => a.title === 'Create migration')?.isPreferred, true, titles.join(' | '));
    assert.ok(titles.includes('Show SQL for this change'), titles.join(' | '));
    const lenses = await waitFor('the drift lenses', async () => {
      const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', schemaUri);
      return all.some((l) => l.command?.title.includes('7 drifted objects not in any migration')) ? all : undefined;
    });
    const datasourceLine = schemaText.split('\n').findIndex((l) => /^datasource db \{/.test(l));
    const summary = lenses.find((l) => l.command?.title.includes('7 drifted objects not in any migration'))!;
    assert.equal(summary.range.start.line, datasourceLine);
    assert.ok(
      lenses.some((l) => l.command?.title === 'Create baseline' && l.command.command === 'driftGuard.createBaseline'),
    );
    const userLine = schemaText.split('\n').findIndex((l) => /^model User \{/.test(l));
    assert.ok(
      lenses.some((l) => l.range.start.line === userLine && l.command?.title.includes('3 fields not in migrations')),
      lenses.map((l) => `${l.range.start.line}: ${l.command?.title ?? ''}`).join('\n'),
    );
  });

  it('counts drift as the CLI does: the same drifted objects in the CodeLens, the Problems panel and drift-guard check', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, 'the extension is installed');
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-count-cache-'));
    try {
      // The bundled CLI of the extension under test, on the same project folder, in a process of its own.
      const cli = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        execFile(
          process.execPath,
          [path.join(extension.extensionPath, 'dist', 'cli.js'), 'check', '--json'],
          {
            cwd: workspaceRoot(),
            env: { PATH: process.env.PATH, HOME: process.env.HOME, DRIFT_GUARD_CACHE_DIR: cacheDir },
            maxBuffer: 16 * 1024 * 1024,
          },
          (error, stdout, stderr) =>
            error && typeof error.code !== 'number'
              ? reject(new Error(error.message))
              : resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
        );
      });
      assert.equal(cli.code, 1, cli.stderr);
      const report = JSON.parse(cli.stdout) as { schemaVsMigrations: { objects: number; items: unknown[] } };
      const objects = report.schemaVsMigrations.objects;
      assert.ok(
        objects > 0 && objects < report.schemaVsMigrations.items.length,
        `${objects} objects from ${report.schemaVsMigrations.items.length} SQL statements`,
      );

      await waitFor('initial diagnostics', () => driftDiagnostics(schemaUri).length === DRIFTED.length);
      assert.equal(driftDiagnostics(schemaUri).length, objects, 'one diagnostic per drifted object the CLI counts');
      const lens = await waitFor('the summary lens', async () => {
        const all = await vscode.commands.executeCommand<vscode.CodeLens[]>(
          'vscode.executeCodeLensProvider',
          schemaUri,
        );
        return all.find((l) => / drifted objects? not in any migration/.test(l.command?.title ?? ''));
      });
      assert.match(
        lens.command!.title,
        new RegExp(`\\b${objects} drifted objects not in any migration`),
        lens.command!.title,
      );
    } finally {
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('shows an invalid schema as one error at its line, and recovers', async () => {
    const editor = await vscode.window.showTextDocument(schemaUri);
    await waitFor('initial diagnostics', () => driftDiagnostics(schemaUri).length === DRIFTED.length);
    const line = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => /^\s+activatedAt\s/.test(l));
    const typeStart = editor.document.lineAt(line).text.indexOf('DateTime');
    await editor.edit((b) =>
      b.replace(new vscode.Range(line, typeStart, line, typeStart + 'DateTime'.length), 'DateTme'),
    );
    const failed = await waitFor('the drift check failure', () => {
      const d = driftDiagnostics(schemaUri).filter((x) => x.severity === vscode.DiagnosticSeverity.Error);
      return d.length === 1 ? d[0] : undefined;
    });
    assert.match(failed.message, /^Drift check failed: .*DateTme/);
    assert.equal(failed.range.start.line, line);
    // Said where it is: the line, not the absolute path of the file the diagnostic is already in.
    assert.ok(!failed.message.includes(schemaUri.fsPath), failed.message);
    assert.match(failed.message, new RegExp(`\\(line ${line + 1}\\): Type "DateTme"`));
    // The summary CodeLens has room for the error itself once the path is gone.
    const lens = await waitFor('the failed-check CodeLens', async () => {
      const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', schemaUri);
      return all.find((l) => l.command?.title.includes('Drift check failed'));
    });
    assert.match(lens.command?.title ?? '', /Drift check failed: Invalid Prisma schema \(line \d+\): Type "DateTme"/);
    await editor.edit((b) =>
      b.replace(new vscode.Range(line, typeStart, line, typeStart + 'DateTme'.length), 'DateTime'),
    );
    await waitFor('the drift diagnostics to come back', () => {
      const d = driftDiagnostics(schemaUri);
      return d.length === DRIFTED.length && d.every((x) => x.severity === vscode.DiagnosticSeverity.Warning);
    });
  });

  it('an invalid schema saved to disk (auto save saves every pause) is an error at its line, not a popup; Check Drift Now still says it', async () => {
    const api = await extensionApi();
    await waitFor('initial diagnostics', () => driftDiagnostics(schemaUri).length === DRIFTED.length);
    // No editor on the schema: only the save (the file watcher) triggers the check, not the typing timer.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const before = api.analysis.notifications.length;
    await fs.writeFile(schemaUri.fsPath, schemaText.replace(/^(\s+activatedAt\s+)DateTime/m, '$1DateTiem'));
    try {
      // The diagnostic and the popup decision come from the same failed check: once the one is there, so is the other.
      const failed = await waitFor('the saved schema to fail the check', () =>
        driftDiagnostics(schemaUri).find(
          (d) => d.severity === vscode.DiagnosticSeverity.Error && d.message.includes('DateTiem'),
        ),
      );
      assert.equal(
        failed.range.start.line,
        schemaText.split('\n').findIndex((l) => /^\s+activatedAt\s/.test(l)),
      );
      assert.deepEqual(
        api.analysis.notifications.slice(before),
        [],
        'no popup for an error the Problems panel shows at its line',
      );
      await vscode.commands.executeCommand('driftGuard.checkDriftNow');
      const asked = api.analysis.notifications.slice(before);
      assert.equal(asked.length, 1, asked.join(' | '));
      assert.match(asked[0], /DateTiem/);
    } finally {
      await fs.writeFile(schemaUri.fsPath, schemaText);
    }
    await waitFor('the drift diagnostics to come back', () => {
      const d = driftDiagnostics(schemaUri);
      return d.length === DRIFTED.length && d.every((x) => x.severity === vscode.DiagnosticSeverity.Warning);
    });
  });

  it('clears when a migration folder with the missing SQL is added', async () => {
    await waitFor('initial diagnostics', () => driftDiagnostics(schemaUri).length === DRIFTED.length);
    // The SQL the migrations lack, as the extension previews it (read-only document).
    await vscode.commands.executeCommand('driftGuard.showDriftSql', path.dirname(path.dirname(schemaUri.fsPath)));
    // An open preview follows the analysis asynchronously (the provider's change event, then VS Code asks
    // again): wait for the content of the drifted state, not a document left from an earlier state.
    const sql = await driftSqlPreview();
    assert.match(sql, /CREATE TABLE "invoices"/);
    const folder = path.join(workspaceRoot(), 'prisma', 'migrations', '20260301000000_add_invoicing');
    await fs.mkdir(folder);
    try {
      await fs.writeFile(path.join(folder, 'migration.sql'), sql);
      await waitFor('every drift diagnostic to clear', () => driftDiagnostics(schemaUri).length === 0);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
    await waitFor(
      'the diagnostics to come back once the folder is gone',
      () => driftDiagnostics(schemaUri).length === DRIFTED.length,
    );
  });

  it('Create Baseline from Draft: a draft that fails on the shadow is refused and kept, migrations untouched; the completed draft is verified and installed', async () => {
    await waitFor('initial diagnostics', () => driftDiagnostics(schemaUri).length === DRIFTED.length);
    const root = path.dirname(path.dirname(schemaUri.fsPath));
    await vscode.commands.executeCommand('driftGuard.showDriftSql', root);
    const sql = await driftSqlPreview();
    const migrations = path.join(root, 'prisma', 'migrations');
    const before = (await fs.readdir(migrations)).sort();
    const draftDir = path.join(root, '.drift-guard', 'drafts', '20260301000000_from_draft');
    const draft = path.join(draftDir, 'migration.sql');
    await fs.mkdir(draftDir, { recursive: true });
    const installed = path.join(migrations, '20260301000000_from_draft');
    try {
      const broken = `${sql}\nALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;\n`;
      await fs.writeFile(draft, broken);
      const refused = await vscode.commands.executeCommand(
        'driftGuard.createBaselineFromDraft',
        root,
        vscode.Uri.file(draft),
      );
      assert.equal(refused, undefined);
      assert.deepEqual((await fs.readdir(migrations)).sort(), before, 'nothing written to the migrations');
      assert.equal(await fs.readFile(draft, 'utf8'), broken, 'the draft is kept as it was');

      await fs.writeFile(draft, sql);
      const result = await vscode.commands.executeCommand<{ created: boolean; migrationName: string } | undefined>(
        'driftGuard.createBaselineFromDraft',
        root,
        vscode.Uri.file(draft),
      );
      assert.deepEqual([result?.created, result?.migrationName], [true, '20260301000000_from_draft']);
      assert.equal(await fs.readFile(path.join(installed, 'migration.sql'), 'utf8'), sql);
      assert.equal(
        await fs.stat(draftDir).catch(() => undefined),
        undefined,
        'the draft folder is gone once installed',
      );
      await waitFor('every drift diagnostic to clear', () => driftDiagnostics(schemaUri).length === 0);
    } finally {
      await fs.rm(installed, { recursive: true, force: true });
      await fs.rm(path.join(root, '.drift-guard'), { recursive: true, force: true });
    }
    await waitFor('the diagnostics to come back', () => driftDiagnostics(schemaUri).length === DRIFTED.length);
  });
});
