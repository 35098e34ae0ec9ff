import * as vscode from 'vscode';
import { type GuardRailsService } from '../guards/guardRailsService';
import { refreshMigrations, registerMigrationCommands } from './commands';
import { LOGS_SCHEME, MigrationLogsProvider } from './logsDocument';
import { MigrationsTreeDataProvider } from './treeDataProvider';
import { type CoreServices } from '../shared/services';

/** Shortest interval accepted for `driftGuard.refreshIntervalSeconds` (each refresh queries every database). */
const MIN_INTERVAL_SECONDS = 15;

/**
 * The "Prisma Migrations" container: the Migrations tree, its item actions, and when it refreshes
 * (migrations folder changes through the analysis service, environment and secret changes, on demand, and on
 * the optional interval while the view is visible).
 */
export function registerMigrations(
  context: vscode.ExtensionContext,
  services: CoreServices & { guards?: GuardRailsService },
): MigrationsTreeDataProvider {
  const { projects, analysis, environments, logger } = services;
  const tree = new MigrationsTreeDataProvider(projects, analysis, environments, services.guards);
  const logs = new MigrationLogsProvider();
  const view = vscode.window.createTreeView('driftGuard.migrations', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(tree, logs, view, vscode.workspace.registerTextDocumentContentProvider(LOGS_SCHEME, logs));
  registerMigrationCommands(context, { ...services, logs });

  // Settings or secrets changed: the databases are different ones now.
  let pending: NodeJS.Timeout | undefined;
  environments.onDidChangeEnvironments(
    () => {
      clearTimeout(pending);
      pending = setTimeout(
        () =>
          void refreshMigrations(services).catch((err: unknown) =>
            logger.warn(`Refresh after an environment change failed: ${String(err)}`),
          ),
        300,
      );
    },
    undefined,
    context.subscriptions,
  );

  // Optional periodic refresh, only while someone looks at the tree. Each database on its own: one whose
  // check is still in progress (an SSH server that does not answer) is left to it — ticks do not pile up
  // connections to it — and does not hold back the others.
  const refreshIdle = async (): Promise<void> => {
    const all = await projects.ready();
    await Promise.all(
      all.flatMap((project) => {
        const checking = analysis.get(project.root)?.databasesChecking ?? [];
        return environments
          .environments(project)
          .filter((e) => !checking.includes(e.name))
          .map((e) => analysis.analyzeDatabase(project, e.name, 'command'));
      }),
    );
  };
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    clearInterval(timer);
    timer = undefined;
    const seconds = vscode.workspace.getConfiguration('driftGuard').get<number>('refreshIntervalSeconds', 0);
    if (!(seconds > 0) || !view.visible) return;
    timer = setInterval(
      () => void refreshIdle().catch((err: unknown) => logger.warn(`Periodic refresh failed: ${String(err)}`)),
      Math.max(MIN_INTERVAL_SECONDS, seconds) * 1000,
    );
  };
  view.onDidChangeVisibility(schedule, undefined, context.subscriptions);
  vscode.workspace.onDidChangeConfiguration(
    (e) => e.affectsConfiguration('driftGuard.refreshIntervalSeconds') && schedule(),
    undefined,
    context.subscriptions,
  );
  schedule();
  context.subscriptions.push({
    dispose: () => {
      clearInterval(timer);
      clearTimeout(pending);
    },
  });
  return tree;
}
