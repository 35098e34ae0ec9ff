#!/usr/bin/env node
// Integration tier: runs the mocha suite out/test/integration/index.js INSIDE the real extension host of
// code-server, with the repo root loaded as the development extension (dist/extension.js): first on a copy of
// demo/, then on a multi-root workspace (a monorepo folder with two Prisma projects + a second folder; the
// suite's index runs only test/integration/multiRoot/ there, and everything else on demo/).
//
// A third pass runs test/integration/fr/ in a code-server started with --locale fr (French display language).
//
// code-server's CLI rejects --extensionDevelopmentPath/--extensionTestsPath, but its web workbench honours
// developmentOptions.extensions + developmentOptions.extensionTestsPath from the page's configuration <meta>.
// A Playwright init script patches that attribute before the workbench reads it; the workbench reports the
// suite's exit code through window.codeAutomationExit and its log through window.codeAutomationLog.
//
//   node test/harness/runIntegration.mjs            (needs: setup.sh, npm run build, npm run compile-tests)
//   DRIFT_GUARD_TEST_GREP=pattern …                 only tests matching pattern
//   DRIFT_GUARD_INTEGRATION_TIMEOUT=ms              limit per pass (default 900000: a hang guard, not a speed target — the demo pass takes 4–9 min on a busy 2-core machine)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import {
  Cleanup,
  HarnessError,
  RESULTS,
  ROOT,
  copyDemo,
  ensureFixtures,
  ensureRunId,
  launchChromium,
  makeTempDir,
  prepareCodeServerDirs,
  prepareLanguagePack,
  prepareMultiRoot,
  requireCodeServer,
  requireFile,
  say,
  seconds,
  startCodeServer,
} from './lib.mjs';

const TIER = 'integration';
const OUTPUT_PREFIX = '[integration] ';
const RESULT_PREFIX = '[integration:result] ';
const TESTS_ENTRY = path.join(ROOT, 'out', 'test', 'integration', 'index.js');
const TIMEOUT_MS = Number(process.env.DRIFT_GUARD_INTEGRATION_TIMEOUT ?? 900_000);

/** Runs in the page before any workbench script: adds the development extension and the tests module. */
function patchWorkbenchConfiguration({ authority, extensionPath, testsPath }) {
  /* global document, MutationObserver -- runs in the page */
  const uri = (p) => ({ scheme: 'vscode-remote', authority, path: p });
  const patch = (meta) => {
    const settings = JSON.parse(meta.getAttribute('data-settings') ?? '{}');
    settings.developmentOptions = {
      ...settings.developmentOptions,
      extensions: [uri(extensionPath)],
      extensionTestsPath: uri(testsPath),
    };
    meta.setAttribute('data-settings', JSON.stringify(settings));
    meta.dataset.driftGuardPatched = 'true';
  };
  const tryPatch = () => {
    const meta = document.getElementById('vscode-workbench-web-configuration');
    if (!meta || meta.dataset.driftGuardPatched) return false;
    patch(meta);
    return true;
  };
  if (!tryPatch()) {
    const observer = new MutationObserver(() => {
      if (tryPatch()) observer.disconnect();
    });
    observer.observe(document, { childList: true, subtree: true });
  }
}

/** Loads `target` (a folder or a .code-workspace) in a new page whose extension host runs the suite. */
async function runPass(browser, server, pass, workbenchLog, resultsDir) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  let counts;
  let resolveExit;
  const exited = new Promise((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = Array.isArray(args) ? format(...args) : String(args);
    workbenchLog.write(`[${type}] ${text}\n`);
    for (const line of text.split('\n')) {
      if (line.startsWith(RESULT_PREFIX)) counts = JSON.parse(line.slice(RESULT_PREFIX.length));
      else if (line.startsWith(OUTPUT_PREFIX)) process.stdout.write(`  ${line.slice(OUTPUT_PREFIX.length)}\n`);
    }
    // Activation failures and errors of our extension are worth seeing without opening the log.
    if (type === 'error' && /prisma-drift-guard|driftGuard/i.test(text)) {
      process.stdout.write(`  [extension host error] ${text.split('\n')[0]}\n`);
    }
  });
  page.on('pageerror', (error) => workbenchLog.write(`[pageerror] ${error.stack ?? error.message}\n`));
  await page.addInitScript(patchWorkbenchConfiguration, {
    authority: server.authority,
    extensionPath: ROOT,
    testsPath: TESTS_ENTRY,
  });
  say(TIER, `${pass.name}: ${pass.target}`);
  const loadStarted = Date.now();
  await page.goto(server.url(pass.target));
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HarnessError(
            `the integration suite (${pass.name}) did not finish within ${TIMEOUT_MS} ms (workbench log: test-results/integration/workbench.log)`,
          ),
        ),
      TIMEOUT_MS,
    );
  });
  let exitCode;
  try {
    exitCode = await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
  if (exitCode !== 0) {
    await page
      .screenshot({ path: path.join(resultsDir, `failure-${pass.name.replace(/\W+/g, '-')}.png`) })
      .catch(() => undefined);
  }
  await page.close();
  return { exitCode, counts, ms: Date.now() - loadStarted };
}

async function main() {
  const started = Date.now();
  ensureRunId();
  requireCodeServer();
  requireFile(path.join(ROOT, 'dist', 'extension.js'), 'run `npm run build` first');
  requireFile(TESTS_ENTRY, 'run `npm run compile-tests` first');
  const resultsDir = path.join(RESULTS, TIER);
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  const workbenchLog = fs.createWriteStream(path.join(resultsDir, 'workbench.log'));

  const cleanup = new Cleanup();
  let exitCode = 1;
  let counts;
  try {
    await ensureFixtures(cleanup, TIER);
    const base = makeTempDir('drift-guard-integration-');
    cleanup.add('remove temp dir', () => fs.rmSync(base, { recursive: true, force: true }));
    // Keep VS Code's logs (the extension's "Prisma Drift Guard" channel included) with the results.
    cleanup.add('keep the logs', () =>
      fs.cpSync(path.join(base, 'user-data', 'logs'), path.join(resultsDir, 'logs'), { recursive: true }),
    );
    const dirs = prepareCodeServerDirs(base);
    const workspace = copyDemo(base);

    const server = await startCodeServer(dirs, { logFile: path.join(resultsDir, 'code-server.log'), cleanup });
    say(TIER, `code-server on ${server.authority}, workspace ${workspace}`);

    const browser = await launchChromium();
    cleanup.add('close Chromium', () => browser.close());

    // One extension host per workspace, one after the other; the counts add up. The French pass has a code-server
    // of its own (the display language is the server's --locale) on a fresh copy of the demo.
    const passes = [
      { name: 'demo folder', target: workspace },
      { name: 'multi-root workspace', target: prepareMultiRoot(base) },
      { name: 'demo folder, French display language', locale: 'fr' },
    ];
    exitCode = 0;
    for (const pass of passes) {
      let passServer = server;
      if (pass.locale) {
        const localeBase = path.join(base, `locale-${pass.locale}`);
        fs.mkdirSync(localeBase, { recursive: true });
        const localeDirs = prepareCodeServerDirs(localeBase);
        prepareLanguagePack(localeDirs, pass.locale);
        pass.target = copyDemo(localeBase);
        passServer = await startCodeServer(localeDirs, {
          logFile: path.join(resultsDir, `code-server-${pass.locale}.log`),
          extraArgs: ['--locale', pass.locale],
          cleanup,
        });
      }
      const result = await runPass(browser, passServer, pass, workbenchLog, resultsDir);
      if (pass.locale) await passServer.stop();
      say(
        TIER,
        `${pass.name}: extension host finished with code ${result.exitCode} ${seconds(result.ms)} after page load`,
      );
      if (result.exitCode !== 0) exitCode = result.exitCode;
      if (result.counts) {
        counts = counts
          ? {
              passes: counts.passes + result.counts.passes,
              failures: counts.failures + result.counts.failures,
              pending: counts.pending + result.counts.pending,
            }
          : result.counts;
      } else if (result.exitCode === 0) {
        process.stderr.write(`${TIER}: ${pass.name}: the suite exited 0 but reported no results\n`);
        exitCode = 1;
      }
    }
  } catch (error) {
    exitCode = 1;
    process.stderr.write(`${TIER}: ${error instanceof HarnessError ? error.message : (error.stack ?? error)}\n`);
  } finally {
    await cleanup.run();
    workbenchLog.end();
  }
  if (exitCode === 0 && !counts?.passes) {
    process.stderr.write(
      `${TIER}: ${counts ? 'no integration test ran (does DRIFT_GUARD_TEST_GREP match any?)' : 'the suite exited 0 but reported no results'}\n`,
    );
    exitCode = 1;
  }
  const summary = {
    tier: TIER,
    exitCode,
    ...(counts ?? { passes: 0, failures: 0, pending: 0 }),
    durationMs: Date.now() - started,
  };
  fs.writeFileSync(path.join(resultsDir, 'result.json'), `${JSON.stringify(summary, null, 2)}\n`);
  say(TIER, `${exitCode === 0 ? 'passed' : 'FAILED'} in ${seconds(summary.durationMs)}`);
  return exitCode;
}

process.exitCode = await main();
