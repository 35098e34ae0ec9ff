import * as path from 'node:path';
import * as vscode from 'vscode';
import { type AnalysisService } from '../drift/analysisService';
import { confirmWrite } from '../drift/commands';
import { pickProject } from '../shared/pickProject';
import { type EngineService } from '../engine/engineService';
import { isEngineError, withCancellation } from '../../core/engine';
import { resolveEnvironmentRef } from '../environments/commands';
import { type EnvironmentService, readableMessage } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { abortSignalOf } from '../shared/cancellation';
import { errorMessage, registerCommand } from '../shared/commands';
import { recordEnvironmentWrite, workspaceRunLog } from '../shared/workspaceRunLog';
import { type Logger } from '../shared/logger';
import { baselineEveryEnvironment, offerPlanFix, planOn } from './deployPlanPrompts';
import { type MigrationLogsProvider } from './logsDocument';
import { type MigrationNode, type MigrationsNode } from './treeDataProvider';
import { notify } from '../shared/notify';

/** What the explorer's commands need. */
export interface MigrationCommandServices {
  projects: ProjectService;
  analysis: AnalysisService;
  engines: EngineService;
  environments: EnvironmentService;
  logs: MigrationLogsProvider;
  logger: Logger;
}

function isMigrationNode(value: unknown): value is MigrationNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'migration';
}

function requireMigration(node: unknown): MigrationNode {
  // VS Code passes no row when it was clicked while the view was being refreshed (the row is being replaced).
  if (!isMigrationNode(node)) {
    throw new Error(
      vscode.l10n.t(
        'Run this from a migration in the Migrations view. If you did, the view was refreshing at that moment: try again.',
      ),
    );
  }
  return node;
}

/** Re-analyses the databases of one project (a row's) or of every project. Resolves when done. */
export async function refreshMigrations(
  services: Pick<MigrationCommandServices, 'projects' | 'analysis'>,
  node?: MigrationsNode | string,
): Promise<void> {
  const projects = await services.projects.ready();
  const root = typeof node === 'string' ? node : node && 'project' in node ? node.project?.root : undefined;
  const targets = root ? projects.filter((p) => p.root === root) : projects;
  services.analysis.forgetNotifications();
  await Promise.all(targets.map((p) => services.analysis.analyzeDatabases(p, 'command')));
}

/** The explorer's item actions: open, reveal, copy, logs, mark applied / rolled back, deploy, refresh. */
export function registerMigrationCommands(context: vscode.ExtensionContext, services: MigrationCommandServices): void {
  const { logger } = services;
  context.subscriptions.push(
    registerCommand('driftGuard.showMigrations', vscode.l10n.t('Show Migrations'), logger, () =>
      vscode.commands.executeCommand('driftGuard.migrations.focus'),
    ),
    registerCommand('driftGuard.refreshMigrations', vscode.l10n.t('Refresh Migrations'), logger, (node?: unknown) => {
      // Asked for by the user: a host key refused earlier may be asked about again.
      services.environments.forgetHostKeyRejections();
      return vscode.window.withProgress({ location: { viewId: 'driftGuard.migrations' } }, () =>
        refreshMigrations(services, node as MigrationsNode | string | undefined),
      );
    }),
    registerCommand('driftGuard.openMigration', vscode.l10n.t('Open migration.sql'), logger, async (node?: unknown) => {
      const { status } = requireMigration(node);
      if (!status.sqlPath) throw new Error(vscode.l10n.t('{0} is not in the migrations folder.', status.name));
      await vscode.window.showTextDocument(vscode.Uri.file(status.sqlPath), { preview: true });
    }),
    registerCommand(
      'driftGuard.revealMigration',
      vscode.l10n.t('Reveal in Explorer'),
      logger,
      async (node?: unknown) => {
        const { status } = requireMigration(node);
        if (!status.sqlPath) throw new Error(vscode.l10n.t('{0} is not in the migrations folder.', status.name));
        await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(path.dirname(status.sqlPath)));
      },
    ),
    registerCommand(
      'driftGuard.copyMigrationName',
      vscode.l10n.t('Copy Migration Name'),
      logger,
      async (node?: unknown) => {
        await vscode.env.clipboard.writeText(requireMigration(node).status.name);
      },
    ),
    registerCommand('driftGuard.showMigrationLogs', vscode.l10n.t('Show Logs'), logger, async (node?: unknown) => {
      const { status, environment } = requireMigration(node);
      const text = status.logs ?? vscode.l10n.t('No logs were recorded for {0} on {1}.', status.name, environment.name);
      const uri = services.logs.put(environment.name, status.name, text);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    // A tree row's Mark Applied / Mark Rolled Back: the command with its project, migration and environment.
    ...(
      [
        ['driftGuard.markAppliedOnEnvironment', 'driftGuard.markApplied', vscode.l10n.t('Mark Applied')],
        ['driftGuard.markRolledBackOnEnvironment', 'driftGuard.markRolledBack', vscode.l10n.t('Mark Rolled Back')],
      ] as const
    ).map(([id, command, title]) =>
      registerCommand(id, title, logger, async (node?: unknown) => {
        const { project, status, environment } = requireMigration(node);
        await vscode.commands.executeCommand(command, project.root, status.name, environment.name);
      }),
    ),
    registerCommand(
      'driftGuard.baselineEveryEnvironment',
      vscode.l10n.t('Baseline Every Environment…'),
      logger,
      async (root?: unknown) => {
        // From a tree row: its project; from the palette or a notification: the given root, the active editor's, or a pick.
        const project = await pickProject(services, isMigrationNode(root) ? root.project.root : root);
        if (!project) return undefined;
        return baselineEveryEnvironment(services, project, services.environments.environments(project));
      },
    ),
    registerCommand(
      'driftGuard.deployPending',
      vscode.l10n.t('Deploy Pending Migrations'),
      logger,
      async (...args: unknown[]) => {
        const ref = await resolveEnvironmentRef(
          services,
          args,
          (e) => e.kind !== 'production',
          vscode.l10n.t('Deploy the pending migrations to which database?'),
        );
        if (!ref) return;
        const { project, environment } = ref;
        if (environment.kind === 'production') {
          throw new Error(
            vscode.l10n.t(
              '{0} is a production database: deploys to production go through the runbook (backup first), not the tree.',
              environment.name,
            ),
          );
        }
        // Read the state now rather than trusting the tree: it may be minutes old. The plan says, for each pending
        // migration, whether deploying it is safe there; a baseline the database already has would fail (P3018).
        const plan = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: vscode.l10n.t('Checking what the deploy to {0} would do…', environment.name),
            cancellable: true,
          },
          // Read-only: Cancel stops the engine calls of the plan (they read the database under this cancellation).
          (_progress, token) => withCancellation(abortSignalOf(token), () => planOn(services, project, environment)),
        );
        if (!plan.deployable) {
          void offerPlanFix(project, environment, plan, logger);
          await refreshMigrations(services, project.root);
          return { refused: true, plan };
        }
        const pending = plan.pending;
        if (pending.length === 0) {
          void notify.info(vscode.l10n.t('Nothing to deploy: every migration is applied on {0}.', environment.name));
          await refreshMigrations(services, project.root);
          return { refused: false, plan };
        }
        const names =
          pending.length <= 4
            ? pending.join(', ')
            : `${pending.slice(0, 3).join(', ')}, … ${pending[pending.length - 1]}`;
        const action = vscode.l10n.t('Deploy {0} migration(s) ({1})', String(pending.length), names);
        if (!(await confirmWrite(environment, action))) return;
        const started = Date.now();
        // Every write to a database goes into the workspace's run log, failed ones too.
        const record = async (status: 'succeeded' | 'failed', message: string): Promise<void> => {
          await recordEnvironmentWrite(
            workspaceRunLog(context),
            { environments: services.environments, logger },
            environment,
            started,
            {
              source: 'tree',
              step: `Deploy ${pending.length} migration(s): ${names}`,
              command: 'prisma migrate deploy',
              status,
              message,
              cwd: project.root,
            },
          );
        };
        try {
          const result = await vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: vscode.l10n.t('Deploying to {0}…', environment.name),
            },
            async () => {
              const db = await environment.acquire();
              try {
                const deployed = await services.engines.engine.deploy(project, db.url);
                return { ...deployed, message: readableMessage(db, deployed.message) };
              } catch (error) {
                if (error instanceof Error) error.message = readableMessage(db, error.message);
                throw error;
              } finally {
                db.release();
              }
            },
          );
          logger.info(`Deploy to ${environment.name} (${environment.description}): ${result.message}`);
          await record('succeeded', result.message);
          void notify.info(result.message);
          return { refused: false, plan, applied: result.applied };
        } catch (error) {
          if (isEngineError(error) && error.code === 'timeout') {
            // Killed mid-deploy: say so, and which migration may be half done (they apply in order).
            const which =
              pending.length === 1
                ? pending[0]
                : vscode.l10n.t('{0} or one after it ({1})', pending[0], pending.slice(1).join(', '));
            error.message = vscode.l10n.t(
              'The deploy to {0} was stopped after {1} s: migration {2} may be partly applied — check the database.',
              environment.name,
              String(Math.round((Date.now() - started) / 1000)),
              which,
            );
          }
          await record('failed', errorMessage(error));
          throw error;
        } finally {
          // Also after a failure: the failed migration is now recorded and the tree must say so.
          await refreshMigrations(services, project.root);
        }
      },
    ),
  );
}
