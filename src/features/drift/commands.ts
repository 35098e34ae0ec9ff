import * as path from 'node:path';
import * as vscode from 'vscode';
import { type SchemaDriftAction, selectionKeys, suggestMigrationName } from '../../core/app/driftActions';
import { attributeToSchema } from '../../core/drift/attribution';
import { groupFindings } from '../../core/drift/driftFindings';
import { isEngineError } from '../../core/engine';
import { DRAFTS_FOLDER } from '../../core/app/baseline';
import { type BaselineResult } from '../../core/app/engineApi';
import { type PrismaProject } from '../../core/project/types';
import { type EngineService } from '../engine/engineService';
import { type DatabaseEnvironment, type EnvironmentService, readableMessage } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { errorMessage, registerCommand } from '../shared/commands';
import { recordEnvironmentWrite, type WorkspaceRunLog, workspaceRunLog } from '../shared/workspaceRunLog';
import { pickProject } from '../shared/pickProject';
import { askTyped } from '../shared/typedConfirmation';
import { type Logger } from '../shared/logger';
import { type AnalysisService } from './analysisService';
import { driftPlan, driftedObjectsText, names } from './presentation';
import { type DriftSqlProvider } from './sqlDocument';
import { notify } from '../shared/notify';

/** What the drift commands need. */
export interface DriftCommandServices {
  projects: ProjectService;
  analysis: AnalysisService;
  engines: EngineService;
  environments: EnvironmentService;
  sql: DriftSqlProvider;
  logger: Logger;
  /** The workspace's run log: every Mark Applied / Mark Rolled Back is recorded there. */
  runLog?: WorkspaceRunLog;
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * Asks before writing to a database; production needs the environment's name typed. Enter on an empty box
 * says what is needed instead of dismissing it; Escape cancels. When the user cancels, a status-bar message
 * says nothing was written.
 */
export async function confirmWrite(environment: DatabaseEnvironment, action: string): Promise<boolean> {
  const confirmed =
    environment.kind === 'production' ? await typedName(environment, action) : await continueOn(environment, action);
  if (!confirmed) {
    vscode.window.setStatusBarMessage(
      vscode.l10n.t('{0} on {1}: cancelled, nothing was written.', action, environment.name),
      5000,
    );
  }
  return confirmed;
}

/** The production confirmation: true once the environment's name is typed and accepted, false on Escape. */
function typedName(environment: DatabaseEnvironment, action: string): Promise<boolean> {
  return askTyped({
    title: vscode.l10n.t('{0} on {1} (production)', action, environment.name),
    prompt: vscode.l10n.t(
      'This writes to the production database {0}. Type "{1}" to confirm.',
      environment.description,
      environment.name,
    ),
    expected: environment.name,
  });
}

/** The confirmation of a write to a database that is not production: a modal with Continue. */
async function continueOn(environment: DatabaseEnvironment, action: string): Promise<boolean> {
  const ok = vscode.l10n.t('Continue');
  const choice = await notify.warn(
    vscode.l10n.t('{0} on {1}?', action, environment.name),
    { modal: true, detail: vscode.l10n.t('Database: {0}', environment.description) },
    ok,
  );
  return choice === ok;
}

async function pickEnvironment(
  services: DriftCommandServices,
  project: PrismaProject,
  name?: unknown,
): Promise<DatabaseEnvironment | undefined> {
  const environments = services.environments.environments(project);
  if (typeof name === 'string') {
    const found = environments.find((e) => e.name === name);
    if (found) return found;
  }
  if (environments.length === 0) {
    void notify.warn(
      vscode.l10n.t(
        '{0} has no database to record this on: set its datasource URL (e.g. DATABASE_URL in .env) or add an environment.',
        project.name,
      ),
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    environments.map((e) => ({ label: e.name, description: `${e.kind} · ${e.description}`, environment: e })),
    { placeHolder: vscode.l10n.t('Mark as applied on which database?') },
  );
  return pick?.environment;
}

/** What Mark Applied / Mark Rolled Back needs of the extension (the runbook's context has it too). */
export type ResolveServices = Pick<
  DriftCommandServices,
  'projects' | 'analysis' | 'engines' | 'environments' | 'logger' | 'runLog'
>;

export interface ResolveOptions {
  /** Who asked, for the run log (default: the tree). */
  source?: 'tree' | 'baseline' | 'runbook';
  /** The confirmation (default: the modal, typed for production); the runbook asks through its own prompts. */
  confirm?: (environment: DatabaseEnvironment, action: string) => Promise<boolean>;
  /** No notification: the caller shows the outcome (a runbook step shows it on the step). */
  quiet?: boolean;
}

export interface ResolveOutcome {
  status: 'succeeded' | 'failed' | 'refused' | 'declined';
  message: string;
}

/** `migrate resolve --applied` with the engine's safety proof, after the user's confirmation; recorded in the run log. */
export async function resolveOn(
  services: ResolveServices,
  project: PrismaProject,
  migration: string,
  environment: DatabaseEnvironment,
  action: 'applied' | 'rolledBack',
  options: ResolveOptions = {},
): Promise<ResolveOutcome> {
  const source = options.source ?? 'tree';
  // The project as discovered now: a migration folder created a moment ago must be in it.
  project = (await services.projects.ready()).find((p) => p.root === project.root) ?? project;
  const verb =
    action === 'applied'
      ? vscode.l10n.t('Mark {0} as applied', migration)
      : vscode.l10n.t('Mark {0} as rolled back', migration);
  if (!(await (options.confirm ?? confirmWrite)(environment, verb))) {
    return { status: 'declined', message: vscode.l10n.t('Not confirmed: nothing was written.') };
  }
  let outcome: ResolveOutcome = { status: 'failed', message: '' };
  const started = Date.now();
  const record = async (
    status: 'succeeded' | 'failed' | 'refused',
    message: string,
    proof?: { ok: boolean; summary: string },
  ): Promise<void> => {
    if (!services.runLog) return;
    await recordEnvironmentWrite(services.runLog, services, environment, started, {
      source,
      step: action === 'applied' ? `Mark ${migration} as applied` : `Mark ${migration} as rolled back`,
      command: `prisma migrate resolve --${action === 'applied' ? 'applied' : 'rolled-back'} ${migration}`,
      status,
      message,
      cwd: project.root,
      ...(proof ? { proof } : {}),
    });
  };
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('{0} on {1}…', verb, environment.name) },
    async () => {
      const acquired = await environment.acquire();
      try {
        const result = await services.engines.engine.resolve(
          project,
          acquired.url,
          action === 'applied' ? { applied: migration } : { rolledBack: migration },
        );
        const message = readableMessage(acquired, result.message);
        services.logger.info(message);
        await record(result.recorded ? 'succeeded' : 'failed', message, {
          ok: result.missingChanges.length === 0 && !result.forced,
          summary:
            result.missingChanges.length === 0
              ? 'every change the migration makes is in the database'
              : `${result.missingChanges.length} change(s) missing${result.forced ? ' (forced)' : ''}`,
        });
        outcome = { status: result.recorded ? 'succeeded' : 'failed', message };
        if (!options.quiet) void notify.info(message);
      } catch (err) {
        if (isEngineError(err) && err.code === 'refused') {
          const message = readableMessage(acquired, err.message);
          services.logger.warn(message);
          await record('refused', message, { ok: false, summary: message });
          outcome = { status: 'refused', message };
          if (!options.quiet) void notify.error(message, { modal: true });
          return;
        }
        if (err instanceof Error) err.message = readableMessage(acquired, err.message);
        await record('failed', errorMessage(err));
        throw err;
      } finally {
        acquired.release();
      }
    },
  );
  await services.analysis.analyzeDatabases(project, 'resolve');
  return outcome;
}

/**
 * Runs a baseline; when it is refused with its draft kept (it failed on the shadow or did not reproduce the
 * schema), says so with an action that opens the draft at the failing line, and resolves undefined.
 */
async function keepDraftOnRefusal(
  logger: Logger,
  run: () => Thenable<BaselineResult>,
  kind: 'baseline' | 'migration' = 'baseline',
): Promise<BaselineResult | undefined> {
  try {
    return await run();
  } catch (error) {
    if (!isEngineError(error) || error.code !== 'refused') throw error;
    const text =
      kind === 'migration'
        ? vscode.l10n.t('Migration not created: {0}', error.message)
        : vscode.l10n.t('Baseline not created: {0}', error.message);
    logger.error(text);
    const draft = error.location;
    // A partial draft that failed is not kept (nothing to open): the message says why.
    if (!draft) {
      void notify.error(text);
      return undefined;
    }
    const open = vscode.l10n.t('Open Draft');
    // Not awaited: the command is over (nothing was installed); the notification waits for the user alone.
    void notify.error(text, open).then(async (choice) => {
      if (choice !== open) return;
      const line = Math.max(0, draft.line - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(draft.file), {
        selection: new vscode.Range(line, 0, line, 0),
        preview: false,
      });
    });
    return undefined;
  }
}

/** Saves the project's unsaved schema files: a migration is written from what the editor shows. */
async function saveSchemaBuffers(project: PrismaProject): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && doc.uri.scheme === 'file' && project.schemaFiles.some((f) => f.path === doc.uri.fsPath)) {
      await doc.save();
    }
  }
}

/** The project as discovered now, with its schema analysed from disk (after a save or a new folder). */
async function freshAnalysis(
  services: DriftCommandServices,
  project: PrismaProject,
): Promise<{ project: PrismaProject; analysis: ReturnType<AnalysisService['get']> }> {
  const fresh = (await services.projects.refresh()).find((p) => p.root === project.root) ?? project;
  await services.analysis.analyzeSchema(fresh, 'command');
  return { project: fresh, analysis: services.analysis.get(fresh.root) };
}

/**
 * The project to write a migration for (picked), its schema buffers saved and analysed from disk, with the right
 * action of each drifted object. Refuses a project with an error (an invalid schema) or whose schema cannot be checked.
 */
async function pickAnalysed(
  services: DriftCommandServices,
  root: unknown,
): Promise<{ project: PrismaProject; plan: ReturnType<typeof driftPlan> } | undefined> {
  const picked = await pickProject(services, root);
  if (!picked) return undefined;
  const blocking = picked.problems.find((p) => p.severity === 'error');
  if (blocking) throw new Error(blocking.message);
  await saveSchemaBuffers(picked);
  const fresh = await freshAnalysis(services, picked);
  if (!fresh.analysis?.schema) {
    throw new Error(fresh.analysis?.schemaError?.message ?? vscode.l10n.t('The schema could not be checked.'));
  }
  return { project: fresh.project, plan: driftPlan(fresh.analysis) };
}

function migrationNameInput(project: PrismaProject, value: string, step?: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: step
      ? `${vscode.l10n.t('Create migration for {0}', project.name)} (${step})`
      : vscode.l10n.t('Create migration for {0}', project.name),
    prompt: vscode.l10n.t(
      'Name of the migration folder (after the timestamp): what the change does, e.g. add_user_nickname. It is all a reviewer, a deploy log and _prisma_migrations show.',
    ),
    value,
    ignoreFocusOut: true,
    validateInput: (input) =>
      /^[A-Za-z0-9_]+$/.test(input) ? undefined : vscode.l10n.t('Use letters, digits and underscores only.'),
  });
}

function baselineNameInput(project: PrismaProject, step?: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: step
      ? `${vscode.l10n.t('Create baseline migration for {0}', project.name)} (${step})`
      : vscode.l10n.t('Create baseline migration for {0}', project.name),
    prompt: vscode.l10n.t(
      'Name of the migration folder (after the timestamp). It will hold what the migrations lack to produce the schema.',
    ),
    value: `baseline_${today()}`,
    ignoreFocusOut: true,
    validateInput: (value) =>
      /^[A-Za-z0-9_]+$/.test(value) ? undefined : vscode.l10n.t('Use letters, digits and underscores only.'),
  });
}

/** After a migration was written: open it, re-analyse; it is pending on every database (deploy it). */
async function afterMigration(
  services: DriftCommandServices,
  project: PrismaProject,
  result: BaselineResult,
): Promise<void> {
  services.logger.info(result.message);
  if (!result.created || !result.sqlPath || !result.migrationName) {
    void notify.info(result.message);
    return;
  }
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(result.sqlPath)), {
    preview: false,
  });
  const fresh = (await services.projects.refresh()).find((p) => p.root === project.root) ?? project;
  void services.analysis.analyzeSchema(fresh, 'baseline');
  void services.analysis.analyzeDatabases(fresh, 'baseline');
  const changes = groupFindings(attributeToSchema(result.items, project.schemaFiles), 'schemaVsMigrations').length;
  void notify.info(
    vscode.l10n.t(
      'Migration {0} created for {1}, verified on the shadow database. Review it, then deploy it: it is pending on every database.',
      result.migrationName,
      driftedObjectsText(changes),
    ),
  );
}

/**
 * Mixed drift in one step: a baseline of the objects some database already has, then a migration of the new
 * ones (named after it, so it sorts after it), each verified on the shadow. Resolves what was created.
 */
async function baselineThenMigration(
  services: DriftCommandServices,
  project: PrismaProject,
  present: readonly SchemaDriftAction[],
  fresh: readonly SchemaDriftAction[],
): Promise<{ baseline?: BaselineResult; migration?: BaselineResult }> {
  const baselineName = await baselineNameInput(project, '1/2');
  if (!baselineName) return {};
  const migrationName = await migrationNameInput(project, suggestMigrationName(fresh.map((a) => a.finding)), '2/2');
  if (!migrationName) return {};
  const now = Date.now();
  const baseline = await keepDraftOnRefusal(services.logger, () =>
    vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Creating baseline for {0}…', project.name),
      },
      () =>
        services.engines.engine.createBaseline(project, {
          name: baselineName,
          only: selectionKeys(present.map((a) => a.finding)),
          now: new Date(now).toISOString(),
        }),
    ),
  );
  if (!baseline?.created) {
    if (baseline) void notify.info(baseline.message);
    return baseline ? { baseline } : {};
  }
  const withBaseline = (await services.projects.refresh()).find((p) => p.root === project.root) ?? project;
  // One second later: the migration's folder sorts after the baseline's, as it must run after it.
  const migration = await keepDraftOnRefusal(
    services.logger,
    () =>
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('Creating migration for {0}…', project.name),
        },
        () =>
          services.engines.engine.createBaseline(withBaseline, {
            kind: 'migration',
            name: migrationName,
            now: new Date(now + 1000).toISOString(),
          }),
      ),
    'migration',
  );
  if (migration) await afterMigration(services, withBaseline, migration);
  await afterBaseline(
    services,
    withBaseline,
    baseline,
    present.flatMap((a) => a.presentIn),
  );
  return { baseline, ...(migration ? { migration } : {}) };
}

/** After a baseline was installed: open it, re-analyse, offer to mark it applied on an environment. */
async function afterBaseline(
  services: DriftCommandServices,
  project: PrismaProject,
  result: BaselineResult,
  presentIn: readonly string[] = [],
): Promise<void> {
  services.logger.info(result.message);
  if (!result.created || !result.sqlPath || !result.migrationName) {
    void notify.info(result.message);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(result.sqlPath));
  await vscode.window.showTextDocument(doc, { preview: false });
  const fresh = (await services.projects.refresh()).find((p) => p.root === project.root) ?? project;
  void services.analysis.analyzeSchema(fresh, 'baseline');
  const markAction = vscode.l10n.t('Mark as applied on…');
  const everyAction = vscode.l10n.t('Baseline Every Environment…');
  // Counted as the CodeLens and the Problems panel count them (a table with its indexes and keys is one
  // object), not as statements: "7 drifted objects" must not become 16 here.
  const changes = groupFindings(attributeToSchema(result.items, project.schemaFiles), 'schemaVsMigrations').length;
  const where = [...new Set(presentIn)];
  const choice = await notify.info(
    (changes === 1
      ? vscode.l10n.t(
          'Baseline {0} created for {1}. Review it; where a database already has this object, mark it as applied.',
          result.migrationName,
          driftedObjectsText(changes),
        )
      : vscode.l10n.t(
          'Baseline {0} created for {1}. Review it; where a database already has these objects, mark it as applied.',
          result.migrationName,
          driftedObjectsText(changes),
        )) + (where.length > 0 ? ` ${vscode.l10n.t('Already there: {0}.', names(where))}` : ''),
    everyAction,
    markAction,
  );
  if (choice === everyAction) {
    // Also in the palette and the Migrations view's menus: the offer does not vanish with this notification.
    await vscode.commands.executeCommand('driftGuard.baselineEveryEnvironment', fresh.root);
    return;
  }
  if (choice !== markAction) {
    void services.analysis.analyzeDatabases(fresh, 'baseline');
    return;
  }
  const environment = await pickEnvironment(services, fresh);
  if (!environment) return;
  await resolveOn(services, fresh, result.migrationName, environment, 'applied', { source: 'baseline' });
}

/** Registers the drift commands (palette titles under "Prisma Drift Guard"). */
export function registerDriftCommands(context: vscode.ExtensionContext, shared: DriftCommandServices): void {
  const services: DriftCommandServices = { ...shared, runLog: shared.runLog ?? workspaceRunLog(context) };
  const { logger } = services;
  context.subscriptions.push(
    registerCommand('driftGuard.createBaseline', vscode.l10n.t('Create Baseline'), logger, async (root?: unknown) => {
      const project = await pickProject(services, root);
      if (!project) return;
      const blocking = project.problems.find((p) => p.severity === 'error');
      if (blocking) throw new Error(blocking.message);
      // A baseline is for what databases already have: said before writing one with new changes in it.
      const current = services.analysis.get(project.root);
      const plan = current?.schema ? driftPlan(current) : undefined;
      const present = plan?.schema.filter((a) => a.action === 'baseline') ?? [];
      const fresh = plan && plan.checked.length > 0 ? plan.schema.filter((a) => a.action === 'migrate') : [];
      if (fresh.length > 0) {
        const both = vscode.l10n.t('Baseline, Then Migration');
        const migrationInstead = vscode.l10n.t('Create Migration Instead');
        const anyway = vscode.l10n.t('Baseline Everything');
        const choice = await notify.warn(
          present.length > 0
            ? vscode.l10n.t(
                '{0} of these drifted objects are in no checked database ({1}): new, for a migration. {2} are already in {3}.',
                String(fresh.length),
                fresh.map((a) => a.finding.label).join(', '),
                String(present.length),
                names([...new Set(present.flatMap((a) => a.presentIn))]),
              )
            : vscode.l10n.t(
                'No checked database ({0}) has these drifted objects: they are new, for a migration.',
                names(plan!.checked),
              ),
          {
            modal: true,
            detail: vscode.l10n.t(
              'A baseline is marked as applied where its objects already exist; a new change must be deployed as a migration instead.',
            ),
          },
          ...(present.length > 0 ? [both] : [migrationInstead]),
          anyway,
        );
        if (choice === both) return baselineThenMigration(services, project, present, fresh);
        if (choice === migrationInstead) {
          return vscode.commands.executeCommand('driftGuard.createMigration', project.root);
        }
        if (choice !== anyway) return;
      }
      const name = await baselineNameInput(project);
      if (!name) return;
      const result = await keepDraftOnRefusal(logger, () =>
        vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: vscode.l10n.t('Creating baseline for {0}…', project.name),
          },
          () => services.engines.engine.createBaseline(project, { name }),
        ),
      );
      if (result) {
        await afterBaseline(
          services,
          project,
          result,
          present.flatMap((a) => a.presentIn),
        );
      }
      return result;
    }),
    // `name`: the folder name without asking (automation, tests); else asked, with a suggestion.
    registerCommand(
      'driftGuard.createMigration',
      vscode.l10n.t('Create Migration'),
      logger,
      async (root?: unknown, labels?: unknown, givenName?: unknown) => {
        const picked = await pickAnalysed(services, root);
        if (!picked) return;
        const { project, plan } = picked;
        const wanted = Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : undefined;
        const chosen = wanted ? plan.schema.filter((a) => wanted.includes(a.finding.label)) : plan.schema;
        if (chosen.length === 0) {
          void notify.info(
            wanted
              ? vscode.l10n.t('{0}: no difference with the migrations any more.', wanted.join(', '))
              : vscode.l10n.t('Nothing to migrate: the migrations already produce the schema.'),
          );
          return;
        }
        // A migration that creates what a database already has fails there (the object exists): say it first.
        const present = chosen.filter((a) => a.action === 'baseline');
        const newOnes = chosen.filter((a) => a.action === 'migrate');
        let selected = chosen;
        if (present.length > 0) {
          const both = vscode.l10n.t('Baseline, Then Migration');
          const onlyNew = vscode.l10n.t('Migration of the New Ones Only');
          const baselineInstead = vscode.l10n.t('Create Baseline Instead');
          const where = names([...new Set(present.flatMap((a) => a.presentIn))]);
          const choice = await notify.warn(
            present.length === 1
              ? vscode.l10n.t(
                  '{0} is already in {1} (db push): a migration creating it would fail there.',
                  present[0].finding.label,
                  where,
                )
              : vscode.l10n.t(
                  '{0} are already in {1} (db push): a migration creating them would fail there.',
                  present.map((a) => a.finding.label).join(', '),
                  where,
                ),
            {
              modal: true,
              detail: vscode.l10n.t(
                'What a database already has goes in a baseline, marked as applied there; only new changes go in a migration.',
              ),
            },
            ...(newOnes.length > 0 ? [both, onlyNew] : [baselineInstead]),
          );
          if (choice === both) {
            return baselineThenMigration(
              services,
              project,
              plan.schema.filter((a) => a.action === 'baseline'),
              newOnes,
            );
          }
          if (choice === baselineInstead) {
            return vscode.commands.executeCommand('driftGuard.createBaseline', project.root);
          }
          if (choice !== onlyNew) return;
          selected = newOnes;
        }
        const name =
          typeof givenName === 'string' && /^[A-Za-z0-9_]+$/.test(givenName)
            ? givenName
            : await migrationNameInput(project, suggestMigrationName(selected.map((a) => a.finding)));
        if (!name) return;
        const partial = selected.length < plan.schema.length;
        const target = project;
        const result = await keepDraftOnRefusal(
          logger,
          () =>
            vscode.window.withProgress(
              {
                location: vscode.ProgressLocation.Notification,
                title: vscode.l10n.t('Creating migration for {0}…', target.name),
              },
              () =>
                services.engines.engine.createBaseline(target, {
                  kind: 'migration',
                  name,
                  ...(partial ? { only: selectionKeys(selected.map((a) => a.finding)) } : {}),
                }),
            ),
          'migration',
        );
        if (result) await afterMigration(services, project, result);
        return result;
      },
    ),
    registerCommand(
      'driftGuard.createBaselineAndMigration',
      vscode.l10n.t('Create Baseline and Migration'),
      logger,
      async (root?: unknown) => {
        const picked = await pickAnalysed(services, root);
        if (!picked) return;
        const { project, plan } = picked;
        if (plan.overall !== 'mixed') {
          // Nothing to split: one kind of change (or none), one command.
          return vscode.commands.executeCommand(
            plan.overall === 'baseline' ? 'driftGuard.createBaseline' : 'driftGuard.createMigration',
            project.root,
          );
        }
        return baselineThenMigration(
          services,
          project,
          plan.schema.filter((a) => a.action === 'baseline'),
          plan.schema.filter((a) => a.action === 'migrate'),
        );
      },
    ),
    registerCommand(
      'driftGuard.createBaselineFromDraft',
      vscode.l10n.t('Create Baseline from Draft'),
      logger,
      async (root?: unknown, draft?: unknown) => {
        const project = await pickProject(services, root);
        if (!project) return;
        let file = draft instanceof vscode.Uri ? draft.fsPath : typeof draft === 'string' ? draft : undefined;
        if (!file) {
          const picked = await vscode.window.showOpenDialog({
            title: vscode.l10n.t('Baseline draft to verify and install in {0}', project.name),
            defaultUri: vscode.Uri.file(path.join(project.root, DRAFTS_FOLDER)),
            canSelectFiles: true,
            canSelectFolders: false,
            canSelectMany: false,
            filters: { SQL: ['sql'] },
            openLabel: vscode.l10n.t('Verify and Install'),
          });
          file = picked?.[0]?.fsPath;
        }
        if (!file) return;
        const from = file;
        const result = await keepDraftOnRefusal(logger, () =>
          vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: vscode.l10n.t('Verifying the baseline draft for {0}…', project.name),
            },
            () => services.engines.engine.createBaseline(project, { from }),
          ),
        );
        // The installed baseline is the command's result; opening it and the "mark as applied" offer follow.
        if (result) {
          void afterBaseline(services, project, result).catch((error: unknown) => {
            logger.error(`Create Baseline from Draft failed: ${errorMessage(error)}`);
            void notify.error(
              vscode.l10n.t('{0} failed: {1}', vscode.l10n.t('Create Baseline from Draft'), errorMessage(error)),
            );
          });
        }
        return result;
      },
    ),
    // Mark as applied and mark as rolled back: the same picks, then `migrate resolve` with the one or the other.
    ...(
      [
        ['driftGuard.markApplied', vscode.l10n.t('Mark Migration as Applied'), 'applied'],
        ['driftGuard.markRolledBack', vscode.l10n.t('Mark Migration as Rolled Back'), 'rolledBack'],
      ] as const
    ).map(([command, title, action]) =>
      registerCommand(command, title, logger, async (root?: unknown, migration?: unknown, env?: unknown) => {
        const project = await pickProject(services, root);
        if (!project) return;
        const name = typeof migration === 'string' ? migration : await pickMigration(project);
        if (!name) return;
        const environment = await pickEnvironment(services, project, env);
        if (!environment) return;
        await resolveOn(services, project, name, environment, action);
      }),
    ),
    registerCommand(
      'driftGuard.showDriftSql',
      vscode.l10n.t('Show Drift SQL'),
      logger,
      async (root?: unknown, labels?: unknown) => {
        const project = await pickProject(services, root);
        if (!project) return;
        if (!services.analysis.get(project.root)?.schema) await services.analysis.analyzeSchema(project, 'command');
        const uri = services.sql.uriFor(
          project,
          Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : undefined,
        );
        const doc = await vscode.workspace.openTextDocument(uri);
        await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
      },
    ),
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
            void check.catch((err: unknown) =>
              logger.warn(`Check Drift Now (cancelled): ${err instanceof Error ? err.message : String(err)}`),
            );
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
