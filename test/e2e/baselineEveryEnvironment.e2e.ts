/**
 * e2e: after Create Baseline, "Baseline Every Environment…" shows the deploy plan of every environment in one dialog
 * — `local` (prepared like the team's production: the invoicing tables added with db push) has every change of the
 * baseline, `staging` (the ten migrations only) has none — and marks it applied where proven. Asserted in the UI and
 * with SQL on the databases.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareHistoryOnly, prepareProdLike } from '../fixtures/demoDatabase';
import { type PostgresFixture, sharedPostgres } from '../fixtures/postgres';
import { Workbench, e2eWorkspace as workspace } from './helpers/workbench';

function baselineFolders(): string[] {
  return fs.readdirSync(path.join(workspace(), 'prisma', 'migrations')).filter((f) => /_baseline_/.test(f));
}

describe('Baseline Every Environment after Create Baseline (e2e)', function () {
  this.timeout(300_000);
  let workbench: Workbench | undefined;
  let pg: PostgresFixture;
  let local = '';
  let staging = '';
  const envFile = (): string => path.join(workspace(), '.env');
  const settingsDir = (): string => path.join(workspace(), '.vscode');

  before(async () => {
    pg = await sharedPostgres();
    local = `e2e_every_local_${Date.now()}`;
    staging = `e2e_every_staging_${Date.now()}`;
    const localUrl = await pg.createDatabase(local);
    const stagingUrl = await pg.createDatabase(staging);
    await prepareProdLike(localUrl);
    await prepareHistoryOnly(stagingUrl);
    fs.writeFileSync(envFile(), `# written by the e2e test\nDATABASE_URL="${localUrl}"\nSTAGING_URL="${stagingUrl}"\n`);
    fs.mkdirSync(settingsDir(), { recursive: true });
    fs.writeFileSync(
      path.join(settingsDir(), 'settings.json'),
      JSON.stringify(
        {
          'driftGuard.environments': [
            { name: 'staging', kind: 'staging', url: { from: 'env', variable: 'STAGING_URL' } },
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
    fs.rmSync(envFile(), { force: true });
    fs.rmSync(settingsDir(), { recursive: true, force: true });
    for (const folder of baselineFolders()) {
      fs.rmSync(path.join(workspace(), 'prisma', 'migrations', folder), { recursive: true, force: true });
    }
  });

  it("shows each environment's plan in one dialog and marks the baseline applied where proven", async () => {
    const wb = workbench!;
    await wb.openFile('prisma/schema.prisma');
    await wb.runCommand('Prisma Drift Guard: Create Baseline', { opensQuickPick: true });
    await wb.waitForQuickInputTitle('the baseline name box', (title) => /^Create baseline migration for /.test(title));
    await wb.acceptInput();
    await wb.waitForSelector(
      '.tabs-container .tab.active[aria-label^="migration.sql"]',
      'the new migration.sql in the editor',
      90_000,
    );
    const [folder] = baselineFolders();
    assert.ok(folder, 'the baseline was written');

    await wb.waitFor(
      'the plan dialog of "Baseline Every Environment…"',
      async () => {
        if (!(await wb.dialog())) {
          await wb.clickNotificationButton('Baseline Every Environment…', 5_000).catch(() => undefined);
        }
        return (await wb.dialog()) || undefined;
      },
      120_000,
    );
    const dialog = await wb.waitFor('both environments in the dialog', async () => {
      const text = await wb.dialog();
      return text && /staging \(staging\)/.test(text) && /local \(development\)/.test(text) ? text : undefined;
    });
    assert.match(dialog, /Baseline every environment of .*: 1 of 2 can be marked as applied\./);
    assert.match(
      dialog,
      new RegExp(`local \\(development\\): mark as applied \\(proven: it has every change\\): ${folder}`),
    );
    assert.match(
      dialog,
      new RegExp(`staging \\(staging\\): deploy there instead \\(it has none of the changes\\): ${folder}`),
    );
    await wb.screenshot('baseline-every-environment');

    await wb.clickDialogButton('Mark as Applied on local');
    await wb.clickDialogButton('Continue');
    const recorded = await wb.waitFor(
      'the baseline recorded as applied on local',
      async () =>
        (
          await pg.psql(
            `SELECT applied_steps_count FROM _prisma_migrations WHERE migration_name = '${folder}' AND finished_at IS NOT NULL`,
            local,
          )
        ).trim() === '0'
          ? true
          : undefined,
      90_000,
    );
    assert.ok(recorded);
    assert.equal(
      (await pg.psql(`SELECT count(*) FROM _prisma_migrations WHERE migration_name = '${folder}'`, staging)).trim(),
      '0',
      'nothing written to staging',
    );
  });
});
