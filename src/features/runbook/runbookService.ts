import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type EnvironmentSetting, remoteEndpoint } from '../../core/environments/config';
import { type PrismaProject } from '../../core/project/types';
import { parseRunbook } from '../../core/runbook/parser';
import { type WebviewPersistedState } from '../../core/runbook/protocol';
import { formatRunLog, type RunRecord } from '../../core/app/runLog';
import { runbookScore, runbookTemplate, type TemplateEnvironment } from '../../core/runbook/template';
import { type AnalysisService } from '../drift/analysisService';
import { type EngineService } from '../engine/engineService';
import { type EnvironmentService } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { type Logger } from '../shared/logger';
import { defaultPrompts, type RunbookPrompts } from './prompts';
import { type WorkspaceRunLog, workspaceRunLog } from '../shared/workspaceRunLog';
import { type RunbookContext, RunbookTerminals } from './runbookContext';
import { RunbookPanel } from './runbookPanel';
import { RUNBOOK_VIEW_TYPE } from './register';
import { RunbookSession } from './runbookSession';
import { notify } from '../shared/notify';

export const DEFAULT_RUNBOOK = 'docs/MIGRATIONS.md';
const SEARCH_EXCLUDE = '**/{node_modules,.git,dist,out,.next,.turbo,.cache,coverage,build}/**';
const MAX_SCANNED = 200;
const MAX_RUNBOOK_BYTES = 512 * 1024;

/**
 * The runbook feature: finds the runbook, keeps one session per runbook file (its run survives the panel
 * being closed and the window reloading), one panel per session, the terminals per environment and the
 * workspace's run history.
 */
export class RunbookService implements vscode.Disposable {
  private readonly sessions = new Map<string, Promise<RunbookSession>>();
  private readonly panels = new Map<string, RunbookPanel>();
  private readonly terminals: RunbookTerminals;
  private readonly history: WorkspaceRunLog;
  private readonly ctx: RunbookContext;
  /** The questions the runbook asks; the integration tests replace them. */
  prompts: RunbookPrompts = defaultPrompts;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly services: {
      projects: ProjectService;
      environments: EnvironmentService;
      analysis: AnalysisService;
      engines: EngineService;
      logger: Logger;
    },
  ) {
    this.terminals = new RunbookTerminals(services.environments, services.logger);
    this.history = workspaceRunLog(context);
    this.ctx = { context, ...services, terminals: this.terminals, history: this.history, prompts: () => this.prompts };
  }

  /** The session of a runbook file (created and parsed on first use). */
  session(uri: vscode.Uri): Promise<RunbookSession> {
    const key = uri.toString();
    let session = this.sessions.get(key);
    if (!session) {
      session = RunbookSession.open(uri, this.ctx);
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    return session;
  }

  /** The panel showing `uri`, if open. */
  panel(uri: vscode.Uri): RunbookPanel | undefined {
    return this.panels.get(uri.toString());
  }

  /**
   * The runbook of the workspace: `driftGuard.runbook` of each folder (default docs/MIGRATIONS.md), else the
   * markdown file that looks most like a runbook (deploy, backup and restore steps).
   */
  async locate(): Promise<vscode.Uri | undefined> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const config = vscode.workspace.getConfiguration('driftGuard', folder.uri);
      const setting = config.get<string>('runbook', DEFAULT_RUNBOOK).trim() || DEFAULT_RUNBOOK;
      const candidate = vscode.Uri.file(path.resolve(folder.uri.fsPath, setting));
      if (await exists(candidate.fsPath)) return candidate;
      const inspected = config.inspect<string>('runbook');
      const explicit = [inspected?.workspaceFolderValue, inspected?.workspaceValue, inspected?.globalValue].some(
        (v) => typeof v === 'string' && v.trim() !== '' && v.trim() !== DEFAULT_RUNBOOK,
      );
      if (explicit) throw new Error(vscode.l10n.t('driftGuard.runbook points to {0}, which does not exist.', setting));
    }
    const files = await vscode.workspace.findFiles('**/*.{md,markdown}', SEARCH_EXCLUDE, MAX_SCANNED);
    let best: { uri: vscode.Uri; score: number } | undefined;
    for (const uri of files) {
      try {
        const stat = await fs.stat(uri.fsPath);
        if (stat.size > MAX_RUNBOOK_BYTES) continue;
        const runbook = parseRunbook(uri.fsPath, await fs.readFile(uri.fsPath, 'utf8'));
        const score = runbookScore(runbook.sections.flatMap((s) => s.steps));
        if (
          score > 0 &&
          (!best || score > best.score || (score === best.score && uri.fsPath.length < best.uri.fsPath.length))
        ) {
          best = { uri, score };
        }
      } catch {
        // Unreadable: not a runbook.
      }
    }
    return best?.uri;
  }

  /** Opens (or reveals) the panel of a runbook; without `uri`, the workspace's runbook. */
  async open(uri?: vscode.Uri): Promise<RunbookSession | undefined> {
    const target = uri ?? (await this.locate());
    if (!target) {
      const create = vscode.l10n.t('Create Runbook from Template');
      const choice = await notify.info(
        vscode.l10n.t(
          'No runbook found: looked for {0} and for markdown files with deploy, backup or migrate steps.',
          DEFAULT_RUNBOOK,
        ),
        create,
      );
      if (choice === create) await vscode.commands.executeCommand('driftGuard.createRunbookFromTemplate');
      return undefined;
    }
    const session = await this.session(target);
    const existing = this.panels.get(target.toString());
    if (existing) {
      existing.reveal();
      return session;
    }
    const panel = vscode.window.createWebviewPanel(RUNBOOK_VIEW_TYPE, this.title(target), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: RunbookPanel.resourceRoots(this.context.extensionUri),
    });
    this.attach(panel, session);
    return session;
  }

  /** The serializer's part: a panel VS Code restored after a reload gets its session back. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const file =
      typeof state === 'object' && state !== null ? (state as Partial<WebviewPersistedState>).file : undefined;
    if (typeof file !== 'string' || !(await exists(file))) {
      panel.dispose();
      return;
    }
    const uri = vscode.Uri.file(file);
    const existing = this.panels.get(uri.toString());
    if (existing) {
      panel.dispose();
      existing.reveal();
      return;
    }
    panel.title = this.title(uri);
    this.attach(panel, await this.session(uri));
  }

  private title(uri: vscode.Uri): string {
    return vscode.l10n.t('Runbook: {0}', path.basename(uri.fsPath));
  }

  private attach(panel: vscode.WebviewPanel, session: RunbookSession): void {
    const key = session.uri.toString();
    const view = new RunbookPanel(
      panel,
      session,
      this.context.extensionUri,
      {
        exportRunLog: () => vscode.commands.executeCommand('driftGuard.exportRunLog'),
        addEnvironment: (root) => vscode.commands.executeCommand('driftGuard.addEnvironment', root),
      },
      this.services.logger,
      (closed) => {
        if (this.panels.get(key) === closed) this.panels.delete(key);
      },
    );
    this.panels.set(key, view);
  }

  /** "Create Runbook from Template": writes the seed's shape for the project's environments and opens it. */
  async createFromTemplate(project: PrismaProject | undefined, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const folder = project
      ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project.root))
      : vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new Error(vscode.l10n.t('Open a folder first: the runbook is written into the workspace.'));
    let uri = target;
    if (!uri) {
      const setting =
        vscode.workspace.getConfiguration('driftGuard', folder.uri).get<string>('runbook', DEFAULT_RUNBOOK).trim() ||
        DEFAULT_RUNBOOK;
      uri = vscode.Uri.file(path.resolve(folder.uri.fsPath, setting));
      if (await exists(uri.fsPath)) {
        uri = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(uri.fsPath.replace(/(\.\w+)?$/, '.template$1')),
          filters: { Markdown: ['md'] },
          title: vscode.l10n.t('{0} exists: where should the template go?', setting),
        });
        if (!uri) return undefined;
      }
    }
    const environments: TemplateEnvironment[] = project
      ? await Promise.all(
          this.services.environments.settingsFor(project).environments.map(async (e) => ({
            name: e.name,
            kind: e.kind,
            ...(e.ssh
              ? {
                  ssh: {
                    host: e.ssh.host,
                    user: e.ssh.user,
                    ...(e.ssh.port !== undefined ? { port: e.ssh.port } : {}),
                    ...(await this.serverSideDatabase(project, e, folder)),
                  },
                }
              : {}),
          })),
        )
      : [];
    const root = project?.root ?? folder.uri.fsPath;
    const relative = (p: string | undefined, fallback: string): string =>
      p ? path.relative(root, p).split(path.sep).join('/') || fallback : fallback;
    const urlVariable =
      project?.datasource?.url && (project.datasource.url.kind === 'env' || project.datasource.url.kind === 'config')
        ? project.datasource.url.variable
        : undefined;
    const text = runbookTemplate({
      project: project?.name ?? folder.name,
      environments,
      schemaPath: relative(project?.schemaPath, 'prisma/schema.prisma'),
      migrationsDir: relative(project?.migrationsDir, 'prisma/migrations'),
      urlVariable: urlVariable ?? 'DATABASE_URL',
      language: vscode.env.language.toLowerCase().startsWith('fr') ? 'fr' : 'en',
      date: new Date(),
    });
    await fs.mkdir(path.dirname(uri.fsPath), { recursive: true });
    await fs.writeFile(uri.fsPath, text, 'utf8');
    this.services.logger.info(`Runbook template written to ${uri.fsPath} (${environments.length} environment(s))`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    return uri;
  }

  /**
   * PostgreSQL's `host:port` as the SSH server sees it: `ssh.database`, else the host and port of the environment's
   * URL (the tunnel leads there too). Nothing when the URL is not available yet (the template then says 127.0.0.1:5432).
   */
  private async serverSideDatabase(
    project: PrismaProject,
    setting: EnvironmentSetting,
    folder: vscode.WorkspaceFolder,
  ): Promise<{ database?: string }> {
    if (!setting.ssh) return {};
    if (setting.ssh.database) return { database: setting.ssh.database };
    try {
      const endpoint = remoteEndpoint(
        setting.ssh,
        await this.services.environments.resolveUrl(project, setting, folder),
      );
      return { database: `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}` };
    } catch {
      return {};
    }
  }

  /**
   * "Export Run Log": the workspace's run log — runbook steps and every other write to a database (the Migrations
   * view, Create Baseline, the CLI) — as a markdown document (unsaved, to keep or attach).
   */
  async exportRunLog(): Promise<vscode.TextDocument> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.name;
    const content = formatRunLog(await this.history.records(), {
      title: vscode.l10n.t('Runbook run log{0}', folder ? ` — ${folder}` : ''),
    });
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }

  /** Every record of the run log (tests, export). */
  runRecords(): Promise<RunRecord[]> {
    return this.history.records();
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    for (const session of this.sessions.values()) {
      void session.then(
        (s) => s.dispose(),
        () => undefined,
      );
    }
    this.sessions.clear();
    this.terminals.dispose();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
