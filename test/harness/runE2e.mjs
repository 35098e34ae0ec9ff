#!/usr/bin/env node
// e2e tier: installs the packaged extension (dist-vsix/prisma-drift-guard.vsix) into a fresh code-server,
// opens a copy of demo/, and runs the mocha files out/test/e2e/**/*.e2e.js, which drive the real UI with
// Debian's Chromium (test/e2e/helpers/workbench.ts). Screenshots and timings land in test-results/e2e/.
//
//   node test/harness/runE2e.mjs     (needs: setup.sh, npm run package, npm run compile-tests)
//   DRIFT_GUARD_TEST_GREP=pattern …  only tests matching pattern (mocha --grep: other files' hooks do not run)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CODE_SERVER_ENTRY,
  Cleanup,
  HarnessError,
  NODE24,
  RESULTS,
  ROOT,
  VSIX,
  copyDemo,
  ensureFixtures,
  ensureRunId,
  installVsix,
  killGroup,
  makeTempDir,
  prepareCodeServerDirs,
  requireCodeServer,
  requireFile,
  say,
  seconds,
  startCodeServer,
} from './lib.mjs';

const TIER = 'e2e';
const E2E_DIR = path.join(ROOT, 'out', 'test', 'e2e');
const MOCHA = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');

function e2eFiles() {
  if (!fs.existsSync(E2E_DIR)) return [];
  return fs
    .readdirSync(E2E_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.e2e.js'))
    .sort()
    .map((f) => path.join(E2E_DIR, f));
}

/** Runs mocha in its own process group (Chromium included), echoing its output; resolves with counts. */
function runMocha(files, env, cleanup) {
  return new Promise((resolve) => {
    const grep = process.env.DRIFT_GUARD_TEST_GREP ? ['--grep', process.env.DRIFT_GUARD_TEST_GREP] : [];
    const child = spawn(
      process.execPath,
      [MOCHA, '--reporter', 'spec', '--timeout', '180000', '--enable-source-maps', ...grep, ...files],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    cleanup.add('stop e2e mocha', () => killGroup(child.pid, 5_000));
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.once('close', (code, signal) => {
      const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(output)?.[1] ?? 0);
      resolve({
        exitCode: code ?? (signal ? 1 : 0),
        passes: count('passing'),
        failures: count('failing'),
        pending: count('pending'),
      });
    });
  });
}

async function main() {
  const started = Date.now();
  ensureRunId();
  requireCodeServer();
  requireFile(VSIX, 'run `npm run package` first');
  const files = e2eFiles();
  if (files.length === 0) throw new HarnessError('no out/test/e2e/**/*.e2e.js: run `npm run compile-tests` first');
  const resultsDir = path.join(RESULTS, TIER);
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });

  const cleanup = new Cleanup();
  let result = { exitCode: 1, passes: 0, failures: 0, pending: 0 };
  try {
    await ensureFixtures(cleanup, TIER);
    const base = makeTempDir('drift-guard-e2e-');
    cleanup.add('remove temp dir', () => fs.rmSync(base, { recursive: true, force: true }));
    // Keep VS Code's logs (the extension's "Prisma Drift Guard" channel included) with the results.
    cleanup.add('keep the logs', () =>
      fs.cpSync(path.join(base, 'user-data', 'logs'), path.join(resultsDir, 'logs'), { recursive: true }),
    );
    const dirs = prepareCodeServerDirs(base);
    const installMs = installVsix(dirs);
    say(TIER, `installed ${path.relative(ROOT, VSIX)} into code-server (${seconds(installMs)})`);
    const workspace = copyDemo(base);
    const server = await startCodeServer(dirs, { logFile: path.join(resultsDir, 'code-server.log'), cleanup });
    say(TIER, `code-server on ${server.authority}, workspace ${workspace}`);
    // How a test installs or removes another extension in this code-server (e.g. the Prisma extension's stand-in).
    const cli = {
      argv: [NODE24, CODE_SERVER_ENTRY, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions],
      xdg: dirs.xdg,
    };
    result = await runMocha(
      files,
      {
        DRIFT_GUARD_E2E_URL: server.url(workspace),
        DRIFT_GUARD_E2E_WORKSPACE: workspace,
        DRIFT_GUARD_E2E_RESULTS: resultsDir,
        DRIFT_GUARD_E2E_CODE_SERVER_CLI: JSON.stringify(cli),
      },
      cleanup,
    );
    if (result.exitCode === 0 && result.passes === 0) {
      process.stderr.write(`${TIER}: mocha exited 0 but no test passed\n`);
      result.exitCode = 1;
    }
  } catch (error) {
    result.exitCode = 1;
    process.stderr.write(`${TIER}: ${error instanceof HarnessError ? error.message : (error.stack ?? error)}\n`);
  } finally {
    await cleanup.run();
  }
  const summary = { tier: TIER, ...result, durationMs: Date.now() - started };
  fs.writeFileSync(path.join(resultsDir, 'result.json'), `${JSON.stringify(summary, null, 2)}\n`);
  say(TIER, `${result.exitCode === 0 ? 'passed' : 'FAILED'} in ${seconds(summary.durationMs)}`);
  return result.exitCode;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`${TIER}: ${error instanceof HarnessError ? error.message : (error.stack ?? error)}\n`);
  process.exitCode = 1;
}
