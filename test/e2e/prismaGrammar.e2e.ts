/**
 * e2e: the `.prisma` grammar in code-server's real editor, read with "Developer: Inspect Editor Tokens and Scopes".
 * Without the Prisma extension, schema.prisma is coloured by ours (`keyword.other.model.prisma`…). With a
 * stand-in for the Prisma extension installed (test/fixtures/prismaExtensionStub: publisher Prisma, name prisma,
 * the same language id and scope name, scopes that say where they come from), its grammar is the one used and
 * none of ours runs. The stand-in is removed afterwards: the other e2e files see the extension alone.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workbench } from './helpers/workbench';

const REPO = path.resolve(__dirname, '../../..');
const STUB = path.join(REPO, 'test', 'fixtures', 'prismaExtensionStub');

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

/** The TextMate scopes the inspector shows for the first `model` keyword of schema.prisma. */
async function scopesOfModelKeyword(wb: Workbench): Promise<string> {
  await wb.openFile('prisma/schema.prisma');
  const line =
    fs
      .readFileSync(path.join(process.env.DRIFT_GUARD_E2E_WORKSPACE ?? '', 'prisma', 'schema.prisma'), 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('model ')) + 1;
  await wb.runCommand('Go to Line/Column...', { opensQuickPick: true });
  await wb.typeAndAccept(`:${line}:2`);
  await wb.waitFor(
    `the cursor on line ${line}`,
    async () => (await wb.statusBar()).some((item) => item.includes(`Ln ${line}, Col 2`)) || undefined,
  );
  await wb.runCommand('Developer: Inspect Editor Tokens and Scopes');
  const widget = wb.page.locator('.token-inspect-widget');
  return wb.waitFor('the token inspector', async () => {
    const text = (await widget.isVisible()) ? await widget.innerText() : '';
    return /textmate scopes/i.test(text) && /source\.prisma/.test(text) ? text : undefined;
  });
}

describe('Prisma grammar in the editor, with and without the Prisma extension (e2e)', function () {
  this.timeout(240_000);
  let workbench: Workbench | undefined;
  let tmp = '';

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-prisma-stub-'));
  });

  afterEach(async function () {
    await workbench?.reportFailure(this.currentTest);
    await workbench?.close();
    workbench = undefined;
  });

  after(() => {
    // Whatever happened, the other e2e files run without the stand-in.
    try {
      codeServerCli(['--uninstall-extension', 'Prisma.prisma']);
    } catch {
      // Not installed (an earlier step failed): nothing to remove.
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('colours schema.prisma with our grammar when the Prisma extension is absent', async () => {
    workbench = await Workbench.open();
    const scopes = await scopesOfModelKeyword(workbench);
    assert.match(scopes, /keyword\.other\.model\.prisma/);
    assert.doesNotMatch(scopes, /stand-in-for-prisma-extension/);
    await workbench.screenshot('prisma-grammar-ours');
  });

  it("leaves schema.prisma to the Prisma extension's grammar once it is installed: ours does not run", async () => {
    const vsix = path.join(tmp, 'prisma-stand-in.vsix');
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
        cwd: STUB,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.match(codeServerCli(['--install-extension', vsix, '--force']), /successfully installed/i);
    workbench = await Workbench.open();
    const scopes = await scopesOfModelKeyword(workbench);
    assert.match(scopes, /keyword\.stand-in-for-prisma-extension\.prisma/);
    assert.doesNotMatch(scopes, /keyword\.other\.model\.prisma/, 'our grammar must not be the one used');
    await workbench.screenshot('prisma-grammar-with-prisma-extension');
  });
});
