import * as vscode from 'vscode';
import { type EngineService } from '../engine/engineService';
import { type EnvironmentService } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { type Logger } from '../shared/logger';
import { AnalysisService } from './analysisService';
import { DriftCodeActionProvider } from './codeActions';
import { DriftCodeLensProvider, MIGRATION_SELECTOR, SCHEMA_SELECTOR } from './codeLens';
import { registerDriftCommands } from './commands';
import { DriftDiagnostics } from './diagnostics';
import { DriftSqlProvider, SQL_SCHEME } from './sqlDocument';
import { DriftStatusBar } from './statusBar';

/**
 * Drift in the editor: analyses on open/save/typing/migration changes, diagnostics, CodeLens,
 * quick fixes, the SQL preview, the status bar and the drift commands.
 */
export function registerDrift(
  context: vscode.ExtensionContext,
  services: { projects: ProjectService; engines: EngineService; environments: EnvironmentService; logger: Logger },
): AnalysisService {
  const { projects, engines, environments, logger } = services;
  const analysis = new AnalysisService(projects, engines, environments, logger);
  const diagnostics = new DriftDiagnostics(analysis);
  const lenses = new DriftCodeLensProvider(projects, analysis);
  const sql = new DriftSqlProvider(analysis);
  context.subscriptions.push(
    analysis,
    diagnostics,
    lenses,
    sql,
    new DriftStatusBar(projects, analysis),
    vscode.languages.registerCodeLensProvider(
      [...(SCHEMA_SELECTOR as vscode.DocumentFilter[]), ...(MIGRATION_SELECTOR as vscode.DocumentFilter[])],
      lenses,
    ),
    vscode.languages.registerCodeActionsProvider(
      SCHEMA_SELECTOR,
      new DriftCodeActionProvider(diagnostics, (uri) => projects.projectFor(uri.fsPath)?.root),
      {
        providedCodeActionKinds: DriftCodeActionProvider.kinds,
      },
    ),
    vscode.workspace.registerTextDocumentContentProvider(SQL_SCHEME, sql),
  );
  registerDriftCommands(context, { projects, analysis, engines, environments, sql, logger });

  // When to analyse. The project list itself refreshes on file changes (ProjectService): analyse again
  // the projects whose schema, migrations or settings changed — in a monorepo, not the others.
  projects.onDidChangeProjects(() => analysis.forgetRemovedProjects(), undefined, context.subscriptions);
  projects.onDidChangeProjectContents(
    (changed) => {
      for (const project of changed) {
        void analysis.analyzeSchema(project, 'projects');
        void analysis.analyzeDatabases(project, 'projects');
      }
    },
    undefined,
    context.subscriptions,
  );
  const typingTimers = new Map<string, NodeJS.Timeout>();
  vscode.workspace.onDidChangeTextDocument(
    (e) => {
      if (e.document.uri.scheme !== 'file') return;
      const project = projects.projectFor(e.document.uri.fsPath);
      if (!project || !project.schemaFiles.some((f) => f.path === e.document.uri.fsPath)) return;
      if (e.contentChanges.length === 0) {
        // Only the dirty state changed: a revert (which may not reload the text) brings the file back.
        if (!e.document.isDirty && analysis.get(project.root)?.schema?.fromBuffers) {
          void analysis.analyzeSchema(project, 'open');
        }
        return;
      }
      if (!vscode.workspace.getConfiguration('driftGuard', e.document.uri).get<boolean>('analyzeWhileTyping', true)) {
        return;
      }
      const delay = vscode.workspace.getConfiguration('driftGuard', e.document.uri).get<number>('typingDelayMs', 600);
      clearTimeout(typingTimers.get(project.root));
      typingTimers.set(
        project.root,
        setTimeout(() => {
          typingTimers.delete(project.root);
          void analysis.analyzeSchema(project, 'typing');
        }, delay),
      );
    },
    undefined,
    context.subscriptions,
  );
  // Saving re-reads the project (ProjectService watches the files); reverting an unsaved buffer
  // does not touch the disk, so analyse again when a dirty schema is closed.
  vscode.workspace.onDidCloseTextDocument(
    (doc) => {
      const project = doc.uri.scheme === 'file' ? projects.projectFor(doc.uri.fsPath) : undefined;
      if (project && analysis.get(project.root)?.schema?.fromBuffers) void analysis.analyzeSchema(project, 'open');
    },
    undefined,
    context.subscriptions,
  );
  context.subscriptions.push({ dispose: () => typingTimers.forEach((t) => clearTimeout(t)) });
  return analysis;
}
