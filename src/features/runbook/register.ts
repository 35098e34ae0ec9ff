import * as vscode from 'vscode';
import { pickProject } from '../shared/pickProject';
import { type AnalysisService } from '../drift/analysisService';
import { type EngineService } from '../engine/engineService';
import { type EnvironmentService } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { registerCommand } from '../shared/commands';
import { type Logger } from '../shared/logger';
import { type RunbookService } from './runbookService';
import { notify } from '../shared/notify';

/** The webview panel's type (also in package.json's `onWebviewPanel:` activation event). */
export const RUNBOOK_VIEW_TYPE = 'driftGuard.runbook';

/** The runbook feature as the extension's API exposes it: loaded on first use. */
export interface RunbookApi {
  service(): Promise<RunbookService>;
}

/**
 * The deploy runbook: Open Runbook (the panel), Create Runbook from Template, Export Run Log, and the
 * serializer that brings the panel back after a reload. Only registrations at activation: the parser
 * (markdown-it), the session and the terminals are loaded by the first command or restored panel.
 */
export function registerRunbook(
  context: vscode.ExtensionContext,
  services: {
    projects: ProjectService;
    environments: EnvironmentService;
    analysis: AnalysisService;
    engines: EngineService;
    logger: Logger;
  },
): RunbookApi {
  const { logger } = services;
  let instance: Promise<RunbookService> | undefined;
  const service = (): Promise<RunbookService> =>
    (instance ??= import('./runbookService.js').then(({ RunbookService }) => {
      const created = new RunbookService(context, services);
      context.subscriptions.push(created);
      return created;
    }));
  context.subscriptions.push(
    // From the palette: the workspace's runbook; from a markdown file's menu: that file.
    registerCommand('driftGuard.openRunbook', vscode.l10n.t('Open Runbook'), logger, async (uri?: unknown) =>
      (await service()).open(uri instanceof vscode.Uri ? uri : undefined),
    ),
    registerCommand(
      'driftGuard.createRunbookFromTemplate',
      vscode.l10n.t('Create Runbook from Template'),
      logger,
      async (target?: unknown) => {
        const projects = await services.projects.ready();
        const project = projects.length > 0 ? await pickProject(services) : undefined;
        if (projects.length > 0 && !project) return undefined;
        const uri = await (
          await service()
        ).createFromTemplate(project, target instanceof vscode.Uri ? target : undefined);
        if (!uri) return undefined;
        const open = vscode.l10n.t('Open Runbook');
        void notify
          .info(
            vscode.l10n.t(
              'Runbook written to {0}: fill in the <placeholders>, then open it as a runbook.',
              vscode.workspace.asRelativePath(uri),
            ),
            open,
          )
          .then((choice) => {
            if (choice === open) void vscode.commands.executeCommand('driftGuard.openRunbook', uri);
          });
        return uri;
      },
    ),
    registerCommand('driftGuard.exportRunLog', vscode.l10n.t('Export Run Log'), logger, async () =>
      (await service()).exportRunLog(),
    ),
    vscode.window.registerWebviewPanelSerializer(RUNBOOK_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => (await service()).restore(panel, state),
    }),
  );
  return { service };
}
