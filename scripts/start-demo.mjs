#!/usr/bin/env node
// The demo of `npm start` (scripts/start.sh builds and packages first): a fresh copy of demo/ in the OS temp dir,
// its two databases on the embedded PostgreSQL (PGlite, dist/demoDatabases.js) with the copy's .env and
// .vscode/settings.json pointing at them, and an editor on the copy:
//   --editor desktop      install the .vsix into the desktop VS Code (`code` on PATH) and open the copy in it
//   --editor code-server  code-server (from .cache/tools, installed by setup.sh) at a printed http://127.0.0.1 URL
//   --editor none         the databases only (what the tests start)
// In the foreground until Ctrl-C (or SIGTERM), which stops the databases (and code-server) and removes the copy.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  Cleanup,
  HarnessError,
  ROOT,
  VSIX,
  copyDemo,
  ensureRunId,
  installVsix,
  makeTempDir,
  prepareCodeServerDirs,
  say,
  seconds,
  startCodeServer,
} from '../test/harness/lib.mjs';

const TAG = 'start';
const DEMO_DATABASES = path.join(ROOT, 'dist', 'demoDatabases.js');

// Its own run id, under the caller's when a test runner started it: the cleanup's sweep of leftovers then kills only
// what this demo started, never the runner's code-server or fixtures that share the caller's id.
ensureRunId();
const cleanup = new Cleanup();

function parseEditor(argv) {
  const index = argv.indexOf('--editor');
  const editor = index >= 0 ? argv[index + 1] : undefined;
  if (!['desktop', 'code-server', 'none'].includes(editor)) {
    throw new HarnessError('usage: start-demo.mjs --editor desktop|code-server|none');
  }
  return editor;
}

async function main() {
  const editor = parseEditor(process.argv.slice(2));
  if (!fs.existsSync(DEMO_DATABASES)) {
    throw new HarnessError(`${path.relative(ROOT, DEMO_DATABASES)} is missing: run \`npm run build\` first`);
  }
  const base = makeTempDir('prisma-drift-guard-demo-');
  cleanup.add('remove the demo copy', () => fs.rmSync(base, { recursive: true, force: true }));
  const workspace = copyDemo(base);

  const { startDemoDatabases, writeDemoWorkspace } = createRequire(import.meta.url)(DEMO_DATABASES);
  const started = Date.now();
  const databases = await startDemoDatabases({
    demoDir: workspace,
    log: process.env.DRIFT_GUARD_START_DEBUG ? (m) => say(TAG, m) : undefined,
  });
  cleanup.add('stop the demo databases', () => databases.stop());
  await writeDemoWorkspace(workspace, databases);
  say(TAG, `demo databases on the embedded PostgreSQL (PGlite), ready in ${seconds(Date.now() - started)}:`);
  say(TAG, `  local       ${databases.local.url}  (DATABASE_URL: the team's "db push" state)`);
  say(TAG, `  production  ${databases.production.url}  (PRODUCTION_DATABASE_URL, environment "production")`);
  say(TAG, `demo workspace (a fresh copy, removed on exit): ${workspace}`);

  let done;
  if (editor === 'desktop') {
    say(TAG, 'installing into the desktop VS Code');
    const install = spawnSync('code', ['--install-extension', VSIX, '--force'], { stdio: 'inherit' });
    if (install.status !== 0) {
      throw new HarnessError(
        `\`code --install-extension ${path.relative(ROOT, VSIX)}\` failed (exit ${install.status ?? install.signal})`,
      );
    }
    const open = spawnSync('code', ['--new-window', workspace], { stdio: 'inherit' });
    if (open.status !== 0) throw new HarnessError(`\`code ${workspace}\` failed (exit ${open.status ?? open.signal})`);
  } else if (editor === 'code-server') {
    const dirs = prepareCodeServerDirs(base);
    const installMs = installVsix(dirs);
    say(TAG, `installed ${path.relative(ROOT, VSIX)} into code-server (${seconds(installMs)})`);
    const port = process.env.PORT ? Number(process.env.PORT) : 0;
    if (process.env.PORT && !(Number.isInteger(port) && port > 0 && port < 65536)) {
      throw new HarnessError(`PORT=${process.env.PORT} is not a port number`);
    }
    const logFile = path.join(base, 'code-server.log');
    const server = await startCodeServer(dirs, { logFile, port, cleanup });
    say(TAG, `code-server log: ${logFile}`);
    process.stdout.write(`\n  Open ${server.url(workspace)}\n`);
    done = server.done.then((why) => {
      if (!cleanup.interrupted) {
        throw new HarnessError(`${why}; log:\n${fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')}`);
      }
    });
  }
  process.stdout.write('\n  Ctrl-C stops the demo databases and removes the copy.\n\n');
  say(TAG, 'ready');
  // Foreground until Ctrl-C/SIGTERM (Cleanup stops everything and exits) or until code-server stops by itself.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    await (done ?? new Promise(() => undefined));
  } finally {
    clearInterval(keepAlive);
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`${TAG}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup.run();
}
