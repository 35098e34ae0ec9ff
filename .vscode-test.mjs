// @vscode/test-cli configuration for `npm run test:desktop` (contributors with internet: it downloads a
// desktop VS Code). Runs the same suite as the offline harness (test/harness/runIntegration.mjs runs it inside
// code-server): out/test/integration/**/*.test.js, on a fresh copy of demo/.
//   VSCODE_TEST_VERSION=1.93.0 npm run test:desktop   → the oldest VS Code package.json's engines allow
import { defineConfig } from '@vscode/test-cli';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = import.meta.dirname;
const workspace = path.join(os.tmpdir(), 'prisma-drift-guard-desktop-tests', 'demo');
fs.rmSync(path.dirname(workspace), { recursive: true, force: true });
fs.cpSync(path.join(root, 'demo'), workspace, { recursive: true });

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/**/*.test.js',
  version: process.env.VSCODE_TEST_VERSION ?? 'stable',
  extensionDevelopmentPath: root,
  workspaceFolder: workspace,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  mocha: { ui: 'bdd', timeout: 60_000 },
});
