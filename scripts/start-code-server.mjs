#!/usr/bin/env node
// code-server with the packaged extension on a fresh copy of demo/, for `npm start` on a machine without a
// desktop VS Code. Prints the URL and stays in the foreground; Ctrl-C stops code-server and removes the copy.
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Cleanup, HarnessError, ROOT, VSIX, copyDemo, installVsix, makeTempDir, prepareCodeServerDirs, say, seconds, startCodeServer } from '../test/harness/lib.mjs';

const TAG = 'start';

const cleanup = new Cleanup();

async function main() {
  const base = makeTempDir('prisma-drift-guard-start-');
  cleanup.add('remove temp dir', () => fs.rmSync(base, { recursive: true, force: true }));
  const dirs = prepareCodeServerDirs(base);
  const installMs = installVsix(dirs);
  say(TAG, `installed ${path.relative(ROOT, VSIX)} into code-server (${seconds(installMs)})`);
  const workspace = copyDemo(base);
  const port = process.env.PORT ? Number(process.env.PORT) : 0;
  if (process.env.PORT && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new HarnessError(`PORT=${process.env.PORT} is not a port number`);
  const logFile = path.join(base, 'code-server.log');
  const server = await startCodeServer(dirs, { logFile, port, cleanup });
  say(TAG, `demo workspace (a copy): ${workspace}`);
  say(TAG, `code-server log: ${logFile}`);
  process.stdout.write(`\n  Open ${server.url(workspace)}\n\n  Ctrl-C stops it.\n\n`);
  // Foreground until Ctrl-C (Cleanup stops code-server and exits) or until code-server stops by itself.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const why = await server.done;
  clearInterval(keepAlive);
  if (cleanup.interrupted) return;
  throw new HarnessError(`${why}; log:\n${fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')}`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`${TAG}: ${error instanceof HarnessError ? error.message : error.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  await cleanup.run();
}
