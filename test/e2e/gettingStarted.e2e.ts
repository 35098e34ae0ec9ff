/**
 * e2e: what a new user meets first, in code-server's real UI with the packaged extension. The demo without a
 * `.env` and without environments: the Migrations view shows its welcome content with "Create .env from
 * .env.example"; the button copies the example (the file opens, the message says what to fill in) and the view
 * lists the `local` database. Then the getting-started walkthrough opens from the palette with its five steps.
 * Screenshots of both land in test-results/e2e.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workbench, e2eWorkspace } from './helpers/workbench';

describe('getting started: welcome view, Create .env from .env.example, walkthrough (e2e)', function () {
  this.timeout(180_000);
  let workbench: Workbench | undefined;
  const envFile = (): string => path.join(e2eWorkspace(), '.env');
  const settingsDir = (): string => path.join(e2eWorkspace(), '.vscode');
  let savedEnv: string | undefined;
  let savedSettings: string | undefined;

  before(async () => {
    // The workspace is shared by the e2e files: put back what was there.
    savedEnv = fs.existsSync(envFile()) ? fs.readFileSync(envFile(), 'utf8') : undefined;
    const settings = path.join(settingsDir(), 'settings.json');
    savedSettings = fs.existsSync(settings) ? fs.readFileSync(settings, 'utf8') : undefined;
    fs.rmSync(envFile(), { force: true });
    fs.rmSync(settings, { force: true });
    workbench = await Workbench.open();
  });

  afterEach(async function () {
    await workbench?.reportFailure(this.currentTest);
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(envFile(), { force: true });
    if (savedEnv !== undefined) fs.writeFileSync(envFile(), savedEnv);
    if (savedSettings !== undefined) {
      fs.mkdirSync(settingsDir(), { recursive: true });
      fs.writeFileSync(path.join(settingsDir(), 'settings.json'), savedSettings);
    }
  });

  it('shows the welcome content when no database is known, and its button creates .env from .env.example', async () => {
    const wb = workbench!;
    await wb.runCommand('Prisma Drift Guard: Show Migrations');
    const welcome = await wb.waitForWelcome(/Create \.env from \.env\.example/);
    assert.match(welcome, /^No database to show yet/);
    assert.deepEqual(await wb.treeRows(), [], 'no tree row: the welcome content stands alone');
    await wb.screenshot('welcome-view-no-database');

    await wb.clickWelcomeButton('Create .env from .env.example');
    const message = await wb.waitFor('the message saying what to fill in', async () =>
      (await wb.notifications()).find((t) => t.startsWith('Created .env from .env.example')),
    );
    assert.match(message, /Set DATABASE_URL to your development database/);
    assert.match(message, /Also fill in: NEXTAUTH_SECRET, OPENAI_API_KEY/);
    assert.equal(
      fs.readFileSync(envFile(), 'utf8'),
      fs.readFileSync(path.join(e2eWorkspace(), '.env.example'), 'utf8'),
    );
    await wb.waitFor(
      '.env open in the editor',
      async () => (await wb.page.locator('.tabs-container .tab', { hasText: '.env' }).count()) > 0 || undefined,
    );
    // The datasource URL resolves now: the view lists the project's own database instead of the welcome.
    await wb.waitForTreeRow(/^local\b/);
    assert.equal(await wb.welcomeText(), '');
  });

  it("opens the getting-started walkthrough from the palette, with its five steps; a step's button ticks it off", async () => {
    const wb = workbench!;
    await wb.runCommand('Welcome: Open Walkthrough...', { opensQuickPick: true });
    await wb.typeAndAccept('Get started with Prisma Drift Guard');
    const steps = wb.page.locator('.gettingStartedContainer .getting-started-step .step-title');
    await wb.waitFor('the walkthrough steps', async () => ((await steps.count()) === 5 ? true : undefined));
    assert.deepEqual(
      (await steps.allInnerTexts()).map((t) => t.trim()),
      ['Open a Prisma project', 'See the drift', 'Create a baseline', 'Add an environment', 'Open the runbook'],
    );
    await wb.screenshot('walkthrough');
    // A step's button runs its command, and running it ticks the step off.
    await wb.page
      .locator('.gettingStartedContainer .getting-started-step.expanded .monaco-button', {
        hasText: 'Show Project Summary',
      })
      .first()
      .click();
    await wb.waitFor('the first step ticked off', async () => {
      // The step's check icon gets the class `complete`.
      return (
        (await wb.page
          .locator('.gettingStartedContainer .getting-started-step')
          .first()
          .locator('.codicon.complete')
          .count()) > 0 || undefined
      );
    });
  });
});
