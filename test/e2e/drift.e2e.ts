/**
 * e2e: drift in the editor, through code-server's real UI with the packaged extension. The demo's
 * .env points DATABASE_URL at a database prepared like the team's production (ten migrations
 * applied, then the invoicing tables and users columns added with db push). The Problems panel
 * lists the drift, the CodeLens offers "Create baseline", which writes and opens the migration;
 * "Mark as applied" on that database (safety proof passes) brings the status bar to "in sync".
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareProdLike } from '../fixtures/demoDatabase';
import { sharedPostgres } from '../fixtures/postgres';
import { Workbench, e2eWorkspace as workspace } from './helpers/workbench';

function baselineFolders(): string[] {
  return fs.readdirSync(path.join(workspace(), 'prisma', 'migrations')).filter((f) => /_baseline_/.test(f));
}

describe('drift in the editor (e2e)', function () {
  this.timeout(240_000);
  let workbench: Workbench | undefined;
  const envFile = () => path.join(workspace(), '.env');

  before(async () => {
    const pg = await sharedPostgres();
    const url = await pg.createDatabase(`e2e_prod_${Date.now()}`);
    await prepareProdLike(url);
    fs.writeFileSync(envFile(), `# written by the e2e test\nDATABASE_URL="${url}"\n`);
    workbench = await Workbench.open();
  });

  afterEach(async function () {
    await workbench?.reportFailure(this.currentTest);
  });

  after(async () => {
    await workbench?.close();
    // Leave the workspace as the other e2e files expect it.
    fs.rmSync(envFile(), { force: true });
    for (const folder of baselineFolders()) {
      fs.rmSync(path.join(workspace(), 'prisma', 'migrations', folder), { recursive: true, force: true });
    }
  });

  it('lists the drift in the Problems panel and shows the CodeLens on schema.prisma', async () => {
    const wb = workbench!;
    await wb.openFile('prisma/schema.prisma');
    const rows = await wb.waitFor(
      'the drift rows in the Problems panel',
      async () => {
        const all = await wb.problems();
        return all.some((r) => r.includes('User.activatedAt')) && all.some((r) => r.includes('Model `Invoice`'))
          ? all
          : undefined;
      },
      90_000,
    );
    assert.ok(
      rows.some((r) => /`User\.activatedAt` \(column users\.activatedAt\) is not created by any migration/.test(r)),
      rows.join('\n'),
    );
    const lenses = await wb.waitFor(
      'the drift CodeLens',
      async () => {
        const all = await wb.codeLenses();
        return all.some((l) => /7 drifted objects not in any migration/.test(l)) && all.some((l) => /local: /.test(l))
          ? all
          : undefined;
      },
      90_000,
    );
    assert.ok(lenses.includes('Create baseline'), lenses.join(' | '));
    assert.ok(
      lenses.some((l) => /local: /.test(l)),
      `a lens for the local database: ${lenses.join(' | ')}`,
    );
    // The status bar counts each drifted object once: the schema's 7 drifted objects are the same 7 objects the local
    // database has from db push (its tooltip, set with the text, lists local once the database is checked).
    const counted = await wb.waitFor(
      'the status bar with the local database checked',
      async () => {
        const item = wb.page.locator('.part.statusbar .statusbar-item', { hasText: 'drifted' }).first();
        if (!(await item.isVisible())) return undefined;
        await item.hover();
        const tooltip = await wb.page
          .locator('.monaco-hover, .workbench-hover')
          .first()
          .innerText()
          .catch(() => '');
        const text = (await item.innerText()).trim();
        await wb.page.mouse.move(800, 300);
        return /local: .*7 drifted objects/.test(tooltip) ? text : undefined;
      },
      90_000,
    );
    assert.equal(counted, '7 drifted objects');
    // Jump to a drifted field from the Problems panel: the squiggle and the model's lenses in view.
    await wb.page
      .locator('.markers-panel .monaco-list-row', {
        hasText: '`User.activatedAt` (column users.activatedAt) is not created',
      })
      .first()
      .click();
    await wb.waitFor(
      'the editor to reveal activatedAt with its squiggle',
      async () => (await wb.page.locator('.monaco-editor .squiggly-warning').count()) > 0 || undefined,
    );
    const shot = await wb.screenshot('drift-squiggles-and-lenses');
    assert.ok(fs.statSync(shot).size > 10_000);
  });

  it('creates the baseline from the CodeLens, opens it, and marks it applied: the status bar reads "in sync"', async () => {
    const wb = workbench!;
    assert.deepEqual(baselineFolders(), []);
    // Back to the top of schema.prisma, where the summary lens sits on the datasource block.
    await wb.page.locator('.monaco-editor .view-lines').first().click();
    await wb.page.keyboard.press('Control+Home');
    await wb.clickCodeLens('Create baseline');
    await wb.acceptInput();
    await wb.waitForSelector(
      '.tabs-container .tab.active[aria-label^="migration.sql"]',
      'the new migration.sql in the editor',
      90_000,
    );
    const [folder] = baselineFolders();
    assert.match(folder, /^\d{14}_baseline_\d{8}$/);
    const sql = fs.readFileSync(path.join(workspace(), 'prisma', 'migrations', folder, 'migration.sql'), 'utf8');
    assert.match(sql, /CREATE TABLE "invoices"/);

    // The offer counts the objects as the CodeLens did ("7 drifted objects not in any migration"), not the 16 statements.
    const offer = await wb.waitFor(
      'the "Mark as applied on…" offer',
      async () => (await wb.notifications()).find((t) => /^Baseline \S+ created for/.test(t)),
      60_000,
    );
    assert.match(offer, /created for 7 drifted objects\. Review it/);
    // A click that lands while the toast is still sliding in is lost (seen once): click again until the pick is up.
    await wb.waitFor(
      'the environment pick of "Mark as applied on…"',
      async () => {
        if (!(await wb.quickInputVisible())) {
          await wb.clickNotificationButton('Mark as applied on…', 5_000).catch(() => undefined);
        }
        return (await wb.quickInputVisible()) || undefined;
      },
      60_000,
    );
    await wb.pick('local');
    await wb.clickDialogButton('Continue');
    const status = await wb.waitFor(
      'the status bar to read "in sync"',
      async () => {
        const items = await wb.statusBar();
        return items.some((t) => /in sync/.test(t)) ? items : undefined;
      },
      90_000,
    );
    assert.ok(status.some((t) => /in sync/.test(t)));
    await wb.screenshot('baseline-created-in-sync');
  });
  it('a field just typed is a new change: its quick fix offers "Create migration", not a baseline', async () => {
    const wb = workbench!;
    // schema.prisma is still open from the first test: back to its tab.
    await wb.page.locator('.tabs-container .tab[aria-label^="schema.prisma"]').first().click();
    const lines = fs.readFileSync(path.join(workspace(), 'prisma', 'schema.prisma'), 'utf8').split('\n');
    const userLine = lines.findIndex((l) => /^model User \{/.test(l)) + 1;
    await wb.page.locator('.monaco-editor .view-lines').first().click();
    await wb.openCommandPalette();
    await wb.typeAndAccept(`:${userLine}`);
    // Keys pressed while the go-to-line box is still closing are lost: wait for the editor's cursor on that line.
    await wb.waitFor(
      'the cursor on model User',
      async () =>
        (!(await wb.quickInputVisible()) && (await wb.statusBar()).some((t) => t.startsWith(`Ln ${userLine},`))) ||
        undefined,
    );
    await wb.page.keyboard.press('End');
    await wb.page.keyboard.press('Enter');
    await wb.page.keyboard.type('nickname String?');
    const row = await wb.waitFor(
      'the new field in the Problems panel',
      async () => (await wb.problems()).find((r) => r.includes('User.nickname')),
      90_000,
    );
    assert.match(row, /in no checked database \(local\): a new change, create a migration/);
    await wb.page.keyboard.press('Home');
    const menu = await wb.waitFor(
      'the quick fixes of the new field',
      async () => {
        // The Problems panel took the focus: the palette's Quick Fix… acts on the active editor's cursor.
        if (!(await wb.page.locator('.action-widget').first().isVisible())) await wb.runCommand('Quick Fix...');
        const text = await wb.page
          .locator('.action-widget, .context-view')
          .first()
          .innerText()
          .catch(() => '');
        return text.includes('Create migration') ? text : undefined;
      },
      30_000,
    );
    assert.doesNotMatch(menu, /Create baseline/);
    await wb.screenshot('new-field-create-migration');
    await wb.page.keyboard.press('Escape');
    await wb.runCommand('File: Revert File');
  });
});
