import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { type AnalysisService } from './features/drift/analysisService';
import { registerDrift } from './features/drift/register';
import { EngineService } from './features/engine/engineService';
import { EnvironmentService } from './features/environments/environmentService';
import { type GuardRailsApi, registerGuardRails } from './features/guards/register';
import { registerEnvironments } from './features/environments/register';
import { registerMigrations } from './features/migrations/register';
import { type MigrationsTreeDataProvider } from './features/migrations/treeDataProvider';
import { registerEnvFromExample } from './features/projects/envFromExampleCommand';
import { ProjectService } from './features/projects/projectService';
import { registerProjects } from './features/projects/register';
import { type RunbookApi, registerRunbook } from './features/runbook/register';
import { Logger } from './features/shared/logger';

/**
 * The hooks of the integration tests. Never the extension's public exports: any installed extension can read
 * `getExtension(…).exports`, and these services hold database URLs and SSH passwords (see {@link extensionExports}).
 */
export interface DriftGuardApi {
  /** The Migrations view's data provider (children, tree items, contextValues). */
  migrationsTree: MigrationsTreeDataProvider;
  /** Databases of each project, their secrets and the shared SSH tunnels. */
  environments: EnvironmentService;
  /** The deploy runbook (sessions, panels, terminals per environment, run history), loaded on first use. */
  runbook: RunbookApi;
  /** Guard rails: applied migrations read-only, ordering hazards, the terminal db push guard, deploy rehearsals. */
  guardRails: GuardRailsApi;
  /** The latest analysis of each project and the event of each change (which projects were analysed, when). */
  analysis: AnalysisService;
}

/**
 * What `activate` gives other extensions: nothing, except to the integration tests (a development host run with
 * `--extensionTestsPath`, mode Test), which drive the services directly.
 */
export function extensionExports(mode: vscode.ExtensionMode, api: DriftGuardApi): DriftGuardApi | undefined {
  return mode === vscode.ExtensionMode.Test ? api : undefined;
}

/**
 * Builds the services and lets each feature register itself. Activation stays cheap: project
 * discovery reads a few small files; the engine worker (WASM engine, embedded shadow database)
 * starts with the first analysis, and no database or SSH server is contacted before that.
 */
export function activate(context: vscode.ExtensionContext): DriftGuardApi | undefined {
  const started = performance.now();
  // src/core speaks through @vscode/l10n (it has no vscode API): give it the bundle of the display language.
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const logger = new Logger();
  context.subscriptions.push(logger);

  const projects = new ProjectService(logger);
  const engines = new EngineService(context, logger);
  const environments = new EnvironmentService(context.secrets, logger, context.workspaceState);
  context.subscriptions.push(projects, engines, environments);
  stopEngineWorker = () => engines.stop();

  registerProjects(context, projects, logger);
  registerEnvFromExample(context, { projects, environments, logger });
  const analysis = registerDrift(context, { projects, engines, environments, logger });
  const guardRails = registerGuardRails(context, { projects, analysis, engines, environments, logger });
  registerEnvironments(context, { projects, environments, logger });
  const migrationsTree = registerMigrations(context, {
    projects,
    analysis,
    engines,
    environments,
    logger,
    guards: guardRails.service,
  });
  const runbook = registerRunbook(context, { projects, environments, analysis, engines, logger });

  void projects.refresh().catch((err: unknown) => logger.error(`Project discovery failed: ${String(err)}`));
  logger.info(
    `Activated in ${Math.round(performance.now() - started)} ms (VS Code ${vscode.version}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'})`,
  );
  return extensionExports(context.extensionMode, { migrationsTree, environments, runbook, guardRails, analysis });
}

/** Set by {@link activate}: stops the engine worker. */
let stopEngineWorker: (() => Promise<void>) | undefined;

/**
 * Waits for the engine worker process to exit (VS Code awaits the returned promise before it tears the extension
 * host down, so no worker outlives it); everything else is owned by context.subscriptions.
 */
export async function deactivate(): Promise<void> {
  const stop = stopEngineWorker;
  stopEngineWorker = undefined;
  await stop?.();
}
