import * as assert from 'node:assert/strict';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireCliBundle } from '../../fixtures/cli';
import { run } from '../../fixtures/util';

const REPO = path.resolve(__dirname, '../../../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

/**
 * npm with a cache and a home of its own, offline, and none of the calling npm's `npm_config_*` settings (under
 * `npm test` they would point at the repository): the package must install from the tarball alone.
 */
function npmEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return {
    ...env,
    HOME: home,
    npm_config_cache: path.join(home, 'npm-cache'),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

/**
 * A `--require` hook that fails any module resolution by the installed package's code to a file outside the
 * package: the temp folder may sit inside the repository (TMPDIR=<repo>/.tmp), where Node's upward lookup would
 * find the repository's node_modules and hide a dependency webpack did not bundle.
 */
async function writeResolutionGuard(dir: string): Promise<string> {
  const file = path.join(dir, 'resolution-guard.cjs');
  await fs.writeFile(
    file,
    `const Module = require('node:module');
const path = require('node:path');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const resolved = original.call(this, request, parent, ...rest);
  const from = parent && parent.filename;
  const marker = path.sep + 'node_modules' + path.sep + 'prisma-drift-guard' + path.sep;
  if (from && from.includes(marker) && path.isAbsolute(resolved)) {
    const root = from.slice(0, from.indexOf(marker) + marker.length);
    if (!resolved.startsWith(root)) throw new Error('the package loads ' + request + ' from outside itself: ' + resolved);
  }
  return resolved;
};
`,
  );
  return file;
}

/** Build outputs that are not shipped: `npm start`'s demo databases (scripts/start-demo.mjs runs them from the repository). */
const NOT_SHIPPED = new Set(['demoDatabases.js']);

/** Every file of dist/ the bundles may load at run time (wasm, PGlite data, extension tarballs, webview assets). */
function distAssets(): string[] {
  return readdirSync(path.join(REPO, 'dist'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.map') && !NOT_SHIPPED.has(entry.name))
    .map((entry) => path.relative(REPO, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

describe('npm package (npm pack → install in an empty folder → drift-guard --help)', function () {
  this.timeout(180_000);
  let tmp = '';
  let pack: PackResult;
  let tarball = '';
  /** The empty folder the package is installed into (by the install test). */
  let project = '';
  /** npm's environment plus the resolution guard (set by the install test). */
  let guardedEnv: NodeJS.ProcessEnv = {};

  before(async function () {
    requireCliBundle();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-npm-pack-'));
    const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
      cwd: REPO,
      env: npmEnv(tmp),
    });
    [pack] = JSON.parse(stdout) as PackResult[];
    tarball = path.join(tmp, pack.filename);
  });

  after(async function () {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('holds the bundles, their run-time assets, README, LICENSE and package.json — no sources, tests, demo or source maps', function () {
    const files = pack.files.map((f) => f.path).sort();
    const unwanted = files.filter(
      (f) =>
        /^(src|test|demo|scripts|webview|out|node_modules|\.[^/]+)\//.test(f) ||
        f.endsWith('.map') ||
        f.endsWith('.ts'),
    );
    assert.deepEqual(unwanted, [], `files that do not belong in the package:\n${unwanted.join('\n')}`);
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/cli.js',
      'dist/extension.js',
      'dist/engineWorker.js',
      'dist/schema_engine_bg.wasm',
      'dist/pglite.wasm',
      'dist/webview/runbook.js',
    ]) {
      assert.ok(files.includes(needed), `${needed} is missing from the package`);
    }
    // Whatever the build puts in dist/ is loaded by something: an asset left out of the `files` allowlist would
    // only fail at run time, in the user's hands.
    const missing = distAssets().filter((asset) => !files.includes(asset));
    assert.deepEqual(
      missing,
      [],
      `dist/ files missing from the package (add them to "files" in package.json):\n${missing.join('\n')}`,
    );
    const topLevel = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    assert.deepEqual(
      topLevel.filter(
        (f) =>
          !['dist', 'media', 'l10n', 'syntaxes', 'LICENSE', 'README.md', 'package.json'].includes(f) &&
          !/^package\.nls(\.[a-z-]+)?\.json$/.test(f),
      ),
      [],
    );
  });

  it('ships the same files in the .vsix: vsce packages with the one `files` allowlist (no .vscodeignore beside it)', async function () {
    const vsce = path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');
    // vsce refuses a `files` list next to a .vscodeignore, and a `files` entry that matches nothing: packaging
    // for real is the check.
    await run(process.execPath, [vsce, 'package', '--no-dependencies', '--out', path.join(tmp, 'extension.vsix')], {
      cwd: REPO,
    });
    const { stdout } = await run(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: REPO });
    const vsix = stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .sort();
    assert.deepEqual(vsix, pack.files.map((f) => f.path).sort());
  });

  it('declares no run-time dependencies: webpack bundles them, so npx installs nothing but the package', function () {
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    assert.deepEqual(
      Object.keys(manifest.dependencies ?? {}),
      [],
      'package.json "dependencies" would be installed by `npx drift-guard` for nothing (dist/ bundles them): declare them in devDependencies',
    );
  });

  it('installs offline from the tarball into an empty folder, and `npx drift-guard --help` prints the usage', async function () {
    project = path.join(tmp, 'empty-project');
    await fs.mkdir(project);
    // A package.json of its own, so npm does not walk up to the repository's.
    await fs.writeFile(path.join(project, 'package.json'), '{ "private": true }\n');
    const env = npmEnv(tmp);
    await run(NPM, ['install', '--ignore-scripts', tarball], { cwd: project, env });
    guardedEnv = { ...env, NODE_OPTIONS: `--require ${await writeResolutionGuard(tmp)}` };
    const installed = readdirSync(path.join(project, 'node_modules')).filter((name) => !name.startsWith('.'));
    assert.deepEqual(installed, ['prisma-drift-guard'], 'the package alone is installed, no dependency');
    const { stdout } = await run(NPM, ['exec', '--', 'drift-guard', '--help'], { cwd: project, env: guardedEnv });
    assert.match(stdout, /^drift-guard — /);
    assert.match(stdout, /Usage:\n\s+drift-guard check /);
  });

  it('checks a project from the installed package alone: schema engine, embedded PostgreSQL and its extensions load', async function () {
    if (!project) this.skip();
    // Its migrations create pgvector, pg_trgm… : the extension tarballs in dist/ are loaded into the embedded shadow.
    const fixture = path.join(tmp, 'extensions-project');
    await fs.cp(path.join(REPO, 'test', 'fixtures', 'projects', 'extensions'), fixture, { recursive: true });
    const env = { ...guardedEnv, DRIFT_GUARD_CACHE_DIR: path.join(tmp, 'drift-guard-cache') };
    const { stdout } = await run(NPM, ['exec', '--', 'drift-guard', 'check', '--project', fixture], {
      cwd: project,
      env,
    });
    assert.match(stdout, /✓ Schema matches migrations .* vs 2 migrations/);
  });

  it('runs straight from the tarball with `npx <tarball> --help` (nothing installed in the folder)', async function () {
    const folder = path.join(tmp, 'npx-folder');
    await fs.mkdir(folder);
    const { stdout } = await run(NPM, ['exec', '--yes', `--package=${tarball}`, '--', 'drift-guard', '--help'], {
      cwd: folder,
      env: npmEnv(tmp),
    });
    assert.match(stdout, /Usage:\n\s+drift-guard check /);
    assert.deepEqual(readdirSync(folder), [], 'npx writes nothing into the folder');
  });
});
