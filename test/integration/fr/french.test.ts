/**
 * The French display language (code-server started with --locale fr by test/harness/runIntegration.mjs): messages
 * written by src/core (drift findings, guard rails), shown in the Problems panel, read in French like the
 * extension's own words around them.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../helpers/extension';
import { driftDiagnostics, waitFor } from '../helpers/wait';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

describe('French display language', function () {
  this.timeout(120_000);

  before(async () => {
    assert.equal(vscode.env.language, 'fr');
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  it('shows a drift diagnostic in French: the core finding and the action after it', async () => {
    const schemaUri = vscode.Uri.file(path.join(workspaceRoot(), 'prisma', 'schema.prisma'));
    await vscode.window.showTextDocument(schemaUri);
    const activated = await waitFor('the drift diagnostic of User.activatedAt', () =>
      driftDiagnostics(schemaUri).find((d) => d.message.includes('`User.activatedAt`')),
    );
    assert.equal(
      activated.message,
      "`User.activatedAt` (colonne users.activatedAt) n'est créé par aucune migration — aucune base vérifiée : traité comme un nouveau changement, créez une migration (si une base l'a déjà, vérifiez d'abord cette base)",
    );
    const invoice = driftDiagnostics(schemaUri).find((d) => d.message.includes('`Invoice`'));
    assert.match(
      invoice?.message ?? '',
      /^Modèle `Invoice` \(table invoices, avec .*\) n'est créé par aucune migration — /,
    );
  });

  it('shows a guard-rail finding of the migrations in French, its code unchanged', async () => {
    const sql = vscode.Uri.file(
      path.join(workspaceRoot(), 'prisma', 'migrations', '20260214_add_diagnostics_v2_columns', 'migration.sql'),
    );
    const dateOnly = await waitFor('the migration-date-only note', () =>
      vscode.languages
        .getDiagnostics(sql)
        .find((d) => (typeof d.code === 'object' ? d.code.value : d.code) === 'migration-date-only'),
    );
    assert.match(
      dateOnly.message,
      /^3 migrations du 20260214 \(.*\) ont une date mais pas d'heure\. Les 3 migrations de ce jour s'exécutent dans l'ordre alphabétique/,
    );
  });
});
