/**
 * e2e: the runbook panel in code-server's real UI with the packaged extension, on the demo's
 * docs/MIGRATIONS.md. A `production` environment (the seed's server, never contacted here) makes the deploy
 * sections show the red banner. The test opens the panel from the palette, runs a local step from its Run
 * button inside the webview, sees it turn green with exit 0, reads its output in the integrated terminal,
 * and takes the screenshot of the panel with the production banner.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Frame } from 'playwright-core';
import { Workbench, e2eWorkspace as workspace } from './helpers/workbench';

const LOCAL_STEP = 'Migrations présentes dans le dépôt';

/** The runbook webview's content frame (webviews are nested iframes: find the one holding the app). */
async function runbookFrame(wb: Workbench): Promise<Frame> {
  return wb.waitFor(
    'the runbook webview to render its steps',
    async () => {
      for (const frame of wb.page.frames()) {
        const found = await frame
          .locator('#app .step')
          .count()
          .catch(() => 0);
        if (found > 0) return frame;
      }
      return undefined;
    },
    60_000,
  );
}

/** The visible text of the integrated terminal (rendered as DOM with GPU acceleration off). */
async function terminalText(wb: Workbench): Promise<string> {
  const texts = await wb.page.locator('.terminal-wrapper .xterm-rows').allInnerTexts();
  return texts.join('\n').replace(/\u00a0/g, ' ');
}

describe('runbook panel (e2e)', function () {
  this.timeout(240_000);
  let workbench: Workbench | undefined;
  const cspViolations: string[] = [];
  const settingsDir = () => path.join(workspace(), '.vscode');

  before(async () => {
    fs.mkdirSync(settingsDir(), { recursive: true });
    fs.writeFileSync(
      path.join(settingsDir(), 'settings.json'),
      JSON.stringify(
        {
          'driftGuard.environments': [
            {
              name: 'production',
              kind: 'production',
              url: { from: 'secret' },
              ssh: { host: '88.99.254.59', user: 'root', auth: 'agent', database: '127.0.0.1:5435' },
            },
          ],
        },
        null,
        2,
      ),
    );
    workbench = await Workbench.open();
    // The webview's strict CSP must not block anything of ours (scripts, styles, the codicon font).
    workbench.page.on('console', (message) => {
      if (/Content Security Policy|Refused to (load|apply|execute)/i.test(message.text())) {
        cspViolations.push(message.text());
      }
    });
  });

  afterEach(async function () {
    await workbench?.reportFailure(this.currentTest);
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(settingsDir(), { recursive: true, force: true });
  });

  it('opens the panel on docs/MIGRATIONS.md with the production banner and the backup gate', async () => {
    const wb = workbench!;
    await wb.runCommand('Prisma Drift Guard: Open Runbook');
    await wb.waitForSelector(
      '.tabs-container .tab.active[aria-label^="Runbook: MIGRATIONS.md"]',
      'the runbook panel tab',
    );
    const frame = await runbookFrame(wb);
    const header = await frame.locator('.header h1').innerText();
    assert.match(header, /Stratégie Migrations — Nexus Réussite \(démo\)/);
    const banners = await wb.waitFor('the production banners', async () => {
      const all = await frame.locator('.banner.production').allInnerTexts();
      return all.length > 0 ? all : undefined;
    });
    assert.ok(
      banners.every((b) => /PRODUCTION\s+production · root@88\.99\.254\.59/.test(b)),
      banners.join(' | '),
    );
    assert.equal(banners.length, 3, 'deploy, verification and rollback sections');
    const gate = await frame.locator('.step', { hasText: 'Appliquer les migrations' }).locator('.gate').innerText();
    assert.match(gate, /No backup of production succeeded in this run/);
    await wb.waitFor(
      'the codicon font to load under the CSP',
      async () =>
        (await frame.evaluate(
          `[...document.fonts].some((f) => f.family.replace(/"/g, '') === 'codicon' && f.status === 'loaded')`,
        )) === true || undefined,
    );
    assert.deepEqual(cspViolations, []);
  });

  it('runs a local step from its Run button: it turns green with exit 0 and its output is in the terminal', async () => {
    const wb = workbench!;
    const frame = await runbookFrame(wb);
    const step = frame.locator('.step', { hasText: LOCAL_STEP }).first();
    assert.equal(await step.getAttribute('data-status'), 'notRun');
    await step.locator('button[data-action="run"]').click();
    await wb.waitFor(
      'the local step to succeed',
      async () => {
        await wb.failOnDialog();
        const current = frame.locator('.step', { hasText: LOCAL_STEP }).first();
        return (await current.getAttribute('data-status')) === 'succeeded' || undefined;
      },
      90_000,
    );
    const done = frame.locator('.step', { hasText: LOCAL_STEP }).first();
    const status = await done.locator('.status-line').innerText();
    assert.match(status, /^succeeded · exit 0 · \d/);
    assert.ok(await done.locator('.status-icon.codicon-pass-filled').isVisible(), 'the pass icon');
    const text = await wb.waitFor('the listing in the terminal', async () => {
      const t = await terminalText(wb);
      return t.includes('20260127_init') && t.includes('20260214_init_assessment_module') ? t : undefined;
    });
    assert.match(text, /ls prisma\/migrations/);
    const tabs = await wb.page
      .locator('.terminal-tabs-entry, .single-terminal-tab, .terminal-tab')
      .allInnerTexts()
      .catch(() => []);
    assert.ok(
      tabs.length === 0 || tabs.some((t) => t.includes('Runbook: local')),
      `terminal tabs: ${tabs.join(' | ')}`,
    );
  });

  it('folds sections and takes the screenshot of the panel with the production banner', async () => {
    const wb = workbench!;
    await wb.runCommand('View: Close Primary Side Bar');
    await wb.runCommand('View: Toggle Panel Visibility');
    await wb.waitFor(
      'the panel (terminal) to hide',
      async () => !(await wb.page.locator('.part.panel').first().isVisible()) || undefined,
    );
    const frame = await runbookFrame(wb);
    // Fold what is not the point of the picture: the done step of Étape 1 and the production deploy stay open.
    for (const title of [
      'Stratégie Migrations — Nexus Réussite (démo)',
      'Pré-requis',
      'Étape 2 — Créer la migration baseline',
      'Étape 3 — Valider en dev',
    ]) {
      const head = frame.locator('.section-head', { hasText: title }).first();
      await head.locator('.twistie').click();
      await wb.waitFor(
        `"${title}" to fold`,
        async () => (await head.locator('.twistie').getAttribute('aria-expanded')) === 'false' || undefined,
      );
    }
    const folded = await frame.locator('.section-head', { hasText: 'Étape 3 — Valider en dev' }).first().innerText();
    assert.match(folded, /0\/4/, 'a folded section shows its progress');
    await frame.evaluate('window.scrollTo(0, 0)');
    await wb.waitFor(
      'the production banner in view',
      async () => (await frame.locator('.banner.production').first().isVisible()) || undefined,
    );
    const shot = await wb.screenshot('runbook');
    assert.ok(fs.statSync(shot).size > 20_000);
  });

  it('comes back after a reload of the page with the run where it was (serializer + workspace state)', async () => {
    const wb = workbench!;
    // Developer: Reload Window, as a user would: the workbench shuts down in order and saves its state (open
    // editors, the webview's state) before reloading. A bare page.reload() can unload before that state is written.
    const reloaded = wb.page.waitForEvent('framenavigated', {
      predicate: (frame) => frame === wb.page.mainFrame(),
      timeout: 60_000,
    });
    await wb.runCommand('Developer: Reload Window');
    await reloaded;
    await wb.waitForSelector(
      '.tabs-container .tab[aria-label^="Runbook: MIGRATIONS.md"]',
      'the runbook tab restored',
      60_000,
    );
    await wb.page.locator('.tabs-container .tab[aria-label^="Runbook: MIGRATIONS.md"]').first().click();
    const frame = await runbookFrame(wb);
    await wb.waitFor(
      'the local step to still show as succeeded',
      async () =>
        (await frame
          .locator('.step', { hasText: LOCAL_STEP })
          .first()
          .getAttribute('data-status')
          .catch(() => null)) === 'succeeded' || undefined,
      60_000,
    );
    const status = await frame.locator('.step', { hasText: LOCAL_STEP }).first().locator('.status-line').innerText();
    assert.match(status, /^succeeded · exit 0 · \d/);
  });
});
