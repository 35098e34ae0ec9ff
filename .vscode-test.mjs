// @vscode/test-cli configuration for `npm run test:desktop` (contributors with internet: it downloads a
// desktop VS Code). Runs the same suite as the offline harness (test/harness/runIntegration.mjs runs it inside
// code-server), in the same two passes: out/test/integration/*.test.js on a fresh copy of demo/, then
// out/test/integration/multiRoot/ on the multi-root .code-workspace the harness builds (`--label` picks one).
//   VSCODE_TEST_VERSION=1.93.0 npm run test:desktop   → the oldest VS Code package.json's engines allow
import { defineConfig } from '@vscode/test-cli';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareMultiRoot } from './test/harness/lib.mjs';

const root = import.meta.dirname;
const workspace = path.join(os.tmpdir(), 'prisma-drift-guard-desktop-tests', 'demo');
fs.rmSync(path.dirname(workspace), { recursive: true, force: true });
fs.cpSync(path.join(root, 'demo'), workspace, { recursive: true });

const common = {
  version: process.env.VSCODE_TEST_VERSION ?? 'stable',
  extensionDevelopmentPath: root,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  mocha: { ui: 'bdd', timeout: 60_000 },
};

export default defineConfig([
  { ...common, label: 'integration', files: 'out/test/integration/*.test.js', workspaceFolder: workspace },
  {
    ...common,
    label: 'integration-multi-root',
    files: 'out/test/integration/multiRoot/**/*.test.js',
    workspaceFolder: prepareMultiRoot(path.dirname(workspace)),
  },
]);
