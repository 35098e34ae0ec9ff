/**
 * Entry point of the integration suite inside a real VS Code extension host: code-server's (loaded through
 * `developmentOptions.extensionTestsPath` by test/harness/runIntegration.mjs) or a desktop VS Code's
 * (`--extensionTestsPath`). Runs out/test/integration/**\/*.test.js with mocha (BDD): in a multi-root
 * workspace (a `.code-workspace`) those of multiRoot/, in the demo folder under the French display language those
 * of fr/, in the demo folder all the others.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

/** Folder of the tests that run in the multi-root workspace (and only there). */
const MULTI_ROOT_DIR = 'multiRoot';

/** Folder of the tests that run under the French display language (and only there). */
const FRENCH_DIR = 'fr';

/** Prefix of the lines the harness prints from the extension host's console (the rest is workbench noise). */
export const OUTPUT_PREFIX = '[integration] ';
/** Prefix of the one line that carries the counts, as JSON. */
export const RESULT_PREFIX = '[integration:result] ';

function testFiles(dir: string): string[] {
  const multiRoot = vscode.workspace.workspaceFile !== undefined;
  const french = vscode.env.language.startsWith('fr');
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(
      (file) =>
        file.endsWith('.test.js') &&
        file.startsWith(MULTI_ROOT_DIR + path.sep) === multiRoot &&
        file.startsWith(FRENCH_DIR + path.sep) === french,
    )
    .sort()
    .map((file) => path.join(dir, file));
}

/** Runs the suite; resolves when every test passed, rejects otherwise (VS Code then exits with code 1). */
export async function run(): Promise<void> {
  // Each reporter line is prefixed so the harness can tell it from the workbench's own log lines.
  const log = console.log.bind(console);
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
    for (const line of format(...args).split('\n')) log(`${OUTPUT_PREFIX}${line}`);
  };
  const grep = process.env.DRIFT_GUARD_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', ...(grep ? { grep } : {}) });
  for (const file of testFiles(__dirname)) mocha.addFile(file);
  await mocha.loadFilesAsync();
  const stats = await new Promise<Mocha.Stats>((resolve) => {
    const runner = mocha.run(() =>
      resolve(
        runner.stats ?? {
          passes: 0,
          failures: 1,
          pending: 0,
          tests: 0,
          suites: 0,
          start: new Date(),
          end: new Date(),
          duration: 0,
        },
      ),
    );
  });
  log(`${RESULT_PREFIX}${JSON.stringify({ passes: stats.passes, failures: stats.failures, pending: stats.pending })}`);
  if (stats.failures > 0) throw new Error(`${stats.failures} integration test(s) failed`);
  // A grep may select tests of the other workspace only; the harness checks that something ran overall.
  if (stats.passes === 0 && !grep) throw new Error('no integration test ran');
}
