/**
 * e2e: what another extension gets from ours (README, "Security": `getExtension(…).exports` is `undefined`).
 * A second, real extension (test/fixtures/exportsProbe) is packaged with vsce and installed into this code-server
 * with its CLI; its command "Exports Probe: Read Prisma Drift Guard Exports", run from the palette like a user,
 * calls `vscode.extensions.getExtension('prisma-drift-guard.prisma-drift-guard')`, awaits `activate()` and writes
 * what it got into the workspace. The probe is uninstalled afterwards: the other e2e files see our extension alone.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workbench, e2eWorkspace as workspace } from './helpers/workbench';

const REPO = path.resolve(__dirname, '../../..');
const PROBE = path.join(REPO, 'test', 'fixtures', 'exportsProbe');
const PROBE_ID = 'drift-guard-tests.exports-probe';
const REPORT = 'drift-guard-exports-probe.json';

/** Runs code-server's CLI on the e2e server's user-data and extensions folders (DRIFT_GUARD_E2E_CODE_SERVER_CLI). */
function codeServerCli(args: string[]): string {
  const raw = process.env.DRIFT_GUARD_E2E_CODE_SERVER_CLI;
  if (!raw) throw new Error('DRIFT_GUARD_E2E_CODE_SERVER_CLI is not set: run through test/harness/runE2e.mjs');
  const { argv, xdg } = JSON.parse(raw) as { argv: string[]; xdg: string };
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
  };
  return execFileSync(argv[0], [...argv.slice(1), ...args], { env, encoding: 'utf8', timeout: 120_000 });
}

interface Described {
  typeofExports: string;
  isNull: boolean;
  keys: string[];
}

interface ProbeReport {
  found: boolean;
  isActive?: boolean;
  activateError?: string;
  activated?: Described;
  exports?: Described;
}

describe('what another extension gets from ours: exports (e2e)', function () {
  this.timeout(300_000);
  let workbench: Workbench | undefined;
  let tmp = '';
  const report = (): string => path.join(workspace(), REPORT);

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-exports-probe-'));
    fs.rmSync(report(), { force: true });
  });

  afterEach(async function () {
    await workbench?.reportFailure(this.currentTest);
  });

  after(async () => {
    await workbench?.close();
    // Whatever happened, the other e2e files run without the probe, and the workspace without its report.
    try {
      codeServerCli(['--uninstall-extension', PROBE_ID]);
    } catch {
      // Not installed (an earlier step failed): nothing to remove.
    }
    fs.rmSync(report(), { force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('activate() of Prisma Drift Guard gives another extension undefined: no services', async () => {
    const vsix = path.join(tmp, 'exports-probe.vsix');
    execFileSync(
      process.execPath,
      [
        path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce'),
        'package',
        '--no-dependencies',
        '--skip-license',
        '--allow-missing-repository',
        '--out',
        vsix,
      ],
      {
        cwd: PROBE,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.match(codeServerCli(['--install-extension', vsix, '--force']), /successfully installed/i);
    // A new window loads the extension just installed.
    workbench = await Workbench.open({ timeoutMs: 120_000 });
    const wb = workbench;
    await wb.runCommand('Exports Probe: Read Prisma Drift Guard Exports', { timeoutMs: 90_000 });
    const text = await wb.waitFor(
      `${REPORT} written by the probe`,
      async () => {
        await wb.failOnDialog();
        return fs.existsSync(report()) ? fs.readFileSync(report(), 'utf8') : undefined;
      },
      120_000,
    );
    const got = JSON.parse(text) as ProbeReport;
    assert.equal(got.found, true, `the probe finds our extension: ${text}`);
    assert.equal(got.activateError, undefined, `activate() succeeds: ${text}`);
    assert.equal(got.isActive, true, text);
    assert.deepEqual(
      got.activated,
      { typeofExports: 'undefined', isNull: false, keys: [] },
      `activate() resolves to undefined: ${text}`,
    );
    assert.deepEqual(
      got.exports,
      { typeofExports: 'undefined', isNull: false, keys: [] },
      `exports is undefined: ${text}`,
    );
  });
});
