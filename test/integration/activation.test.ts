/**
 * The extension activates by itself on the demo workspace, and package.json's commands match the
 * registered ones both ways (the check the foundation issue asks for).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import { extensionApi } from './helpers/extension';
import { waitFor } from './helpers/wait';

const EXTENSION_ID = 'prisma-drift-guard.prisma-drift-guard';
const COMMAND_PREFIX = 'driftGuard.';

interface Manifest {
  contributes?: { commands?: { command: string }[]; views?: Record<string, { id: string }[]> };
}

describe('activation', () => {
  let extension: vscode.Extension<unknown>;

  before(() => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is not loaded`);
    extension = found;
  });

  it('opens the demo workspace', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, `workspace folders: ${folders.map((f) => f.uri.toString()).join(', ')}`);
    assert.match(folders[0].uri.path, /\/demo$/);
  });

  it('activates by itself on the demo workspace (workspaceContains)', async () => {
    // No extension.activate() here: the activation events must do it.
    await waitFor(`${EXTENSION_ID} to activate`, () => extension.isActive, 30_000);
  });

  it('registers every command declared in package.json, and declares every driftGuard.* command it registers', async () => {
    await waitFor(`${EXTENSION_ID} to activate`, () => extension.isActive, 30_000);
    const declared = ((extension.packageJSON as Manifest).contributes?.commands ?? []).map((c) => c.command).sort();
    assert.ok(declared.length > 0, 'package.json declares no command');
    const registered = new Set(await vscode.commands.getCommands(true));
    const notRegistered = declared.filter((id) => !registered.has(id));
    assert.deepEqual(notRegistered, [], 'declared in package.json contributes.commands but not registered');
    // VS Code registers `<viewId>.focus`, `.open`, `.toggleVisibility`… for every contributed view.
    const views = Object.values((extension.packageJSON as Manifest).contributes?.views ?? {}).flatMap((list) =>
      list.map((v) => `${v.id}.`),
    );
    const notDeclared = [...registered]
      .filter((id) => id.startsWith(COMMAND_PREFIX) && !declared.includes(id) && !views.some((v) => id.startsWith(v)))
      .sort();
    assert.deepEqual(notDeclared, [], 'registered but not declared in package.json contributes.commands');
  });

  it('runs "Show Project Summary" without error', async () => {
    await vscode.commands.executeCommand('driftGuard.showProjectSummary');
  });

  it('gives other extensions no exports outside a test run: no service, no stored URL or SSH password', async () => {
    const api = await extensionApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    await api.environments.storeSecret(folder, 'exports-probe', 'sshPassword', 'pw-other-extensions-must-not-see');
    try {
      // In this test run the hooks are there (that is how these tests reach the services)…
      assert.ok(typeof api.environments.storeSecret === 'function');
      // …and the shipped bundle's own decision gives nothing to anyone in any other mode.
      const bundle = (await import(path.join(extension.extensionPath, 'dist', 'extension.js'))) as {
        extensionExports(mode: vscode.ExtensionMode, api: DriftGuardApi): unknown;
      };
      for (const mode of [vscode.ExtensionMode.Production, vscode.ExtensionMode.Development]) {
        const seen = bundle.extensionExports(mode, api);
        assert.equal(seen, undefined, `mode ${vscode.ExtensionMode[mode]}`);
      }
    } finally {
      await api.environments.deleteSecrets(folder, 'exports-probe');
    }
  });
});
