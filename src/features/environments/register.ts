import type * as vscode from 'vscode';
import { type EnvironmentCommandServices, registerEnvironmentCommands } from './commands';

/**
 * The environments feature: Add / Remove / Test Connection / Set Environment Secret and the other environment
 * commands. The `EnvironmentService` itself is built in `activate` (drift, migrations, guards and the
 * runbook all use it).
 */
export function registerEnvironments(context: vscode.ExtensionContext, services: EnvironmentCommandServices): void {
  registerEnvironmentCommands(context, services);
}
