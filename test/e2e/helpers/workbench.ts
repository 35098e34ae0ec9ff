/**
 * Page helpers for e2e tests driving code-server's real workbench with Debian's Chromium (playwright-core).
 * Every wait polls the DOM for a condition with a timeout and a message saying what it waited for; no
 * fixed sleeps. The runner (test/harness/runE2e.mjs) starts code-server and passes:
 *   DRIFT_GUARD_E2E_URL        workbench URL with ?folder= of the demo workspace copy
 *   DRIFT_GUARD_E2E_RESULTS    folder for screenshots and timings (test-results/e2e)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { StopPolling, waitFor } from '../../fixtures/util';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;
const SIDEBAR_ROWS = '.part.sidebar .monaco-list-row';
const PANEL = '.part.panel';
const OUTPUT_EDITOR = `${PANEL} .output-view .monaco-editor`;

/** The demo workspace copy the runner opened (DRIFT_GUARD_E2E_WORKSPACE). */
export function e2eWorkspace(): string {
  const dir = process.env.DRIFT_GUARD_E2E_WORKSPACE;
  if (!dir) throw new Error('DRIFT_GUARD_E2E_WORKSPACE is not set: run through test/harness/runE2e.mjs');
  return dir;
}

/** What {@link Workbench.reportFailure} needs of a mocha test (`this.currentTest` in `afterEach`). */
export interface FinishedTest {
  title: string;
  state?: string;
}

/** The bit of the DOM's HTMLElement used here (this tsconfig has no DOM lib). */
interface StyledElement {
  style: { top: string };
  textContent: string | null;
}

export interface OpenOptions {
  url?: string;
  viewport?: { width: number; height: number };
  /** How long the workbench may take to show the workspace (ms). */
  timeoutMs?: number;
}

/** One workbench page in its own Chromium. */
export class Workbench {
  /** `Date.now()` right before the page started loading. */
  readonly loadStartedAt: number;
  /** ms from {@link loadStartedAt} until the explorer showed the workspace folder. */
  workbenchReadyMs = 0;

  private constructor(
    readonly browser: Browser,
    readonly page: Page,
    loadStartedAt: number,
  ) {
    this.loadStartedAt = loadStartedAt;
  }

  /** Launches Chromium, opens the workbench URL and waits until the explorer lists the workspace folder. */
  static async open(options: OpenOptions = {}): Promise<Workbench> {
    const url = options.url ?? process.env.DRIFT_GUARD_E2E_URL;
    if (!url) {
      throw new Error('DRIFT_GUARD_E2E_URL is not set: run the e2e tests through `node test/harness/runE2e.mjs`');
    }
    const browser = await chromium.launch({
      executablePath: process.env.DRIFT_GUARD_CHROMIUM ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1600, height: 1000 } });
      const started = Date.now();
      await page.goto(url);
      const workbench = new Workbench(browser, page, started);
      await workbench.waitForSelector(
        '.explorer-folders-view .monaco-list-row',
        'the explorer to list the workspace folder',
        options.timeoutMs ?? 60_000,
      );
      workbench.workbenchReadyMs = Date.now() - started;
      return workbench;
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /** Polls `probe` (run in Node, may query the page) until it yields a value; see fixtures/util waitFor. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
    return waitFor(what, probe, { timeoutMs, intervalMs: 100 });
  }

  /** Waits until an element matching `selector` is visible. */
  async waitForSelector(selector: string, what = selector, timeoutMs = 30_000): Promise<void> {
    await this.waitFor(
      what,
      async () => (await this.page.locator(selector).first().isVisible()) || undefined,
      timeoutMs,
    );
  }

  /** Waits until the page's visible text contains `text` (or matches it). */
  async waitForText(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    await this.waitFor(
      `page text ${String(text)}`,
      async () => {
        const body = await this.page.locator('body').innerText();
        return (typeof text === 'string' ? body.includes(text) : text.test(body)) || undefined;
      },
      timeoutMs,
    );
  }

  /** Opens the command palette (F1) and waits for its input. */
  async openCommandPalette(): Promise<void> {
    // Focus the workbench first so F1 reaches it rather than the browser chrome.
    await this.page
      .locator('.monaco-workbench')
      .first()
      .focus()
      .catch(() => undefined);
    await this.page.keyboard.press('F1');
    await this.waitForSelector(QUICK_INPUT_BOX, 'the command palette input');
  }

  /**
   * Runs a command by its palette title (`Category: Title`), like a user: F1, type, click the entry.
   * The palette lists the commands known when it opens; right after startup an extension's contributions may
   * still be loading, so when the entry is missing the palette is closed and opened again until `timeoutMs`.
   */
  async runCommand(title: string, options: { timeoutMs?: number; opensQuickPick?: boolean } = {}): Promise<void> {
    await this.pickFromPalette(
      `>${title}`,
      title,
      `"${title}" in the command palette`,
      options.timeoutMs ?? 60_000,
      !options.opensQuickPick,
    );
  }

  /** Opens the palette with `query`, waits for an entry labelled `label` (reopening if needed) and picks it. */
  private async pickFromPalette(
    query: string,
    label: string,
    what: string,
    timeoutMs: number,
    waitForClose: boolean,
  ): Promise<void> {
    await this.waitFor(
      what,
      async () => {
        await this.failOnDialog();
        await this.openCommandPalette();
        // Something that opens late (a restored editor, a view revealing itself) can take the focus and close the
        // palette right after it opened: then open it again rather than wait for an input that is gone.
        const filled = await this.page
          .locator(QUICK_INPUT_BOX)
          .fill(query, { timeout: 3_000 })
          .then(
            () => true,
            () => false,
          );
        if (!filled) {
          await this.page.keyboard.press('Escape');
          return undefined;
        }
        const found = await waitFor(what, () => this.quickPickHas(label), { timeoutMs: 1_500, intervalMs: 100 }).catch(
          () => false,
        );
        if (!found) {
          await this.page.keyboard.press('Escape');
          return undefined;
        }
        // The palette can still close under the click (same late focus change): then start over.
        return this.page
          .locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: label })
          .first()
          .click({ timeout: 3_000 })
          .then(
            () => true,
            async () => {
              await this.page.keyboard.press('Escape');
              return undefined;
            },
          );
      },
      timeoutMs,
    );
    if (waitForClose) {
      await this.waitFor(
        'the command palette to close',
        async () => !(await this.page.locator(QUICK_INPUT_BOX).isVisible()) || undefined,
      );
    }
  }

  /** True when the open quick pick lists an entry whose label is exactly `label`. */
  private async quickPickHas(label: string): Promise<true | undefined> {
    const labels = await this.page.locator(`${QUICK_INPUT} .monaco-list-row .label-name`).allInnerTexts();
    return labels.some((text) => text.trim() === label) || undefined;
  }

  /** Text of the modal dialog on screen (e.g. "Command … resulted in an error"), if any. */
  async dialog(): Promise<string | undefined> {
    const box = this.page.locator('.monaco-dialog-box').first();
    if (!(await box.isVisible().catch(() => false))) return undefined;
    return (await box.innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Throws (stopping any poll) when a modal dialog appeared: waiting longer cannot help then. */
  async failOnDialog(): Promise<void> {
    const text = await this.dialog();
    if (text) throw new StopPolling(new Error(`a dialog appeared: ${text}`));
  }

  /** Texts of the notification toasts currently shown (errors of a failing command end up here). */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-toast .notification-list-item-message').allInnerTexts();
  }

  /**
   * Shows the Output panel with channel `name` selected. A command that shows its channel itself gets a few
   * seconds to do so; otherwise the channel is picked through "Output: Show Output Channels...".
   */
  async showOutputChannel(name: string, graceMs = 5_000): Promise<void> {
    const shown = await this.waitFor(
      `the Output panel to show "${name}"`,
      async () => {
        await this.failOnDialog();
        return (await this.currentOutputChannel()) === name || undefined;
      },
      graceMs,
    ).catch((error: Error) => {
      if (/a dialog appeared/.test(error.message)) throw error;
      return false;
    });
    if (shown) return;
    await this.runCommand('Output: Show Output Channels...', { opensQuickPick: true });
    // That command replaces the palette with a quick pick listing the channels.
    await this.waitFor(`output channel "${name}" in the picker`, () => this.quickPickHas(name), 15_000);
    await this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: name }).first().click();
    await this.waitFor(
      `the Output panel to show "${name}"`,
      async () => (await this.currentOutputChannel()) === name || undefined,
      15_000,
    );
  }

  /** The channel selected in the Output panel, or undefined when the panel is not showing it. */
  async currentOutputChannel(): Promise<string | undefined> {
    const select = this.page.locator(`${PANEL} select[aria-label="Switch Output"]`).first();
    if (!(await this.page.locator(OUTPUT_EDITOR).first().isVisible())) return undefined;
    if ((await select.count()) === 0) return undefined;
    return select.evaluate((el) => (el as unknown as { value: string }).value);
  }

  /**
   * The full text of Output channel `name`, read from the rendered editor lines. The editor only renders
   * what is in view, so this scrolls through it and collects each line once (keyed by its offset).
   */
  async readOutputChannel(name: string): Promise<string> {
    await this.showOutputChannel(name);
    const editor = this.page.locator(OUTPUT_EDITOR).first();
    const lines = new Map<number, string>();
    const rendered = () =>
      editor.locator('.view-lines .view-line').evaluateAll((els) =>
        els.map((el): [number, string] => {
          const line = el as unknown as StyledElement;
          return [parseFloat(line.style.top) || 0, (line.textContent ?? '').replace(/\u00a0/g, ' ')];
        }),
      );
    const lastTop = async () => Math.max(-1, ...(await rendered()).map(([top]) => top));
    // Keyboard navigation in the read-only editor: to the top, then a page at a time until it stops moving.
    const box = await editor.boundingBox();
    if (!box) throw new Error('the Output editor is not laid out');
    await this.page.mouse.click(box.x + Math.min(60, box.width / 2), box.y + Math.min(10, box.height / 2));
    await this.page.keyboard.press('Control+Home');
    await this.waitFor(
      'the Output editor to show its first line',
      async () => (await rendered()).some(([top]) => top === 0) || undefined,
      5_000,
    );
    for (let page = 0; page < 500; page++) {
      for (const [top, text] of await rendered()) lines.set(top, text);
      const before = await lastTop();
      await this.page.keyboard.press('PageDown');
      const moved = await waitFor(
        'the Output editor to scroll',
        async () => ((await lastTop()) > before ? true : undefined),
        { timeoutMs: 1_000, intervalMs: 50 },
      ).catch(() => false);
      if (!moved) break;
    }
    for (const [top, text] of await rendered()) lines.set(top, text);
    return [...lines.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, text]) => text)
      .join('\n');
  }

  /** Polls the Output channel `name` until its text satisfies `accept`; the timeout names the last text and toasts. */
  async waitForOutputChannel(name: string, accept: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
    let last = '';
    try {
      await this.showOutputChannel(name);
      return await this.waitFor(
        `Output channel "${name}" to show the expected text`,
        async () => {
          await this.failOnDialog();
          last = await this.readOutputChannel(name);
          return accept(last) ? last : undefined;
        },
        timeoutMs,
      );
    } catch (error) {
      const toasts = await this.notifications().catch(() => []);
      throw new Error(
        `${(error as Error).message}\n--- last text of "${name}":\n${last || '(empty or not shown)'}\n--- notifications: ${toasts.length ? toasts.join(' | ') : 'none'}`,
      );
    }
  }

  /** Opens a workspace file by its name through Quick Open (Ctrl+P), like a user. */
  async openFile(relativePath: string): Promise<void> {
    await this.page
      .locator('.monaco-workbench')
      .first()
      .focus()
      .catch(() => undefined);
    await this.waitFor('the Quick Open input', async () => {
      await this.failOnDialog();
      await this.page.keyboard.press('Control+P');
      await this.waitForSelector(QUICK_INPUT_BOX, 'the Quick Open input', 5_000).catch(() => undefined);
      // As in pickFromPalette: an input closed by a late focus change is opened again.
      return this.page
        .locator(QUICK_INPUT_BOX)
        .fill(relativePath, { timeout: 3_000 })
        .then(
          () => true,
          async () => {
            await this.page.keyboard.press('Escape');
            return undefined;
          },
        );
    });
    const base = path.basename(relativePath);
    // Quick Open searches the files in the background; on a loaded machine the first search can come back empty
    // before the file index is ready. Type the name again every 10 s (a new search) until the file is listed.
    let typedAt = Date.now();
    await this.waitFor(
      `"${relativePath}" in Quick Open`,
      async () => {
        if (await this.quickPickHas(base)) return true;
        if (Date.now() - typedAt > 10_000) {
          typedAt = Date.now();
          await this.page
            .locator(QUICK_INPUT_BOX)
            .fill('', { timeout: 3_000 })
            .catch(() => undefined);
          await this.page
            .locator(QUICK_INPUT_BOX)
            .fill(relativePath, { timeout: 3_000 })
            .catch(() => undefined);
        }
        return undefined;
      },
      60_000,
    );
    await this.page.keyboard.press('Enter');
    await this.waitForSelector(`.tabs-container .tab.active[aria-label^="${base}"]`, `the editor tab of ${base}`);
    // The editor takes the keyboard focus a moment after its tab shows; a palette opened before that would be
    // closed by it (seen under load). Wait for the focus to be in the editor and Quick Open to be gone.
    await this.waitFor(
      `the focus in the editor of ${base}`,
      async () =>
        ((await this.page.evaluate(
          `!!document.activeElement && !!document.activeElement.closest('.editor-group-container.active .monaco-editor')`,
        )) &&
          !(await this.page.locator(QUICK_INPUT_BOX).isVisible())) ||
        undefined,
    );
  }

  /** Texts of the CodeLenses currently rendered in the visible editors. */
  async codeLenses(): Promise<string[]> {
    return (
      await this.page
        .locator('.monaco-editor .codelens-decoration a, .monaco-editor .codelens-decoration span')
        .allInnerTexts()
    )
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
  }

  /** Clicks the CodeLens whose text is `text` (or contains it). */
  async clickCodeLens(text: string): Promise<void> {
    const lens = this.page.locator('.monaco-editor .codelens-decoration a', { hasText: text }).first();
    await this.waitFor(`the CodeLens "${text}"`, async () => (await lens.isVisible()) || undefined);
    await lens.click();
  }

  /** Rows of the Problems panel (opened if needed). */
  async problems(): Promise<string[]> {
    if (!(await this.page.locator('.markers-panel').first().isVisible())) {
      await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    }
    return (await this.page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    );
  }

  /** Texts of the status bar items. */
  async statusBar(): Promise<string[]> {
    return (await this.page.locator('.part.statusbar .statusbar-item').allInnerTexts())
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
  }

  /** Clicks a button of a notification toast (e.g. "Mark as applied on…"). */
  async clickNotificationButton(label: string, timeoutMs = 60_000): Promise<void> {
    const button = this.page.locator('.notification-toast .monaco-button', { hasText: label }).first();
    await this.waitFor(
      `a notification with the button "${label}"`,
      async () => {
        await this.failOnDialog();
        return (await button.isVisible()) || undefined;
      },
      timeoutMs,
    );
    await button.click();
  }

  /** Accepts the open input box with its current value, or types `value` first. */
  async acceptInput(value?: string): Promise<void> {
    await this.waitForSelector(QUICK_INPUT_BOX, 'an input box');
    if (value !== undefined) await this.page.locator(QUICK_INPUT_BOX).fill(value);
    await this.page.keyboard.press('Enter');
  }

  /** Picks `label` in the open quick pick. */
  async pick(label: string): Promise<void> {
    await this.waitFor(`"${label}" in the quick pick`, () => this.quickPickHas(label), 15_000);
    await this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: label }).first().click();
  }

  /** Clicks a button of the modal dialog on screen. */
  async clickDialogButton(label: string): Promise<void> {
    const button = this.page.locator('.monaco-dialog-box .monaco-button', { hasText: label }).first();
    await this.waitFor(`a dialog with the button "${label}"`, async () => (await button.isVisible()) || undefined);
    await button.click();
  }

  /** Whether the quick input (palette, input box, quick pick) is on screen. */
  async quickInputVisible(): Promise<boolean> {
    return this.page.locator(QUICK_INPUT).first().isVisible();
  }

  /** The title of the open quick input, e.g. "Add Environment (2)". */
  async quickInputTitle(): Promise<string> {
    return (
      (await this.page
        .locator(`${QUICK_INPUT} .quick-input-title`)
        .first()
        .textContent()
        .catch(() => '')) ?? ''
    ).trim();
  }

  /** Waits until the open quick input's title satisfies `accept` (a wizard step, a confirmation) and returns it. */
  async waitForQuickInputTitle(what: string, accept: (title: string) => boolean, timeoutMs = 30_000): Promise<string> {
    return this.waitFor(
      what,
      async () => {
        await this.failOnDialog();
        if (!(await this.quickInputVisible())) return undefined;
        const title = await this.quickInputTitle();
        return accept(title) ? title : undefined;
      },
      timeoutMs,
    );
  }

  /** The message under the open input box: its prompt, or the validation error that replaced it. */
  async quickInputMessage(): Promise<string> {
    return (
      (await this.page
        .locator(`${QUICK_INPUT} .quick-input-message`)
        .first()
        .textContent()
        .catch(() => '')) ?? ''
    )
      .replace(/\s+/g, ' ')
      .trim();
  }

  /** Types `value` into the open quick input with the keyboard, replacing what it held (Ctrl+A first), without accepting. */
  async typeIntoQuickInput(value: string): Promise<void> {
    await this.waitForSelector(QUICK_INPUT_BOX, 'an input box');
    await this.page.locator(QUICK_INPUT_BOX).focus();
    await this.page.keyboard.press('Control+A');
    if (value === '') await this.page.keyboard.press('Backspace');
    else await this.page.keyboard.type(value);
    await this.waitFor(
      'the input box to hold what was typed',
      async () => (await this.page.locator(QUICK_INPUT_BOX).inputValue()) === value || undefined,
      5_000,
    );
  }

  /** Types `value` with the keyboard and presses Enter, like a user answering an input box or filtering a quick pick. */
  async typeAndAccept(value: string): Promise<void> {
    await this.typeIntoQuickInput(value);
    await this.page.keyboard.press('Enter');
  }

  /** The side bar's tree rows as `label description`, whitespace collapsed. */
  async treeRows(): Promise<string[]> {
    const parts = await this.page.locator(SIDEBAR_ROWS).evaluateAll((els) =>
      els.map((el) => {
        const text = (selector: string): string =>
          (el as unknown as { querySelector(s: string): { textContent: string | null } | null }).querySelector(selector)
            ?.textContent ?? '';
        return `${text('.label-name')} ${text('.label-description')}`;
      }),
    );
    return parts.map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** Waits until a side bar row matches `pattern` and returns it. */
  /** The text of the side bar's welcome content (a view with no rows: package.json `viewsWelcome`), '' when none shows. */
  async welcomeText(): Promise<string> {
    const texts = await this.page
      .locator('.part.sidebar .welcome-view-content')
      .evaluateAll((els) => els.map((el) => (el as unknown as { innerText: string }).innerText));
    return texts
      .join('\n')
      .replace(/[ \t]+/g, ' ')
      .trim();
  }

  /** Waits until the side bar shows welcome content matching `pattern`; resolves with its text. */
  async waitForWelcome(pattern: RegExp, timeoutMs = 90_000): Promise<string> {
    return this.waitFor(
      `welcome content matching ${String(pattern)}`,
      async () => {
        await this.failOnDialog();
        const text = await this.welcomeText();
        return pattern.test(text) ? text : undefined;
      },
      timeoutMs,
    );
  }

  /** Clicks the button `label` of the side bar's welcome content. */
  async clickWelcomeButton(label: string): Promise<void> {
    await this.page.locator('.part.sidebar .welcome-view-content .monaco-button', { hasText: label }).first().click();
  }

  async waitForTreeRow(pattern: RegExp, timeoutMs = 90_000): Promise<string> {
    return this.waitFor(
      `a tree row matching ${String(pattern)}`,
      async () => {
        await this.failOnDialog();
        return (await this.treeRows()).find((r) => pattern.test(r));
      },
      timeoutMs,
    );
  }

  /** Hovers the side bar row whose text contains `text` and clicks its inline action `action`. */
  async clickInlineAction(text: string, action: string): Promise<void> {
    const row = this.page.locator(SIDEBAR_ROWS, { hasText: text }).first();
    await row.hover();
    const button = row.locator(`.actions .action-label[aria-label="${action}"]`).first();
    await this.waitFor(
      `the inline action "${action}" on "${text}"`,
      async () => (await button.isVisible()) || undefined,
    );
    await button.click();
  }

  /**
   * Right-clicks the side bar row whose text contains `text` and runs `item` of its context menu: pointed at,
   * then Enter (the menu's own keyboard handling; a synthetic click right after it opens is not always taken).
   */
  async clickContextMenu(text: string, item: string): Promise<void> {
    await this.page.locator(SIDEBAR_ROWS, { hasText: text }).first().click({ button: 'right' });
    const entry = this.page
      .locator('.monaco-menu .action-item', { has: this.page.locator('.action-label', { hasText: item }) })
      .first();
    await this.waitFor(
      `"${item}" in the context menu of "${text}"`,
      async () => (await entry.isVisible()) || undefined,
    );
    await entry.hover();
    await this.waitFor(
      `"${item}" to be the focused menu entry`,
      async () => /\bfocused\b/.test((await entry.getAttribute('class')) ?? '') || undefined,
      5_000,
    );
    await this.page.keyboard.press('Enter');
    await this.waitFor(
      'the context menu to close',
      async () => !(await this.page.locator('.monaco-menu').first().isVisible()) || undefined,
      5_000,
    );
  }

  /** Drags the sash at the side bar's right edge so the tree rows show their descriptions whole. */
  async widenSideBar(width: number): Promise<void> {
    const sidebar = await this.page.locator('.part.sidebar').first().boundingBox();
    if (!sidebar) throw new Error('the side bar is not laid out');
    const edge = sidebar.x + sidebar.width;
    const sashes = await this.page.locator('.monaco-sash.vertical').evaluateAll((els) =>
      els.map((el) => {
        const r = (
          el as unknown as { getBoundingClientRect(): { x: number; y: number; width: number; height: number } }
        ).getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2, height: r.height };
      }),
    );
    const sash = sashes.filter((b) => b.height > 100).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
    if (!sash || Math.abs(sash.x - edge) > 10) throw new Error(`no sash at the side bar's edge (x=${edge})`);
    await this.page.mouse.move(sash.x, sash.y);
    await this.page.mouse.down();
    await this.page.mouse.move(sidebar.x + width, sash.y, { steps: 8 });
    await this.page.mouse.up();
  }

  /**
   * For a mocha `afterEach`: when `test` failed, saves a screenshot named after it and prints the toasts, the
   * side bar's rows and the extension's Output channel, so a failure in CI says what the UI showed.
   */
  async reportFailure(test: FinishedTest | undefined): Promise<void> {
    if (test?.state !== 'failed') return;
    const file = await this.screenshot(`failed-${test.title.replace(/\W+/g, '-')}`).catch(() => undefined);
    if (file) console.log(`    screenshot: ${path.relative(process.cwd(), file)}`);
    const toasts = await this.notifications().catch(() => []);
    const rows = await this.treeRows().catch(() => []);
    const output = await this.readOutputChannel('Prisma Drift Guard').catch((e: Error) => `(unreadable: ${e.message})`);
    console.log(
      `    rows: ${rows.join(' | ') || 'none'}\n    notifications: ${toasts.join(' | ') || 'none'}\n    Prisma Drift Guard output:\n${output.replace(/^/gm, '      ')}`,
    );
  }

  /** Saves a PNG of the page under the results folder (test-results/e2e) and returns its path. */
  async screenshot(name: string): Promise<string> {
    const dir = process.env.DRIFT_GUARD_E2E_RESULTS ?? path.resolve('test-results', 'e2e');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
