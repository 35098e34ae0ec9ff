import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../../src/extension';

export const EXTENSION_ID = 'prisma-drift-guard.prisma-drift-guard';

/** The extension's API (the real extension installed in this VS Code), activating it when it is not yet. */
export async function extensionApi(): Promise<DriftGuardApi> {
  const extension = vscode.extensions.getExtension<DriftGuardApi | undefined>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  const api = extension.isActive ? extension.exports : await extension.activate();
  assert.ok(api, 'the extension exports its test hooks only in a test run (ExtensionMode.Test)');
  return api;
}
