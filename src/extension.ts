import * as vscode from 'vscode';
import { ProjectService } from './features/projects/projectService';
import { registerProjects } from './features/projects/register';
import { Logger } from './features/shared/logger';

/**
 * Builds the services and lets each feature register itself. Activation stays cheap: no WASM,
 * no database and no SSH until a feature needs them.
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const logger = new Logger();
  context.subscriptions.push(logger);

  const projects = new ProjectService(logger);
  context.subscriptions.push(projects);
  registerProjects(context, projects, logger);

  void projects.refresh().catch((err: unknown) => logger.error(`Project discovery failed: ${String(err)}`));
  logger.info(`Activated in ${Math.round(performance.now() - started)} ms (VS Code ${vscode.version}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'})`);
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
