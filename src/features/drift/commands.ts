import * as vscode from 'vscode';
import { attributeToSchema } from '../../core/drift/attribution';
import { groupFindings } from '../../core/drift/findings';
import { isEngineError } from '../../core/engine';
import { type PrismaProject } from '../../core/project/types';
import { type EngineService } from '../engine/engineService';
import { type DatabaseEnvironment, type EnvironmentService } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { registerCommand } from '../shared/commands';
import { askTyped } from '../shared/typedConfirmation';
import { type Logger } from '../shared/logger';
import { type AnalysisService } from './analysisService';
import { type DriftSqlProvider } from './sqlDocument';

/** What the drift commands need. */
export interface DriftCommandServices {
  projects: ProjectService;
  analysis: AnalysisService;
  engines: EngineService;
  environments: EnvironmentService;
  sql: DriftSqlProvider;
  logger: Logger;
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

/** The project a command acts on: the one given, the active editor's, the only one, or the user's pick. */
export async function pickProject(services: Pick<DriftCommandServices, 'projects'>, root?: unknown): Promise<PrismaProject | undefined> {
  const projects = await services.projects.ready();
  if (typeof root === 'string') {
    const found = projects.find((p) => p.root === root);
    if (found) return found;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file') {
    const owner = services.projects.projectFor(active.fsPath);
    if (owner) return owner;
  }
  if (projects.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No Prisma project found in this workspace.'));
    return undefined;
  }
  if (projects.length === 1) return projects[0];
  const pick = await vscode.window.showQuickPick(
    projects.map((p) => ({ label: p.name, description: vscode.workspace.asRelativePath(p.schemaPath), project: p })),
    { placeHolder: vscode.l10n.t('Which Prisma project?') },
  );
  return pick?.project;
}

/**
 * Asks before writing to a database; production needs the environment's name typed. Enter on an empty box
 * says what is needed instead of dismissing it; Escape cancels. When the user cancels, a status-bar message
 * says nothing was written.
 */
export async function confirmWrite(environment: DatabaseEnvironment, action: string): Promise<boolean> {
  const confirmed = environment.kind === 'production' ? await typedName(environment, action) : await continueOn(environment, action);
  if (!confirmed) vscode.window.setStatusBarMessage(vscode.l10n.t('{0} on {1}: cancelled, nothing was written.', action, environment.name), 5000);
  return confirmed;
}

/** The production confirmation: true once the environment's name is typed and accepted, false on Escape. */
function typedName(environment: DatabaseEnvironment, action: string): Promise<boolean> {
  return askTyped({
    title: vscode.l10n.t('{0} on {1} (production)', action, environment.name),
    prompt: vscode.l10n.t('This writes to the production database {0}. Type "{1}" to confirm.', environment.description, environment.name),
    expected: environment.name,
  });
}

/** The confirmation of a write to a database that is not production: a modal with Continue. */
async function continueOn(environment: DatabaseEnvironment, action: string): Promise<boolean> {
  const ok = vscode.l10n.t('Continue');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('{0} on {1}?', action, environment.name),
    { modal: true, detail: vscode.l10n.t('Database: {0}', environment.description) },
    ok,
  );
  return choice === ok;
}

async function pickEnvironment(services: DriftCommandServices, project: PrismaProject, name?: unknown): Promise<DatabaseEnvironment | undefined> {
  const environments = services.environments.environments(project);
  if (typeof name === 'string') {
    const found = environments.find((e) => e.name === name);
    if (found) return found;
  }
  if (environments.length === 0) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('{0} has no database to record this on: set its datasource URL (e.g. DATABASE_URL in .env) or add an environment.', project.name),
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    environments.map((e) => ({ label: e.name, description: `${e.kind} · ${e.description}`, environment: e })),
    { placeHolder: vscode.l10n.t('Mark as applied on which database?') },
  );
  return pick?.environment;
}

/** `migrate resolve --applied` with the engine's safety proof, after the user's confirmation. */
async function resolveOn(
  services: DriftCommandServices,
  project: PrismaProject,
  migration: string,
  environment: DatabaseEnvironment,
  action: 'applied' | 'rolledBack',
): Promise<void> {
  // The project as discovered now: a migration folder created a moment ago must be in it.
  project = (await services.projects.ready()).find((p) => p.root === project.root) ?? project;
  const verb = action === 'applied' ? vscode.l10n.t('Mark {0} as applied', migration) : vscode.l10n.t('Mark {0} as rolled back', migration);
  if (!(await confirmWrite(environment, verb))) return;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('{0} on {1}…', verb, environment.name) },
    async () => {
      const acquired = await environment.acquire();
      try {
        const result = await services.engines.engine.resolve(project, acquired.url, action === 'applied' ? { applied: migration } : { rolledBack: migration });
        services.logger.info(result.message);
        void vscode.window.showInformationMessage(result.message);
      } catch (err) {
        if (isEngineError(err) && err.code === 'refused') {
          services.logger.warn(err.message);
          void vscode.window.showErrorMessage(err.message, { modal: true });
          return;
        }
        throw err;
      } finally {
        acquired.release();
      }
    },
  );
  await services.analysis.analyzeDatabases(project, 'resolve');
}

/** Registers the drift commands (palette titles under "Prisma Drift Guard"). */
export function registerDriftCommands(context: vscode.ExtensionContext, services: DriftCommandServices): void {
  const { logger } = services;
  context.subscriptions.push(
    registerCommand('driftGuard.createBaseline', vscode.l10n.t('Create Baseline'), logger, async (root?: unknown) => {
      const project = await pickProject(services, root);
      if (!project) return;
      const blocking = project.problems.find((p) => p.severity === 'error');
      if (blocking) throw new Error(blocking.message);
      const name = await vscode.window.showInputBox({
        title: vscode.l10n.t('Create baseline migration for {0}', project.name),
        prompt: vscode.l10n.t('Name of the migration folder (after the timestamp). It will hold what the migrations lack to produce the schema.'),
        value: `baseline_${today()}`,
        ignoreFocusOut: true,
        validateInput: (value) => (/^[A-Za-z0-9_]+$/.test(value) ? undefined : vscode.l10n.t('Use letters, digits and underscores only.')),
      });
      if (!name) return;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Creating baseline for {0}…', project.name) },
        () => services.engines.engine.createBaseline(project, { name }),
      );
      logger.info(result.message);
      if (!result.created || !result.sqlPath || !result.migrationName) {
        void vscode.window.showInformationMessage(result.message);
        return;
      }
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(result.sqlPath));
      await vscode.window.showTextDocument(doc, { preview: false });
      const fresh = (await services.projects.refresh()).find((p) => p.root === project.root) ?? project;
      void services.analysis.analyzeSchema(fresh, 'baseline');
      const markAction = vscode.l10n.t('Mark as applied on…');
      // Counted as the CodeLens and the Problems panel count them (a table with its indexes and keys is one
      // change), not as statements: "7 changes not in any migration" must not become "16 changes" here.
      const changes = groupFindings(attributeToSchema(result.items, project.schemaFiles), 'schemaVsMigrations').length;
      const choice = await vscode.window.showInformationMessage(
        changes === 1
          ? vscode.l10n.t('Baseline {0} created with 1 change. Review it; where a database already has this object, mark it as applied.', result.migrationName)
          : vscode.l10n.t('Baseline {0} created with {1} changes. Review it; where a database already has these objects, mark it as applied.', result.migrationName, String(changes)),
        markAction,
      );
      if (choice !== markAction) {
        void services.analysis.analyzeDatabases(fresh, 'baseline');
        return;
      }
      const environment = await pickEnvironment(services, fresh);
      if (!environment) return;
      await resolveOn(services, fresh, result.migrationName, environment, 'applied');
    }),
    registerCommand('driftGuard.markApplied', vscode.l10n.t('Mark Migration as Applied'), logger, async (root?: unknown, migration?: unknown, env?: unknown) => {
      const project = await pickProject(services, root);
      if (!project) return;
      const name = typeof migration === 'string' ? migration : await pickMigration(project);
      if (!name) return;
      const environment = await pickEnvironment(services, project, env);
      if (!environment) return;
      await resolveOn(services, project, name, environment, 'applied');
    }),
    registerCommand('driftGuard.markRolledBack', vscode.l10n.t('Mark Migration as Rolled Back'), logger, async (root?: unknown, migration?: unknown, env?: unknown) => {
      const project = await pickProject(services, root);
      if (!project) return;
      const name = typeof migration === 'string' ? migration : await pickMigration(project);
      if (!name) return;
      const environment = await pickEnvironment(services, project, env);
      if (!environment) return;
      await resolveOn(services, project, name, environment, 'rolledBack');
    }),
    registerCommand('driftGuard.showDriftSql', vscode.l10n.t('Show Drift SQL'), logger, async (root?: unknown, labels?: unknown) => {
      const project = await pickProject(services, root);
      if (!project) return;
      if (!services.analysis.get(project.root)?.schema) await services.analysis.analyzeSchema(project, 'command');
      const uri = services.sql.uriFor(project, Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : undefined);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    }),
    registerCommand('driftGuard.checkDriftNow', vscode.l10n.t('Check Drift Now'), logger, async () => {
      services.analysis.forgetNotifications();
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Checking drift…'), cancellable: true },
        async (_progress, token) => {
          // Cancel: databases still connecting (an SSH host that does not answer) end as "cancelled"; those
          // already checked keep their result. The schema checks are local and finish on their own.
          let onCancel: vscode.Disposable | undefined;
          const cancelled = new Promise<void>((resolve) => {
            onCancel = token.onCancellationRequested(() => {
              services.analysis.cancelDatabases();
              resolve();
            });
          });
          const check = (async () => {
            await services.projects.refresh();
            if (token.isCancellationRequested) return;
            await services.analysis.analyzeAll('command');
          })();
          try {
            await Promise.race([check, cancelled]);
          } finally {
            onCancel?.dispose();
          }
          if (token.isCancellationRequested) {
            logger.info('Check Drift Now cancelled: the databases still being checked are shown as not checked.');
            void check.catch((err: unknown) => logger.warn(`Check Drift Now (cancelled): ${err instanceof Error ? err.message : String(err)}`));
          }
        },
      );
    }),
    registerCommand('driftGuard.showOutput', vscode.l10n.t('Show Output'), logger, () => logger.show(false)),
  );
}

async function pickMigration(project: PrismaProject): Promise<string | undefined> {
  const pick = await vscode.window.showQuickPick(
    [...project.migrations].reverse().map((m) => ({ label: m.name })),
    { placeHolder: vscode.l10n.t('Which migration?') },
  );
  return pick?.label;
}
