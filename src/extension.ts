import * as vscode from 'vscode';
import { type AnalysisService } from './features/drift/analysisService';
import { registerDrift } from './features/drift/register';
import { EngineService } from './features/engine/engineService';
import { EnvironmentService } from './features/environments/environmentService';
import { type GuardRailsApi, registerGuardRails } from './features/guards/register';
import { registerMigrations } from './features/migrations/register';
import { type MigrationsTreeDataProvider } from './features/migrations/treeDataProvider';
import { ProjectService } from './features/projects/projectService';
import { registerProjects } from './features/projects/register';
import { type RunbookApi, registerRunbook } from './features/runbook/register';
import { Logger } from './features/shared/logger';

/** What `activate` returns (`extension.exports`): kept small, for the integration tests. */
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
 * Builds the services and lets each feature register itself. Activation stays cheap: project
 * discovery reads a few small files; the engine worker (WASM engine, embedded shadow database)
 * starts with the first analysis, and no database or SSH server is contacted before that.
 */
export function activate(context: vscode.ExtensionContext): DriftGuardApi {
  const started = performance.now();
  const logger = new Logger();
  context.subscriptions.push(logger);

  const projects = new ProjectService(logger);
  const engines = new EngineService(context, logger);
  const environments = new EnvironmentService(context.secrets, logger);
  context.subscriptions.push(projects, engines, environments);

  registerProjects(context, projects, logger);
  const analysis = registerDrift(context, { projects, engines, environments, logger });
  const guardRails = registerGuardRails(context, { projects, analysis, engines, environments, logger });
  const migrationsTree = registerMigrations(context, { projects, analysis, engines, environments, logger, guards: guardRails.service });
  const runbook = registerRunbook(context, { projects, environments, analysis, logger });

  void projects.refresh().catch((err: unknown) => logger.error(`Project discovery failed: ${String(err)}`));
  logger.info(`Activated in ${Math.round(performance.now() - started)} ms (VS Code ${vscode.version}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'})`);
  return { migrationsTree, environments, runbook, guardRails, analysis };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions (the engine worker is stopped by EngineService).
}
