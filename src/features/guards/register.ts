import * as path from 'node:path';
import * as vscode from 'vscode';
import { MIGRATION_SELECTOR } from '../drift/codeLens';
import { resolveEnvironmentRef } from '../environments/commands';
import { type ProjectService } from '../projects/projectService';
import { registerCommand } from '../shared/commands';
import { GUARD_SOURCE, GuardRailsService } from './guardRailsService';
import {
  notifyRehearsal,
  REHEARSAL_SCHEME,
  RehearsalReportProvider,
  type RehearsalOutcome,
  rehearseDeploy,
  showRehearsalReport,
} from './rehearsal';
import { TerminalGuard } from './terminalGuard';
import { notify } from '../shared/notify';
import { type CoreServices } from '../shared/services';

/** The guard rails, as the extension's API exposes them to tests. */
export interface GuardRailsApi {
  /** Ordering hazards, names and applied-migration violations per project; diagnostics; restore from git. */
  service: GuardRailsService;
  /** Warnings about risky Prisma commands run in integrated terminals against production. */
  terminal: TerminalGuard;
  /** Runs a deploy rehearsal of `environment` of the project at `root` (no UI besides the progress). */
  rehearse(root: string, environment: string): Promise<RehearsalOutcome>;
  /** The last rehearsal run by the command or {@link rehearse}. */
  readonly lastRehearsal: RehearsalOutcome | undefined;
}

/**
 * The team's rules as guard rails: applied migrations read-only (diagnostics, notification, "Restore
 * from git"), ordering hazards and meaningless names, the terminal `db push` guard, and "Rehearse Deploy
 * on a Copy…". Nothing here runs at activation beyond registering listeners.
 */
export function registerGuardRails(context: vscode.ExtensionContext, services: CoreServices): GuardRailsApi {
  const { projects, analysis, engines, environments, logger } = services;
  const service = new GuardRailsService(projects, analysis, logger);
  const terminal = new TerminalGuard(projects, environments, logger);
  const reports = new RehearsalReportProvider();
  let lastRehearsal: RehearsalOutcome | undefined;
  context.subscriptions.push(
    service,
    terminal,
    reports,
    vscode.workspace.registerTextDocumentContentProvider(REHEARSAL_SCHEME, reports),
    vscode.languages.registerCodeActionsProvider(
      [...(MIGRATION_SELECTOR as vscode.DocumentFilter[]), { pattern: '**/migration_lock.toml', scheme: 'file' }],
      new RestoreCodeActionProvider(service, projects),
      {
        providedCodeActionKinds: RestoreCodeActionProvider.kinds,
      },
    ),
  );

  const rehearse = async (
    ref: Parameters<typeof rehearseDeploy>[1],
    token?: vscode.CancellationToken,
    report?: (m: string) => void,
  ): Promise<RehearsalOutcome> => {
    const outcome = await rehearseDeploy({ engines, environments, logger, reports }, ref, token, report);
    lastRehearsal = outcome;
    return outcome;
  };

  context.subscriptions.push(
    registerCommand(
      'driftGuard.restoreMigrationFromGit',
      vscode.l10n.t('Restore Migration from Git'),
      logger,
      async (...args: unknown[]) => {
        const target = await restoreTarget(projects, args);
        if (!target) return;
        const message = await service.restoreFromGit(target.root, target.migration);
        void notify.info(message);
      },
    ),
    registerCommand(
      'driftGuard.rehearseDeploy',
      vscode.l10n.t('Rehearse Deploy on a Copy…'),
      logger,
      async (...args: unknown[]) => {
        const ref = await resolveEnvironmentRef(
          { projects, environments, logger },
          args,
          () => true,
          vscode.l10n.t('Rehearse the deploy on a copy of which database?'),
        );
        if (!ref) return;
        const outcome = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: vscode.l10n.t('Rehearsing the deploy on a copy of {0}', ref.environment.name),
            cancellable: true,
          },
          (progress, token) => rehearse(ref, token, (message) => progress.report({ message })),
        );
        notifyRehearsal(outcome);
        await showRehearsalReport(outcome.uri);
      },
    ),
  );

  return {
    service,
    terminal,
    rehearse: async (root, name) => {
      const ref = await resolveEnvironmentRef({ projects, environments, logger }, [root, name], () => true, '');
      if (!ref) throw new Error(vscode.l10n.t('No environment "{0}" in {1}.', name, root));
      return rehearse(ref);
    },
    get lastRehearsal() {
      return lastRehearsal;
    },
  };
}

/** `(root, name)`, a migration.sql URI, a Migrations view row, or the active editor's migration. */
async function restoreTarget(
  projects: ProjectService,
  args: unknown[],
): Promise<{ root: string; migration: string } | undefined> {
  const [first, second] = args;
  if (typeof first === 'string' && typeof second === 'string') return { root: first, migration: second };
  await projects.ready();
  const row = first as { kind?: unknown; project?: { root?: unknown }; status?: { name?: unknown } } | undefined;
  if (row?.kind === 'migration' && typeof row.project?.root === 'string' && typeof row.status?.name === 'string') {
    return { root: row.project.root, migration: row.status.name };
  }
  const uri = first instanceof vscode.Uri ? first : vscode.window.activeTextEditor?.document.uri;
  if (uri?.scheme === 'file' && path.basename(uri.fsPath) === 'migration.sql') {
    const project = projects.projectFor(uri.fsPath);
    if (project) return { root: project.root, migration: path.basename(path.dirname(uri.fsPath)) };
  }
  void notify.info(vscode.l10n.t('Open the migration.sql to restore, or run this from its diagnostic.'));
  return undefined;
}

/** "Restore from git" on the diagnostics of an applied migration that was edited or deleted. */
class RestoreCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly service: GuardRailsService,
    private readonly projects: ProjectService,
  ) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const project =
      this.projects.projectFor(document.uri.fsPath) ??
      this.projects.all.find((p) => p.lockFile?.path === document.uri.fsPath);
    if (!project) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== GUARD_SOURCE) continue;
      const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
      let migration: string | undefined;
      if (code === 'applied-migration-edited' && path.basename(document.uri.fsPath) === 'migration.sql') {
        migration = path.basename(path.dirname(document.uri.fsPath));
      }
      if (code === 'applied-migration-deleted') {
        migration = this.service
          .findings(project.root)
          .find((f) => f.code === 'applied-migration-deleted' && diagnostic.message.includes(f.migration))?.migration;
      }
      if (!migration) continue;
      const action = new vscode.CodeAction(
        vscode.l10n.t('Restore {0} from git', migration),
        vscode.CodeActionKind.QuickFix,
      );
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      action.command = {
        command: 'driftGuard.restoreMigrationFromGit',
        title: action.title,
        arguments: [project.root, migration],
      };
      actions.push(action);
    }
    return actions;
  }
}
