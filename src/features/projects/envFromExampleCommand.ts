import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createEnvFromExample, datasourceVariables, envExamplePaths } from '../../core/app/envFromExample';
import { type PrismaProject } from '../../core/project/types';
import { type EnvironmentService } from '../environments/environmentService';
import { registerCommand } from '../shared/commands';
import { type Logger } from '../shared/logger';
import { type ProjectService } from './projectService';
import { notify } from '../shared/notify';

/** Context keys of the Migrations view's welcome content (package.json `viewsWelcome`). */
export const CONTEXT_NO_DATABASE = 'driftGuard.noDatabase';
export const CONTEXT_CAN_CREATE_ENV = 'driftGuard.canCreateEnvFromExample';
/** At least one Prisma project is open: the keybindings' `when` clause. */
export const CONTEXT_HAS_PROJECT = 'driftGuard.hasProject';

/**
 * True when there are projects and none of them has a database to show (no datasource URL that resolves, no
 * configured environment, no settings problem to report): the Migrations view is empty and shows its welcome
 * content instead.
 */
export function noDatabaseAnywhere(projects: readonly PrismaProject[], environments: EnvironmentService): boolean {
  return (
    projects.length > 0 &&
    projects.every(
      (project) =>
        environments.environments(project).length === 0 && environments.settingsFor(project).problems.length === 0,
    )
  );
}

/** Projects with a `.env.example` and no `.env` yet. */
function projectsToSetUp(projects: readonly PrismaProject[]): PrismaProject[] {
  return projects.filter((project) => {
    const { examplePath, envPath } = envExamplePaths(project);
    return existsSync(examplePath) && !existsSync(envPath);
  });
}

/**
 * "Create .env from .env.example": the welcome view's button when no project has a database. Sets the two
 * context keys the welcome content depends on, and keeps them current (projects, `.env` files, settings).
 */
export function registerEnvFromExample(
  context: vscode.ExtensionContext,
  services: { projects: ProjectService; environments: EnvironmentService; logger: Logger },
): void {
  const { projects, environments, logger } = services;
  const title = vscode.l10n.t('Create .env from .env.example');
  const last = new Map<string, boolean>();
  const set = (key: string, value: boolean): void => {
    if (last.get(key) === value) return;
    last.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };
  const update = async (): Promise<void> => {
    const list = await projects.ready();
    const noDatabase = noDatabaseAnywhere(list, environments);
    set(CONTEXT_HAS_PROJECT, list.length > 0);
    set(CONTEXT_NO_DATABASE, noDatabase);
    set(CONTEXT_CAN_CREATE_ENV, noDatabase && projectsToSetUp(list).length > 0);
  };
  const schedule = (): void => void update().catch((err: unknown) => logger.warn(`Welcome view state: ${String(err)}`));
  projects.onDidChangeProjects(schedule, undefined, context.subscriptions);
  projects.onDidChangeProjectContents(schedule, undefined, context.subscriptions);
  environments.onDidChangeEnvironments(schedule, undefined, context.subscriptions);
  // The project watcher follows `.env`, not `.env.example`.
  const exampleWatcher = vscode.workspace.createFileSystemWatcher('**/.env.example');
  context.subscriptions.push(exampleWatcher);
  exampleWatcher.onDidCreate(schedule, undefined, context.subscriptions);
  exampleWatcher.onDidDelete(schedule, undefined, context.subscriptions);
  schedule();

  context.subscriptions.push(
    registerCommand('driftGuard.createEnvFromExample', title, logger, async () => {
      const list = await projects.ready();
      const candidates = list.filter((project) => existsSync(envExamplePaths(project).examplePath));
      if (candidates.length === 0) {
        void notify.info(
          vscode.l10n.t(
            'No .env.example next to a Prisma project: create .env yourself and set the datasource URL in it.',
          ),
        );
        return;
      }
      const waiting = projectsToSetUp(candidates);
      let project = (waiting.length > 0 ? waiting : candidates)[0];
      if (candidates.length > 1) {
        const picked = await vscode.window.showQuickPick(
          candidates.map((p) => ({ label: p.name, description: vscode.workspace.asRelativePath(p.root), project: p })),
          { title, placeHolder: vscode.l10n.t('Which project?') },
        );
        if (!picked) return;
        project = picked.project;
      }
      const result = await createEnvFromExample(project);
      const variable = datasourceVariables(project)[0] ?? 'DATABASE_URL';
      if (result.status === 'noExample') {
        void notify.warn(
          vscode.l10n.t('{0} is gone: nothing was created.', vscode.workspace.asRelativePath(result.examplePath)),
        );
        return;
      }
      const editor = await vscode.window.showTextDocument(vscode.Uri.file(result.envPath), { preview: false });
      if (result.status === 'exists') {
        logger.info(`${title}: ${result.envPath} already exists, kept as it is.`);
        void notify.info(
          vscode.l10n.t(
            '{0} already exists: it is kept as it is (nothing copied). Set {1} in it to the database to check.',
            path.basename(result.envPath),
            variable,
          ),
        );
        return;
      }
      logger.info(
        `${title}: copied ${result.examplePath} to ${result.envPath} (to fill in: ${result.toFill.map((v) => v.name).join(', ') || 'nothing'}).`,
      );
      const first = result.toFill.find((v) => v.line > 0);
      if (first) {
        const line = editor.document.lineAt(first.line - 1);
        editor.selection = new vscode.Selection(line.range.start, line.range.end);
        editor.revealRange(line.range);
      }
      const others = result.toFill.filter((v) => !v.datasource).map((v) => v.name);
      const message =
        others.length > 0
          ? vscode.l10n.t(
              "Created .env from .env.example. Set {0} to your development database (the schema's datasource reads it), then save: the Migrations view checks it. Also fill in: {1}. Keep .env out of git.",
              variable,
              others.join(', '),
            )
          : vscode.l10n.t(
              "Created .env from .env.example. Set {0} to your development database (the schema's datasource reads it), then save: the Migrations view checks it. Keep .env out of git.",
              variable,
            );
      void notify.info(message);
      await update();
    }),
  );
}
