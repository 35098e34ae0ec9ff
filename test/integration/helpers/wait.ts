import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor as pollFor } from '../../fixtures/util';

/**
 * Polls `probe` until it returns a value that is not undefined/false; fails with `what` after `timeoutMs`. The same
 * poll as the unit tests' (test/fixtures/util.ts), with the timeout as a number and a longer default for the UI.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  try {
    return await pollFor(what, probe, { timeoutMs });
  } catch (error) {
    assert.fail(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Fails (never skips) when the harness did not start the real services a suite needs: a suite that skips proves
 * nothing, and `npm test` always starts them (test/harness/lib.mjs).
 */
export function requireServices(...variables: string[]): void {
  const missing = variables.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    assert.fail(
      `This suite needs ${missing.join(' and ')} (real PostgreSQL 15 / sshd): run it through node test/harness/runIntegration.mjs, which starts them.`,
    );
  }
}

/** The extension's diagnostics on a file. */
export function driftDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Prisma Drift Guard');
}
