// Shared pieces of the test runners: tool paths, temp dirs, code-server, Chromium, fixtures, cleanup.
// Plain Node ESM (runs on the machine's Node 20); code-server itself runs on the cached Node 24.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOOLS = path.join(ROOT, '.cache', 'tools');
export const NODE24 = path.join(TOOLS, 'node-v24.15.0', 'bin', 'node');
export const CODE_SERVER_ENTRY = path.join(
  TOOLS,
  'code-server-4.139.1',
  'node_modules',
  'code-server',
  'out',
  'node',
  'entry.js',
);
export const CHROMIUM = process.env.DRIFT_GUARD_CHROMIUM ?? '/usr/bin/chromium';
export const RESULTS = path.join(ROOT, 'test-results');
export const VSIX = path.join(ROOT, 'dist-vsix', 'prisma-drift-guard.vsix');
export const EXTENSION_ID = 'prisma-drift-guard.prisma-drift-guard';

/** Flags that keep Chromium offline, quiet and working as root in a VM without a GPU. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** User settings for the test workbench: quiet, offline, nothing opening by itself. */
export const WORKBENCH_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'terminal.integrated.gpuAcceleration': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'window.restoreWindows': 'none',
  'workbench.editor.restoreViewState': false,
};

export class HarnessError extends Error {}

/** `tier: message` lines, so interleaved tiers stay readable. */
export function say(tier, message) {
  process.stdout.write(`${tier}: ${message}\n`);
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Every process a runner starts inherits DRIFT_GUARD_RUN_ID, so {@link sweepStragglers} can find leftovers.
 * A runner started by another runner extends its parent's id (`parent/child`): each sweeps only its own subtree,
 * never the shared fixtures its parent started.
 */
export function ensureRunId() {
  const own = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const parent = process.env.DRIFT_GUARD_RUN_ID;
  process.env.DRIFT_GUARD_RUN_ID = parent ? `${parent}/${own}` : own;
  return process.env.DRIFT_GUARD_RUN_ID;
}

export function requireFile(file, hint) {
  if (!fs.existsSync(file)) throw new HarnessError(`${path.relative(ROOT, file) || file} is missing: ${hint}`);
}

export function requireCodeServer() {
  requireFile(NODE24, 'run `bash scripts/setup.sh` (installs Node 24 and code-server under .cache/tools)');
  requireFile(CODE_SERVER_ENTRY, 'run `bash scripts/setup.sh` (installs code-server under .cache/tools)');
}

export function makeTempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Polls `probe` until truthy; throws `Timed out … waiting for <what>` otherwise. */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      if (error instanceof HarnessError) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new HarnessError(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Async cleanups run in reverse order, once, on normal completion, on failure and on SIGINT/SIGTERM/SIGHUP.
 * After a signal the process exits with 128 + signal number once everything is cleaned up.
 */
export class Cleanup {
  #steps = [];
  #running;
  /** The signal that started the cleanup, if one did: runners stop starting new work then. */
  interrupted;

  constructor() {
    for (const [signal, number] of [
      ['SIGINT', 2],
      ['SIGTERM', 15],
      ['SIGHUP', 1],
    ]) {
      process.on(signal, () => {
        if (!this.#running) process.stderr.write(`\nharness: ${signal}, cleaning up…\n`);
        this.interrupted ??= signal;
        void this.run().finally(() => process.exit(128 + number));
      });
    }
  }

  add(label, fn) {
    this.#steps.push({ label, fn });
  }

  run() {
    this.#running ??= (async () => {
      while (this.#steps.length > 0) {
        const { label, fn } = this.#steps.pop();
        try {
          await fn();
        } catch (error) {
          process.stderr.write(`harness: cleanup "${label}" failed: ${error.message}\n`);
        }
      }
      sweepStragglers();
    })();
    return this.#running;
  }
}

/** Live processes (not this one nor its ancestors) started under this run id or a sub-run of it. */
export function processesOfRun(runId = process.env.DRIFT_GUARD_RUN_ID) {
  if (!runId) return [];
  const ancestors = new Set();
  for (let pid = process.pid; pid > 1; ) {
    ancestors.add(pid);
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || ancestors.has(Number(entry))) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const variable = fs
        .readFileSync(`/proc/${entry}/environ`, 'latin1')
        .split('\0')
        .find((v) => v.startsWith('DRIFT_GUARD_RUN_ID='));
      const id = variable?.slice('DRIFT_GUARD_RUN_ID='.length);
      if (id === runId || id?.startsWith(`${runId}/`)) {
        found.push({
          pid: Number(entry),
          command: fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim().slice(0, 160),
        });
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** Kills (SIGKILL) whatever this run started and is still alive, naming each on stderr; returns how many. */
export function sweepStragglers() {
  const processes = processesOfRun();
  for (const { pid, command } of processes) {
    try {
      process.kill(pid, 'SIGKILL');
      process.stderr.write(`harness: killed leftover process ${pid}: ${command}\n`);
    } catch {
      // Exited meanwhile.
    }
  }
  return processes.length;
}

/** Sends SIGTERM to a process group, then SIGKILL if it is still there after `graceMs`. */
export async function killGroup(pgid, graceMs = 10_000) {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return;
  }
  try {
    await waitFor(`process group ${pgid} to exit`, () => !alive(), { timeoutMs: graceMs, intervalMs: 50 });
  } catch {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}

/**
 * Reuses the PostgreSQL cluster and sshd described in DRIFT_GUARD_TEST_PG / DRIFT_GUARD_TEST_SSHD, or starts
 * them (registering their stop with `cleanup`) and sets those env vars for every child process.
 */
export async function ensureFixtures(cleanup, tier) {
  const load = async (name) => {
    const file = path.join(ROOT, 'out', 'test', 'fixtures', `${name}.js`);
    requireFile(file, 'run `npm run compile-tests` first');
    return import(pathToFileURL(file).href);
  };
  const [pg, ssh] = await Promise.all([load('postgres'), load('sshd')]);
  const started = Date.now();
  const jobs = [];
  if (!process.env[pg.POSTGRES_ENV]) {
    jobs.push(
      pg.startPostgres().then((fixture) => {
        cleanup.add('stop PostgreSQL', () => fixture.stop());
        process.env[pg.POSTGRES_ENV] = pg.describePostgres(fixture);
        return `PostgreSQL on ${fixture.host}:${fixture.port}`;
      }),
    );
  }
  if (!process.env[ssh.SSHD_ENV]) {
    jobs.push(
      ssh.startSshd().then((fixture) => {
        cleanup.add('stop sshd', () => ssh.disposeSshd(fixture));
        process.env[ssh.SSHD_ENV] = ssh.describeSshd(fixture);
        return `sshd on ${fixture.host}:${fixture.port}`;
      }),
    );
  }
  if (jobs.length > 0) {
    const results = await Promise.allSettled(jobs);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    say(tier, `started ${results.map((r) => r.value).join(' and ')} (${seconds(Date.now() - started)})`);
  }
}

/** Creates user-data, extensions and XDG dirs under `base`, with the test user settings. */
export function prepareCodeServerDirs(base, extraSettings = {}) {
  const dirs = {
    base,
    userData: path.join(base, 'user-data'),
    extensions: path.join(base, 'extensions'),
    xdg: path.join(base, 'xdg'),
  };
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.mkdirSync(dirs.extensions, { recursive: true });
  for (const sub of ['config', 'data', 'cache']) fs.mkdirSync(path.join(dirs.xdg, sub), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...WORKBENCH_SETTINGS, ...extraSettings }, null, 2),
  );
  return dirs;
}

function codeServerEnv(dirs, extraEnv = {}) {
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(dirs.xdg, 'config'),
    XDG_DATA_HOME: path.join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: path.join(dirs.xdg, 'cache'),
    ...extraEnv,
  };
  // Variables of a VS Code this may run inside must not leak into the server we start.
  for (const key of Object.keys(env)) {
    if (/^(VSCODE_|ELECTRON_RUN_AS_NODE$)/.test(key)) delete env[key];
  }
  // code-server would use $PORT over --bind-addr, and $PASSWORD for auth.
  delete env.PORT;
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  return env;
}

/**
 * Makes `--locale <languageId>` take effect in code-server, which has no language pack and no gallery here: an empty
 * pack for VS Code's own strings (they stay English) registered in the user data's languagepacks.json, as installing
 * a real pack would. VS Code then runs the extension host in that language, and extensions load their own
 * l10n/bundle.l10n.<languageId>.json: what the French-locale integration pass checks.
 */
export function prepareLanguagePack(dirs, languageId) {
  const folder = path.join(dirs.base, `language-pack-${languageId}`);
  fs.mkdirSync(folder, { recursive: true });
  const translations = path.join(folder, 'main.i18n.json');
  fs.writeFileSync(translations, JSON.stringify({ version: '1.0.0', contents: {} }));
  const packs = {
    [languageId]: {
      hash: `drift-guard-test-${languageId}`,
      extensions: [{ extensionIdentifier: { id: `drift-guard-test.language-pack-${languageId}` }, version: '1.0.0' }],
      translations: { vscode: translations },
      label: languageId,
    },
  };
  fs.writeFileSync(path.join(dirs.userData, 'languagepacks.json'), JSON.stringify(packs, null, 2));
}

/** Copies demo/ to `<base>/demo` (tests may write into it; the repo's demo/ stays untouched). */
export function copyDemo(base) {
  const target = path.join(base, 'demo');
  fs.cpSync(path.join(ROOT, 'demo'), target, { recursive: true });
  return target;
}

/**
 * A multi-root workspace under `<base>/multi-root`: a monorepo folder with two Prisma projects
 * (test/fixtures/projects/monorepo: apps/a, apps/b, different drift) and a second folder with a multi-file
 * Prisma 7 project (blog-multifile). Returns the path of its `.code-workspace` file.
 */
export function prepareMultiRoot(base) {
  const dir = path.join(base, 'multi-root');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'projects', 'monorepo'), path.join(dir, 'monorepo'), {
    recursive: true,
  });
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'projects', 'blog-multifile'), path.join(dir, 'blog'), {
    recursive: true,
  });
  const file = path.join(dir, 'multi-root.code-workspace');
  fs.writeFileSync(
    file,
    `${JSON.stringify({ folders: [{ path: 'monorepo' }, { path: 'blog' }], settings: {} }, null, 2)}\n`,
  );
  return file;
}

/** `code-server --install-extension <vsix>` into the dirs; returns the elapsed ms. */
export function installVsix(dirs, vsix = VSIX) {
  requireCodeServer();
  requireFile(vsix, 'run `npm run package` first');
  const started = Date.now();
  const out = execFileSync(
    NODE24,
    [
      CODE_SERVER_ENTRY,
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      '--install-extension',
      vsix,
      '--force',
    ],
    {
      env: codeServerEnv(dirs),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    },
  );
  if (!/successfully installed/i.test(out)) {
    throw new HarnessError(`code-server --install-extension did not confirm the install:\n${out}`);
  }
  return Date.now() - started;
}

async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server (own process group) on 127.0.0.1 and waits for /healthz. `port` 0 = a free one.
 * Returns { port, authority, pid, url(folder or .code-workspace file), stop(), done } (`done` resolves when it exits); output goes to `logFile`.
 */
export async function startCodeServer(dirs, { logFile, port = 0, env = {}, extraArgs = [], cleanup } = {}) {
  requireCodeServer();
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const chosen = port || (await freePort());
    const out = fs.openSync(logFile, 'a');
    const child = spawn(
      NODE24,
      [
        CODE_SERVER_ENTRY,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${chosen}`,
        '--user-data-dir',
        dirs.userData,
        '--extensions-dir',
        dirs.extensions,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--reconnection-grace-time',
        '5',
        ...extraArgs,
      ],
      { detached: true, stdio: ['ignore', out, out], env: codeServerEnv(dirs, env) },
    );
    fs.closeSync(out);
    child.unref();
    let exited;
    const done = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exited = `code-server exited (${code ?? signal})`;
        resolve(exited);
      });
    });
    const stop = async () => {
      if (exited) return;
      await killGroup(child.pid);
    };
    cleanup?.add('stop code-server', stop);
    try {
      await waitFor(
        `code-server /healthz on 127.0.0.1:${chosen}`,
        async () => {
          if (exited) throw new HarnessError(`${exited}; see ${path.relative(ROOT, logFile)}:\n${tail(logFile)}`);
          const response = await fetch(`http://127.0.0.1:${chosen}/healthz`);
          return response.ok;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    } catch (error) {
      await stop();
      if (attempt < 3 && !port && /EADDRINUSE/.test(tail(logFile))) continue;
      throw error;
    }
    const authority = `127.0.0.1:${chosen}`;
    const url = (target) =>
      `http://${authority}/?${target.endsWith('.code-workspace') ? 'workspace' : 'folder'}=${target.split('/').map(encodeURIComponent).join('/')}`;
    return { port: chosen, authority, pid: child.pid, url, stop, done };
  }
}

export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Debian's Chromium through playwright-core (never a downloaded browser). */
export async function launchChromium() {
  requireFile(CHROMIUM, 'install it with `apt-get install -y chromium` (or run `bash scripts/setup.sh`)');
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
