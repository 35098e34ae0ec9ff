import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { type HostMessage, isWebviewMessage, type Labels, type WebviewMessage } from '../../core/runbook/protocol';
import { errorMessage } from '../shared/commands';
import { type Logger } from '../shared/logger';
import { type RunbookSession } from './runbookSession';
import { safeText } from '../../core/util/controlChars';
import { notify } from '../shared/notify';
import { Disposable } from '../../core/util/lifecycle';

/** The panel's texts, localised here (the webview has no access to vscode.l10n). */
export function runbookLabels(): Labels {
  return {
    run: vscode.l10n.t('Run'),
    rerun: vscode.l10n.t('Re-run'),
    runSection: vscode.l10n.t('Run Section'),
    skip: vscode.l10n.t('Skip'),
    copy: vscode.l10n.t('Copy'),
    cancel: vscode.l10n.t('Cancel'),
    markDone: vscode.l10n.t('Mark Done'),
    newRun: vscode.l10n.t('New Run'),
    exportLog: vscode.l10n.t('Export Run Log'),
    openSource: vscode.l10n.t('Open in the editor'),
    addEnvironment: vscode.l10n.t('Add Environment'),
    verify: vscode.l10n.t('Verify'),
    verifyHint: vscode.l10n.t('History and live drift of this environment, through the engine'),
    edit: vscode.l10n.t('Edit'),
    notRun: vscode.l10n.t('not run'),
    running: vscode.l10n.t('running'),
    succeeded: vscode.l10n.t('succeeded'),
    failed: vscode.l10n.t('failed'),
    skipped: vscode.l10n.t('skipped'),
    cancelled: vscode.l10n.t('cancelled'),
    manual: vscode.l10n.t('manual'),
    destructive: vscode.l10n.t('destructive'),
    production: vscode.l10n.t('PRODUCTION'),
    exit: vscode.l10n.t('exit'),
    backupFile: vscode.l10n.t('Backup:'),
    restoreWith: vscode.l10n.t('Restore with:'),
    variables: vscode.l10n.t('Variables'),
    warnings: vscode.l10n.t('Warnings'),
    runStarted: vscode.l10n.t('Run started'),
    noSteps: vscode.l10n.t('No shell step found: commands are read from ```bash blocks.'),
    refused: vscode.l10n.t('refused'),
    loading: vscode.l10n.t('Loading…'),
    notSet: vscode.l10n.t('asked when needed'),
    runOn: vscode.l10n.t('Use {0} for This Section'),
    runHere: vscode.l10n.t('Run It Here Instead'),
    runsOnSuggested: vscode.l10n.t('For this runbook, the local steps of this section run on'),
    stepsCannotRun: vscode.l10n.t('Steps of this section that cannot run until then: {0}.'),
    teamRule: vscode.l10n.t('Team rule {0}: {1}'),
    rule1: vscode.l10n.t('Never db push in production — only migrate deploy'),
    rule2: vscode.l10n.t('Every schema change → a named migration through migrate dev'),
    rule3: vscode.l10n.t('Test the migration on a copy of the prod database before deploying'),
    rule4: vscode.l10n.t('Document each migration in the commit message'),
    rule5: vscode.l10n.t('Backup required before each migrate deploy in production'),
    rule6: vscode.l10n.t('Never delete a migration already applied in production'),
    equivalentCreateBaseline: vscode.l10n.t('Create Baseline Instead'),
    equivalentMarkApplied: vscode.l10n.t('Mark Applied with Proof Instead'),
    equivalentStatus: vscode.l10n.t('Engine Status Instead'),
    equivalentHint: vscode.l10n.t(
      'The same result without the Prisma CLI (where it cannot run): done by the extension, recorded in the run log as this equivalent',
    ),
  };
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** What the panel does that is not the session's: commands of other features, the clipboard. */
export interface PanelActions {
  exportRunLog(): Thenable<unknown>;
  addEnvironment(projectRoot: string | undefined): Thenable<unknown>;
}

/**
 * The runbook webview: strict CSP (`default-src 'none'`, one nonce'd script from the bundle), resources only
 * from dist/webview and media, the typed protocol of core/runbook/protocol.ts, and a `ready` handshake — the
 * state is posted when the webview asks for it, also after it was re-created on becoming visible again.
 */
export class RunbookPanel extends Disposable {
  private ready = false;
  private postTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** How many state messages were posted (the integration tests wait on it). */
  posted = 0;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly session: RunbookSession,
    private readonly extensionUri: vscode.Uri,
    private readonly actions: PanelActions,
    private readonly logger: Logger,
    private readonly onDispose: (panel: RunbookPanel) => void,
  ) {
    super();
    panel.webview.options = { enableScripts: true, localResourceRoots: RunbookPanel.resourceRoots(extensionUri) };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'migrations.svg');
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m), undefined, this.disposables);
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    session.onDidChange(() => this.schedulePost(), undefined, this.disposables);
  }

  /** Only the bundle's webview folder and the media folder can be loaded. */
  static resourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
    return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const asset = (...parts: string[]): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...parts)).toString();
    const csp = [
      `default-src 'none'`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${escapeAttribute(vscode.env.language)}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset('dist', 'webview', 'codicon.css')}">
  <link rel="stylesheet" href="${asset('media', 'runbook.css')}">
  <title>${escapeAttribute(this.panel.title)}</title>
</head>
<body data-file="${escapeAttribute(this.session.uri.fsPath)}">
  <div id="app" role="main"></div>
  <script nonce="${nonce}" src="${asset('dist', 'webview', 'runbook.js')}"></script>
</body>
</html>`;
  }

  private post(message: HostMessage): void {
    if (this.disposed) return;
    // Step output and database messages are shown as text: no control character gets in.
    const clean: unknown = JSON.parse(
      JSON.stringify(message, (_key, value: unknown) => (typeof value === 'string' ? safeText(value) : value)),
    );
    void this.panel.webview.postMessage(clean).then(undefined, () => undefined);
  }

  private schedulePost(): void {
    if (!this.ready || this.postTimer) return;
    // Coalesce bursts (a step's start, its output-driven updates, its end) into one snapshot.
    this.postTimer = setTimeout(() => {
      this.postTimer = undefined;
      this.postState();
    }, 30);
  }

  private postState(): void {
    this.posted++;
    this.post({ type: 'state', state: this.session.view() });
  }

  private receive(raw: unknown): void {
    if (!isWebviewMessage(raw)) {
      this.logger.warn(`Runbook panel: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    void this.handle(raw).catch((error: unknown) => {
      const message = errorMessage(error);
      this.logger.error(`Runbook panel: ${raw.type} failed: ${message}`);
      void notify.error(vscode.l10n.t('Runbook: {0}', message));
    });
  }

  private async handle(message: WebviewMessage): Promise<void> {
    const session = this.session;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'init', labels: runbookLabels() });
        this.postState();
        return;
      case 'run': {
        const result = await session.runStep(message.stepId);
        if (result.status === 'busy' && result.message) void notify.info(result.message);
        return;
      }
      case 'runSection': {
        const result = await session.runSection(message.sectionId);
        if (result.result?.status === 'busy' && result.result.message) void notify.info(result.result.message);
        return;
      }
      case 'skip':
        await session.skip(message.stepId);
        return;
      case 'markDone':
        session.markDone(message.stepId);
        return;
      case 'copy': {
        const text = session.commandText(message.stepId, message.what);
        if (text === undefined) return;
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(vscode.l10n.t('Copied: {0}', text.split('\n')[0]), 3000);
        return;
      }
      case 'cancel':
        session.cancel();
        return;
      case 'verify':
        await session.verify(message.stepId);
        return;
      case 'newRun': {
        const start = vscode.l10n.t('Start New Run');
        const choice = await notify.warn(
          vscode.l10n.t('Start a new run of {0}?', session.relativePath),
          {
            modal: true,
            detail: vscode.l10n.t(
              'Every step goes back to "not run" and the backups of this run no longer count for the deploy gate. The run log keeps everything.',
            ),
          },
          start,
        );
        if (choice === start) session.newRun();
        return;
      }
      case 'exportLog':
        await this.actions.exportRunLog();
        return;
      case 'openSource': {
        const doc = await vscode.workspace.openTextDocument(session.uri);
        const line = Math.max(0, Math.min(doc.lineCount - 1, message.line - 1));
        await vscode.window.showTextDocument(doc, {
          viewColumn: vscode.ViewColumn.One,
          selection: new vscode.Range(line, 0, line, 0),
          preview: false,
        });
        return;
      }
      case 'addEnvironment':
        await this.actions.addEnvironment(session.projectRoot);
        return;
      case 'editVariable':
        await session.editVariable(message.name);
        return;
      case 'useSuggestedTarget':
        session.useSuggestedTarget(message.stepId, message.use);
        return;
      case 'runEquivalent': {
        const result = await session.runEquivalent(message.stepId);
        if (result.status === 'busy' && result.message) void notify.info(result.message);
        return;
      }
    }
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  override dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.postTimer);
    this.onDispose(this);
    this.panel.dispose();
    super.dispose();
  }
}
