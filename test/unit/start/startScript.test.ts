/**
 * scripts/start.sh's decisions (`npm start`), in its dry run (DRIFT_GUARD_START_DRY_RUN=1 prints one
 * `start: plan: …` line per step), run as an ordinary user: `nobody` through setpriv when the tests run as
 * root. The script is copied into a throwaway folder laid out like a checkout (package-lock.json, maybe
 * node_modules/.package-lock.json and .cache/tools), and `code` on PATH is a fake shell script: the start
 * script is under test here, not VS Code.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

interface Layout {
  /** `desktop`: a fake VS Code `code`; `code-server`: code-server's shim; none: no `code` on PATH. */
  code?: 'desktop' | 'code-server';
  nodeModules?: boolean;
  codeServerTools?: boolean;
}

function makeCheckout(layout: Layout): { dir: string; bin: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-guard-start-'));
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(REPO, 'scripts', 'start.sh'), path.join(dir, 'scripts', 'start.sh'));
  fs.writeFileSync(path.join(dir, 'scripts', 'setup.sh'), 'echo "setup: must run as root" >&2; exit 1\n');
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
  if (layout.nodeModules) {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.writeFileSync(path.join(dir, 'node_modules', '.package-lock.json'), '{}\n');
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'node_modules', '.package-lock.json'), future, future);
  }
  if (layout.codeServerTools) {
    const nodeBin = path.join(dir, '.cache', 'tools', 'node-v24.15.0', 'bin');
    fs.mkdirSync(nodeBin, { recursive: true });
    fs.writeFileSync(path.join(nodeBin, 'node'), '#!/bin/sh\n', { mode: 0o755 });
    const cs = path.join(dir, '.cache', 'tools', 'code-server-4.139.1');
    fs.mkdirSync(cs, { recursive: true });
    fs.writeFileSync(path.join(cs, '.complete'), '');
  }
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  if (layout.code) {
    const version =
      layout.code === 'desktop' ? '1.99.0\\nabc123\\nx64' : '4.139.1 abc123 with Code 1.99.0\\ncode-server';
    fs.writeFileSync(path.join(bin, 'code'), `#!/bin/sh\nprintf '${version}\\n'\n`, { mode: 0o755 });
  }
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) fs.chmodSync(path.join(entry.parentPath, entry.name), 0o755);
  }
  return { dir, bin };
}

function runStart(layout: Layout): { status: number | null; stdout: string; stderr: string; planned: string[] } {
  const { dir, bin } = makeCheckout(layout);
  try {
    // Only the fake bin, node's folder and the system's: a `code` elsewhere on the developer's PATH must not count.
    const PATH = [bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(':');
    const env = { PATH, HOME: dir, DRIFT_GUARD_START_DRY_RUN: '1', LANG: 'C' };
    const command = asRoot ? 'setpriv' : 'bash';
    const args = asRoot
      ? [
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          '--clear-groups',
          '--',
          'bash',
          path.join(dir, 'scripts', 'start.sh'),
        ]
      : [path.join(dir, 'scripts', 'start.sh')];
    const result = spawnSync(command, args, { env, encoding: 'utf8', timeout: 30_000 });
    const planned = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('start: plan: '))
      .map((line) => line.slice('start: plan: '.length));
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, planned };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm start (scripts/start.sh) as an ordinary user', function () {
  before(function () {
    if (process.platform === 'win32') this.skip();
    if (fs.existsSync('/usr/bin/code') || fs.existsSync('/bin/code')) {
      // The "no desktop VS Code" cases need a PATH without one.
      this.skip();
    }
  });

  it('with the desktop VS Code on PATH: npm ci, build, package, open the demo in it; never setup.sh', function () {
    const run = runStart({ code: 'desktop' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.planned, [
      'npm ci (the npm dependencies)',
      'building the extension',
      'packaging dist-vsix/prisma-drift-guard.vsix',
      'editor desktop: starting the demo databases and opening a copy of demo/',
    ]);
    assert.doesNotMatch(run.stdout + run.stderr, /setup|root/);
  });

  it('skips npm ci when node_modules matches the lock file', function () {
    const run = runStart({ code: 'desktop', nodeModules: true });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.planned[0], 'building the extension');
  });

  it('without a desktop `code` and without code-server: says what to install and what root must run, before anything else', function () {
    const run = runStart({ nodeModules: true });
    assert.equal(run.status, 1);
    assert.deepEqual(run.planned, []);
    assert.doesNotMatch(run.stderr, /must run as root/);
    assert.match(run.stderr, /install VS Code/);
    assert.match(run.stderr, /apt-get install -y --no-install-recommends libkrb5-dev pkg-config g\+\+ make python3/);
    assert.match(run.stderr, /bash scripts\/setup\.sh --no-chromium/);
  });

  it("takes code-server's own `code` shim for no desktop VS Code", function () {
    const run = runStart({ code: 'code-server', nodeModules: true });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no desktop VS Code/);
  });

  it('uses code-server without root once setup.sh has installed it', function () {
    const run = runStart({ nodeModules: true, codeServerTools: true });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.planned, [
      'building the extension',
      'packaging dist-vsix/prisma-drift-guard.vsix',
      'editor code-server: starting the demo databases and opening a copy of demo/',
    ]);
  });
});
