/**
 * e2e: the environment commands and Mark Applied from the tree, in code-server's real UI with the packaged
 * extension, answered with the keyboard like a user. The database is a real one of the fixture cluster, owned
 * by its password user (the URL holds a password), with the demo's migrations applied but the last one.
 *
 * Add Environment (production, URL in SecretStorage) → its root in the Migrations view with the pending
 * migration; Test Connection reports each hop; Set Environment Secret (a wrong password: the Database hop
 * fails, the right URL back); Mark Applied from the tree: the typed confirmation (an empty Enter is told what
 * to type, a wrong name is refused, Escape says in the status bar that nothing was written), the engine's
 * safety proof (refused while the database lacks what the migration creates), then success once it has them; Edit Environment (rename, kind); Remove Environment after its confirmation. settings.json
 * never holds the URL or its password.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { migrationChecksum, readDemoMigration } from '../fixtures/demoDatabase';
import { prepareWithPending } from '../fixtures/explorerDatabase';
import { type PostgresFixture, sharedPostgres } from '../fixtures/postgres';
import { Workbench, e2eWorkspace } from './helpers/workbench';

const settingsFile = (): string => path.join(e2eWorkspace(), '.vscode', 'settings.json');

/** The entries of driftGuard.environments in the workspace's settings.json, and its raw text. */
function writtenEnvironments(): { text: string; environments: unknown[] } {
  const text = fs.existsSync(settingsFile()) ? fs.readFileSync(settingsFile(), 'utf8') : '{}';
  const parsed = JSON.parse(text) as { 'driftGuard.environments'?: unknown[] };
  return { text, environments: parsed['driftGuard.environments'] ?? [] };
}

/** The `_prisma_migrations` row of `name`, read through the fixture (not through the extension). */
async function recorded(
  url: string,
  name: string,
): Promise<Array<{ finished: boolean; rolledBack: boolean; checksum: string }>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ finished: boolean; rolledBack: boolean; checksum: string }>(
      'SELECT finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS "rolledBack", checksum FROM _prisma_migrations WHERE migration_name = $1',
      [name],
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('environment commands and Mark Applied from the tree (e2e)', function () {
  this.timeout(240_000);
  let workbench: Workbench | undefined;
  let pg: PostgresFixture;
  let url = '';
  let pending = '';

  before(async () => {
    pg = await sharedPostgres();
    const database = `e2e_env_prod_${Date.now()}`;
    await pg.createDatabase(database);
    // The password user owns it: the URL typed into the wizard carries a password that must stay out of settings.
    await pg.psql(`ALTER DATABASE ${database} OWNER TO ${pg.passwordUser}`);
    url = pg.url({ database, user: 'password' });
    [pending] = await prepareWithPending(url, 1);
    // No .env (no "local" database) and no settings: the configured environment is the only root.
    fs.rmSync(path.join(e2eWorkspace(), '.env'), { force: true });
    fs.rmSync(path.dirname(settingsFile()), { recursive: true, force: true });
    workbench = await Workbench.open();
  });

  afterEach(async function () {
    await workbench?.reportFailure(this.currentTest);
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(path.dirname(settingsFile()), { recursive: true, force: true });
  });

  it('adds a production environment whose URL goes to SecretStorage, refusing each bad answer with its reason (Escape half-way writes nothing); its root shows the pending migration', async () => {
    const wb = workbench!;
    await wb.runCommand('Prisma Drift Guard: Show Migrations');
    await wb.waitForWelcome(/^No database to show yet/);
    // Escape half-way leaves cleanly: nothing written, no error.
    await wb.runCommand('Prisma Drift Guard: Add Environment', { opensQuickPick: true });
    await wb.waitForQuickInputTitle('the name step', (t) => t === 'Add Environment (1)');
    await wb.typeAndAccept('abandoned');
    await wb.waitForQuickInputTitle('the kind step', (t) => t === 'Add Environment (2)');
    await wb.page.keyboard.press('Escape');
    await wb.waitFor('the wizard to close', async () => !(await wb.quickInputVisible()) || undefined);
    assert.deepEqual(writtenEnvironments().environments, [], 'nothing written after Escape');
    assert.deepEqual(
      (await wb.notifications()).filter((t) => /failed|abandoned/.test(t)),
      [],
      'no error and no "added" message',
    );

    await wb.runCommand('Prisma Drift Guard: Add Environment', { opensQuickPick: true });

    await wb.waitForQuickInputTitle('the name step', (t) => t === 'Add Environment (1)');
    await wb.typeAndAccept('prod eu');
    await wb.waitFor(
      'the name rule',
      async () => (await wb.quickInputMessage()).includes('1–64 letters, digits, "_", "-" or "."') || undefined,
    );
    await wb.typeAndAccept('local');
    await wb.waitFor(
      'why "local" is taken',
      async () => (await wb.quickInputMessage()).includes('"local" is the project\'s own datasource URL.') || undefined,
    );
    await wb.typeAndAccept('prod-eu');

    await wb.waitForQuickInputTitle('the kind step', (t) => t === 'Add Environment (2)');
    await wb.typeAndAccept('production');
    // How the database is reached fixes the number of steps: from here on the total does not change.
    await wb.waitForQuickInputTitle('the connection step', (t) => t === 'Add Environment (3)');
    await wb.typeAndAccept('Direct connection');
    await wb.waitForQuickInputTitle('the URL source step', (t) => t === 'Add Environment (4/5)');
    await wb.typeAndAccept('Stored in SecretStorage');

    await wb.waitForQuickInputTitle('the URL step', (t) => t === 'Add Environment (5/5)');
    assert.equal(
      await wb.page.locator('.quick-input-widget .quick-input-box input').getAttribute('type'),
      'password',
      'the URL is typed hidden',
    );
    await wb.typeAndAccept('mysql://root@127.0.0.1/app');
    await wb.waitFor(
      'the URL rule',
      async () => (await wb.quickInputMessage()).includes('A postgresql:// URL.') || undefined,
    );
    await wb.typeAndAccept(url);

    await wb.waitFor(
      'the "added" notification',
      async () => (await wb.notifications()).some((t) => t.includes('Environment prod-eu added.')) || undefined,
    );

    const written = writtenEnvironments();
    assert.deepEqual(written.environments, [{ name: 'prod-eu', kind: 'production', url: { from: 'secret' } }]);
    assert.ok(
      !written.text.includes(pg.password) && !written.text.includes('postgresql://'),
      `no URL nor password in settings.json:\n${written.text}`,
    );

    await wb.waitForTreeRow(/^prod-eu production · 1 pending$/);
    await wb.waitForTreeRow(new RegExp(`^${pending} pending$`));
    // The toast's next step does not vanish with it: the new environment offers Test Connection until it ran once.
    await wb.waitForTreeRow(/^Test Connection — not tested since it was added$/);
  });

  it('tests the connection from the tree: each hop in the notification and in the Output channel, no password', async () => {
    const wb = workbench!;
    await wb.clickInlineAction('prod-eu', 'Test Connection');
    await wb.waitFor(
      'the Test Connection result',
      async () =>
        (await wb.notifications()).find((t) =>
          /^prod-eu: connection OK — URL ✓\s+Database ✓\s+_prisma_migrations ✓/.test(t),
        ),
      60_000,
    );
    await wb.waitFor(
      'the "not tested" row to go',
      async () => !(await wb.treeRows()).some((r) => r.startsWith('Test Connection — not tested')) || undefined,
    );
    const output = await wb.waitForOutputChannel('Prisma Drift Guard', (text) =>
      /_prisma_migrations found:\s+9\s+recorded/.test(text),
    );
    assert.match(output, /Test Connection prod-eu \(/);
    assert.match(output, /✓ URL: SecretStorage → postgresql:\/\/drift_app:\*+@127\.0\.0\.1:\d+\/e2e_env_prod_/);
    assert.match(output, /✓ Database: PostgreSQL 15[^\n]*, database e2e_env_prod_\d+ as drift_app/);
    assert.match(
      output,
      /✓ _prisma_migrations: public\._prisma_migrations found: 9 recorded, 9 applied, 0 failed, 0 rolled back/,
    );
    assert.ok(!output.includes(pg.password), 'the password is not logged');
  });

  it('sets the URL secret from the context menu: a non-URL is refused, a wrong password fails at the Database hop, the right URL brings the root back', async () => {
    const wb = workbench!;
    const setUrl = async (value: string): Promise<void> => {
      await wb.clickContextMenu('prod-eu', 'Set Environment Secret');
      await wb.waitForQuickInputTitle('the URL secret input', (t) => t === 'Database URL of prod-eu');
      await wb.typeAndAccept(value);
    };
    await setUrl('not a url');
    await wb.waitFor(
      'the URL rule',
      async () => (await wb.quickInputMessage()).includes('A postgresql:// URL.') || undefined,
    );
    await wb.typeAndAccept(
      pg.url({ database: new URL(url).pathname.slice(1), user: 'password', password: 'not-the-password' }),
    );
    await wb.waitForTreeRow(/^prod-eu production · unreachable$/);
    await wb.clickInlineAction('prod-eu', 'Test Connection');
    const failure = await wb.waitFor(
      'the failed Test Connection',
      async () => (await wb.notifications()).find((t) => t.startsWith('prod-eu: Database failed')),
      60_000,
    );
    assert.match(
      failure,
      /Authentication failed for user "drift_app" on 127\.0\.0\.1:\d+\/e2e_env_prod_\d+ while testing the connection: check the password in the URL/,
    );
    assert.ok(!failure.includes('not-the-password'), 'the wrong password is not shown');
    assert.match(failure, /\(URL ✓\s+Database ✗\s+_prisma_migrations ·\)$/, 'the toast shows every hop');

    await setUrl(url);
    await wb.waitForTreeRow(/^prod-eu production · 1 pending$/);
    assert.ok(!writtenEnvironments().text.includes('postgresql://'));
  });

  it('marks the pending migration applied from the tree: typed confirmation, refused while the database lacks its objects, recorded once it has them', async () => {
    const wb = workbench!;
    const confirm = async (): Promise<void> => {
      await wb.clickInlineAction(pending, 'Mark Applied');
      const title = await wb.waitForQuickInputTitle('the typed confirmation', (t) => t.includes('(production)'));
      assert.equal(title, `Mark ${pending} as applied on prod-eu (production)`);
    };

    // Enter on the empty box says what is needed and keeps it open; a wrong name: the box says what to type and
    // does not accept; Escape leaves without writing, and the status bar says so.
    await confirm();
    assert.match(await wb.quickInputMessage(), /Type "prod-eu" to confirm\./);
    await wb.typeAndAccept('');
    await wb.waitFor(
      'what an empty Enter is told',
      async () =>
        (await wb.quickInputMessage()).includes('Type "prod-eu" to confirm, or press Escape to cancel.') || undefined,
    );
    assert.ok(await wb.quickInputVisible(), 'Enter on an empty box does not dismiss it');
    assert.equal(await wb.quickInputTitle(), `Mark ${pending} as applied on prod-eu (production)`);
    await wb.typeAndAccept('production');
    await wb.waitFor(
      'the refusal of the wrong name',
      async () => (await wb.quickInputMessage()).includes('Type "prod-eu" exactly.') || undefined,
    );
    assert.ok(await wb.quickInputVisible(), 'Enter on a wrong name does not confirm');
    await wb.page.keyboard.press('Escape');
    const cancelled = `Mark ${pending} as applied on prod-eu: cancelled, nothing was written.`;
    await wb.waitFor(
      'the confirmation to close and the status bar to say nothing was written',
      async () => (!(await wb.quickInputVisible()) && (await wb.statusBar()).includes(cancelled)) || undefined,
    );
    assert.deepEqual(await recorded(url, pending), [], 'nothing recorded after a wrong name');

    // The right name, but the database lacks what the migration creates: the safety proof refuses.
    await confirm();
    await wb.typeAndAccept('prod-eu');
    const refusal = await wb.waitFor('the safety proof refusal', () => wb.dialog(), 90_000);
    assert.match(refusal, new RegExp(`Refusing to record ${pending} as applied`));
    assert.match(refusal, /does not have every change it makes — .*assessments/);
    assert.match(refusal, /Nothing was written\./);
    assert.doesNotMatch(refusal, /force/i, 'no hint at a --force the UI does not offer');
    assert.ok(!refusal.includes(pg.password), 'the password is not shown');
    await wb.page.keyboard.press('Escape');
    await wb.waitFor('the refusal to close', async () => !(await wb.dialog()) || undefined);
    assert.deepEqual(await recorded(url, pending), [], 'nothing recorded after the refusal');
    // The command re-reads the database after it; the tree is rebuilt then (a row clicked meanwhile is gone).
    // The Output editor wraps long lines wherever the width falls (here "in 1281 ⏎ms (resolve)"): any whitespace.
    await wb.waitForOutputChannel('Prisma Drift Guard', (text) =>
      /1\s+migration\s+not\s+applied,\s+in\s+\d+\s+ms\s*\(resolve\)/.test(text),
    );
    await wb.waitForTreeRow(new RegExp(`^${pending} pending$`));

    // Someone ran the migration's SQL by hand: now the database has it, and recording it is safe.
    const sql = readDemoMigration(pending);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql.toString('utf8'));
    } finally {
      await client.end();
    }
    await wb.clickInlineAction('prod-eu', 'Refresh Migrations');
    await wb.waitForTreeRow(/^prod-eu production · 1 pending · \d+ drifted objects?$/);
    await confirm();
    await wb.typeAndAccept('prod-eu');
    await wb.waitFor(
      'the success notification',
      async () =>
        (await wb.notifications()).find(
          (t) =>
            t.startsWith(`Recorded ${pending} as applied on`) &&
            t.includes('the database already has every change it makes'),
        ),
      90_000,
    );
    // Recorded without running it (applied_steps_count 0): the tree calls that a baseline.
    await wb.waitForTreeRow(new RegExp(`^${pending} baseline · applied \\d{4}-\\d{2}-\\d{2}`));
    await wb.waitForTreeRow(/^prod-eu production · in sync$/);
    assert.deepEqual(await recorded(url, pending), [
      { finished: true, rolledBack: false, checksum: migrationChecksum(sql) },
    ]);

    // Both writes to production from the tree are in the workspace's one run log: the refusal and the record,
    // with the proof's result, who and where (password redacted); Export Run Log shows them.
    const logFile = path.join(e2eWorkspace(), '.drift-guard', 'run-log.jsonl');
    const log = await wb.waitFor('the run log to hold the Mark Applied', () => {
      const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
      const records = lines.map(
        (l) =>
          JSON.parse(l) as {
            source: string;
            step: string;
            environment: string;
            status: string;
            target: string;
            proof?: { ok: boolean };
            who?: { osUser?: string };
          },
      );
      return Promise.resolve(
        records.some((r) => r.status === 'succeeded' && r.step === `Mark ${pending} as applied`) ? records : undefined,
      );
    });
    const marks = log.filter((r) => r.step === `Mark ${pending} as applied`);
    assert.deepEqual(
      marks.map((r) => [r.source, r.environment, r.status, r.proof?.ok]),
      [
        ['tree', 'prod-eu', 'refused', false],
        ['tree', 'prod-eu', 'succeeded', true],
      ],
    );
    assert.ok(
      marks.every((r) => !!r.who?.osUser && !r.target.includes(pg.password)),
      JSON.stringify(marks),
    );
    await wb.runCommand('Prisma Drift Guard: Export Run Log');
    // The editor draws spaces as non-breaking ones: \s matches both.
    await wb.waitForText(/Writes\s+outside\s+a\s+runbook/);
    await wb.waitForText(new RegExp(`Mark\\s+${pending}\\s+as\\s+applied`));
    fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
  });

  it('edits the environment from the context menu (new name, kind staging, confirmed by typing the old name): the secret follows, the root is renamed', async () => {
    const wb = workbench!;
    await wb.clickContextMenu('prod-eu', 'Edit Environment');
    await wb.waitForQuickInputTitle('the name step', (t) => t === 'Edit Environment (1)');
    assert.equal(await wb.page.locator('.quick-input-widget .quick-input-box input').inputValue(), 'prod-eu');
    await wb.typeAndAccept('eu-main');
    await wb.waitForQuickInputTitle('the kind step', (t) => t === 'Edit Environment (2)');
    await wb.typeAndAccept('staging');
    await wb.waitForQuickInputTitle('the connection step', (t) => t === 'Edit Environment (3)');
    await wb.page.keyboard.press('Enter');
    await wb.waitForQuickInputTitle('the URL source step', (t) => t === 'Edit Environment (4/5)');
    await wb.page.keyboard.press('Enter');
    await wb.waitForQuickInputTitle('the URL step', (t) => t === 'Edit Environment (5/5)');
    assert.match(await wb.quickInputMessage(), /Leave empty to keep the stored one\./);
    await wb.page.keyboard.press('Enter');
    // Leaving production drops its guards: the old name must be typed, as for a write.
    await wb.waitForQuickInputTitle(
      'the confirmation to leave production',
      (t) => t === 'Make prod-eu a staging environment',
    );
    await wb.typeIntoQuickInput('eu-main');
    await wb.waitFor(
      'the confirmation to refuse another name',
      async () => /Type "prod-eu" exactly\./.test(await wb.quickInputMessage()) || undefined,
    );
    await wb.page.keyboard.press('Enter');
    assert.equal(
      await wb.quickInputTitle(),
      'Make prod-eu a staging environment',
      'Enter on a wrong name does not accept it',
    );
    assert.deepEqual(
      writtenEnvironments().environments.map((e) => (e as { name?: string }).name),
      ['prod-eu'],
      'nothing written before the confirmation',
    );
    await wb.typeAndAccept('prod-eu');

    await wb.waitForTreeRow(/^eu-main staging · in sync$/);
    assert.ok(!(await wb.treeRows()).some((r) => r.startsWith('prod-eu')), 'the old root is gone');
    const written = writtenEnvironments();
    assert.deepEqual(written.environments, [{ name: 'eu-main', kind: 'staging', url: { from: 'secret' } }]);
    assert.ok(!written.text.includes(pg.password) && !written.text.includes('postgresql://'));
  });

  it('removes the environment after its confirmation: Cancel keeps it, Remove takes the root and the entry away', async () => {
    const wb = workbench!;
    await wb.clickContextMenu('eu-main', 'Remove Environment');
    const question = await wb.waitFor('the removal question', () => wb.dialog());
    assert.match(question, /Remove the environment eu-main\?/);
    assert.match(question, /The database itself is not touched\./);
    await wb.clickDialogButton('Cancel');
    await wb.waitFor('the question to close', async () => !(await wb.dialog()) || undefined);
    assert.equal(writtenEnvironments().environments.length, 1, 'Cancel keeps the entry');
    await wb.waitForTreeRow(/^eu-main staging/);

    await wb.clickContextMenu('eu-main', 'Remove Environment');
    await wb.waitFor('the removal question', () => wb.dialog());
    await wb.clickDialogButton('Remove');
    await wb.waitForWelcome(/^No database to show yet/);
    assert.ok(!(await wb.treeRows()).some((r) => r.startsWith('eu-main')));
    assert.deepEqual(writtenEnvironments().environments, []);
    assert.equal((await recorded(url, pending)).length, 1, 'the database itself is untouched');
  });
});
