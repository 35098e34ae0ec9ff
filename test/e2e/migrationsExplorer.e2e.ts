/**
 * e2e: the "Prisma Migrations" view in code-server's real UI with the packaged extension. Two configured
 * environments read their URL from the project's .env: `production` holds a `_prisma_migrations` with
 * every state, `staging` has the last migration really pending. The test opens the view from the palette,
 * reads the rows, takes the screenshot, opens a failed migration's logs from its inline action, deploys the
 * pending migration to staging from the tree (confirmation dialog), and goes back to the view from the
 * status bar.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { EVERY_STATE, prepareEveryState, prepareWithPending } from '../fixtures/explorerDatabase';
import { sharedPostgres } from '../fixtures/postgres';
import { sharedSshd } from '../fixtures/sshd';
import { Workbench, e2eWorkspace as workspace } from './helpers/workbench';

const SIDEBAR_ROWS = '.part.sidebar .monaco-list-row';

describe('migrations explorer (e2e)', function () {
  this.timeout(240_000);
  let workbench: Workbench | undefined;
  let stagingUrl = '';
  let pending: string[] = [];
  const envFile = () => path.join(workspace(), '.env');
  const settingsDir = () => path.join(workspace(), '.vscode');

  before(async () => {
    const pg = await sharedPostgres();
    const stamp = Date.now();
    const productionUrl = await pg.createDatabase(`e2e_explorer_prod_${stamp}`);
    await prepareEveryState(productionUrl);
    stagingUrl = await pg.createDatabase(`e2e_explorer_staging_${stamp}`);
    pending = await prepareWithPending(stagingUrl, 1);
    fs.writeFileSync(
      envFile(),
      `# written by the e2e test\nPROD_DATABASE_URL="${productionUrl}"\nSTAGING_DATABASE_URL="${stagingUrl}"\n`,
    );
    fs.mkdirSync(settingsDir(), { recursive: true });
    fs.writeFileSync(
      path.join(settingsDir(), 'settings.json'),
      JSON.stringify(
        {
          'driftGuard.environments': [
            { name: 'production', kind: 'production', url: { from: 'env', variable: 'PROD_DATABASE_URL' } },
            { name: 'staging', kind: 'staging', url: { from: 'env', variable: 'STAGING_DATABASE_URL' } },
          ],
        },
        null,
        2,
      ),
    );
    workbench = await Workbench.open();
  });

  afterEach(async function () {
    await workbench?.reportFailure(this.currentTest);
  });

  after(async () => {
    await workbench?.close();
    // Leave the workspace as the other e2e files expect it.
    fs.rmSync(envFile(), { force: true });
    fs.rmSync(settingsDir(), { recursive: true, force: true });
  });

  it('shows every migration state of production and the pending one of staging, from "Show Migrations"', async () => {
    const wb = workbench!;
    await wb.runCommand('Prisma Drift Guard: Show Migrations');
    const shown = await wb.waitFor(
      'production and staging with their migrations in the Migrations view',
      async () => {
        const all = await wb.treeRows();
        const done =
          all.some((r) => /^production .*1 failed · 1 pending/.test(r)) &&
          all.some((r) => /^staging .*1 pending/.test(r));
        return done && EVERY_STATE.every(([name]) => all.some((r) => r.startsWith(name))) ? all : undefined;
      },
      120_000,
    );
    for (const [name, , , description] of EVERY_STATE) {
      const row = shown.find((r) => r.startsWith(`${name} `));
      assert.ok(row, `no row for ${name}: ${shown.join(' | ')}`);
      assert.match(row.slice(name.length + 1), new RegExp(description.source.replace(/\$$/, '')), `${name}: ${row}`);
    }
    // A click opens the migration's SQL.
    await wb.page.locator(SIDEBAR_ROWS, { hasText: '20260214_init_assessment_module' }).first().click();
    await wb.waitForSelector(
      '.tabs-container .tab.active[aria-label^="migration.sql"]',
      'migration.sql of the failed migration in the editor',
    );
  });

  it('opens the recorded logs of the failed migration from its inline action', async () => {
    const wb = workbench!;
    await wb.clickInlineAction('20260214_init_assessment_module', 'Show Logs');
    await wb.waitForSelector(
      '.tabs-container .tab.active[aria-label^="20260214_init_assessment_module.log"]',
      'the logs document',
    );
    // The editor renders spaces as non-breaking ones.
    await wb.waitForText(/relation\s"assessments"\salready\sexists/);
    // The screenshot for the README: the whole tree readable, the failed migration's logs beside it.
    await wb.widenSideBar(640);
    await wb.page.locator(SIDEBAR_ROWS, { hasText: '20260214_init_assessment_module' }).first().hover();
    await wb.waitFor(
      'the sash highlight to fade',
      async () => (await wb.page.locator('.monaco-sash.hover, .monaco-sash.active').count()) === 0 || undefined,
    );
    const shot = await wb.screenshot('migrations-explorer');
    assert.ok(fs.statSync(shot).size > 20_000);
  });

  it('deploys the pending migration to staging from the tree, after the confirmation', async () => {
    const wb = workbench!;
    await wb.clickInlineAction('staging', 'Deploy Pending Migrations');
    const dialog = await wb.waitFor('the deploy confirmation', () => wb.dialog());
    assert.match(dialog, new RegExp(`Deploy 1 migration\\(s\\) \\(${pending[0]}\\) on staging\\?`));
    await wb.clickDialogButton('Continue');
    await wb.waitFor(
      'staging to read "in sync"',
      async () => (await wb.treeRows()).some((r) => /^staging .*in sync/.test(r)) || undefined,
      120_000,
    );
    const client = new Client({ connectionString: stagingUrl });
    await client.connect();
    try {
      const { rows: recorded } = await client.query<{ finished: boolean }>(
        'SELECT finished_at IS NOT NULL AS finished FROM _prisma_migrations WHERE migration_name = $1',
        [pending[0]],
      );
      assert.deepEqual(recorded, [{ finished: true }], 'the migration is recorded as applied on staging');
    } finally {
      await client.end();
    }
  });

  it('asks about an unknown SSH host key with its SHA256 fingerprint; "Trust Once" connects', async () => {
    const wb = workbench!;
    const sshd = await sharedSshd();
    const [, blob] = sshd.hostPublicKey.split(/\s+/);
    const fingerprint = `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
    const settings = path.join(settingsDir(), 'settings.json');
    const current = JSON.parse(fs.readFileSync(settings, 'utf8')) as { 'driftGuard.environments': unknown[] };
    // The fixture's key is in no known_hosts file (it listens on a random port): the extension must ask.
    current['driftGuard.environments'].push({
      name: 'box',
      kind: 'development',
      url: { from: 'env', variable: 'STAGING_DATABASE_URL' },
      ssh: { host: sshd.host, port: sshd.port, user: sshd.user, auth: 'key', keyPath: sshd.clientKeyPath },
    });
    fs.writeFileSync(settings, JSON.stringify(current, null, 2));
    const dialog = await wb.waitFor('the host key question', () => wb.dialog(), 60_000);
    assert.match(
      dialog,
      new RegExp(`authenticity of the SSH host \\[127\\.0\\.0\\.1\\]:${sshd.port} can't be established`),
    );
    assert.ok(dialog.includes(`ssh-ed25519 key fingerprint is ${fingerprint}.`), dialog);
    await wb.clickDialogButton('Trust Once');
    await wb.waitFor(
      'box to show its migrations through the tunnel',
      async () => (await wb.treeRows()).some((r) => /^box development · in sync/.test(r)) || undefined,
      90_000,
    );
  });

  it('adds an environment through the wizard: the URL goes to SecretStorage, the entry to settings, Test Connection passes', async () => {
    const wb = workbench!;
    const sshd = await sharedSshd();
    const pgUrl = stagingUrl; // the server (this machine) sees the database where we do
    await wb.runCommand('Prisma Drift Guard: Add Environment', { opensQuickPick: true });
    // The count is shown once the way the database is reached is known (step 3), and never changes after.
    const answers: Array<{ input?: string; pick?: string; of?: number }> = [
      { input: 'qa' },
      { pick: 'development' },
      { pick: 'SSH tunnel, logging in with a private key file' },
      { pick: 'Stored in SecretStorage (recommended)', of: 10 },
      { input: pgUrl, of: 10 },
      { input: `${sshd.host}:${sshd.port}`, of: 10 },
      { input: sshd.user, of: 10 },
      { input: sshd.clientKeyPath, of: 10 },
      { input: '', of: 10 },
      { input: '', of: 10 },
    ];
    for (const [index, answer] of answers.entries()) {
      const count = answer.of === undefined ? `${index + 1}` : `${index + 1}/${answer.of}`;
      await wb.waitForQuickInputTitle(`step ${count} of the wizard`, (title) => title === `Add Environment (${count})`);
      if (answer.pick !== undefined) await wb.pick(answer.pick);
      else await wb.acceptInput(answer.input);
    }
    await wb.clickNotificationButton('Test Connection');
    await wb.waitFor(
      'the Test Connection result',
      async () =>
        (await wb.notifications()).find((t) =>
          /^qa: connection OK — URL ✓\s+SSH ✓\s+Tunnel ✓\s+Database ✓\s+_prisma_migrations ✓/.test(t),
        ),
      60_000,
    );
    const written = fs.readFileSync(path.join(settingsDir(), 'settings.json'), 'utf8');
    const qa = (JSON.parse(written) as { 'driftGuard.environments': Array<Record<string, unknown>> })[
      'driftGuard.environments'
    ].find((e) => e.name === 'qa');
    assert.deepEqual(qa, {
      name: 'qa',
      kind: 'development',
      url: { from: 'secret' },
      ssh: { host: sshd.host, port: sshd.port, user: sshd.user, auth: 'key', keyPath: sshd.clientKeyPath },
    });
    assert.ok(!written.includes('postgresql://'), 'no URL in settings');
    await wb.waitFor(
      'qa in the tree',
      async () => (await wb.treeRows()).some((r) => /^qa development · in sync/.test(r)) || undefined,
      90_000,
    );
  });

  it('comes back to the Migrations view from the status bar', async () => {
    const wb = workbench!;
    await wb.runCommand('View: Show Explorer');
    await wb.waitFor(
      'the Migrations view to be hidden',
      async () => !(await wb.page.locator(SIDEBAR_ROWS, { hasText: '20260127_init' }).first().isVisible()) || undefined,
    );
    await wb.page
      .locator('.part.statusbar .statusbar-item', { hasText: /pending|drifted|in sync|unreachable/ })
      .first()
      .click();
    await wb.waitFor(
      'the Migrations view after clicking the status bar item',
      async () => (await wb.page.locator(SIDEBAR_ROWS, { hasText: '20260127_init' }).first().isVisible()) || undefined,
    );
  });
});
