import * as vscode from 'vscode';
import { formatProjectSummary } from '../../core/project/projectSummary';
import { type PrismaProject } from '../../core/project/types';
import { registerCommand } from '../shared/commands';
import { type Logger } from '../shared/logger';
import { type ProjectService } from './projectService';
import { notify } from '../shared/notify';

/** Project discovery glue: the summary command and one warning per newly broken layout. */
export function registerProjects(context: vscode.ExtensionContext, projects: ProjectService, logger: Logger): void {
  const reported = new Set<string>();
  const logProjects = (list: readonly PrismaProject[]): void => {
    for (const project of list) {
      logger.block(formatProjectSummary(project));
      const errors = project.problems.filter((p) => p.severity === 'error');
      const key = `${project.schemaPath}\u0000${errors.map((e) => e.code).join(',')}`;
      if (errors.length > 0 && !reported.has(key)) {
        reported.add(key);
        void notify
          .warn(
            vscode.l10n.t('Prisma Drift Guard: {0} — {1}', project.name, errors[0].message),
            vscode.l10n.t('Show Project Summary'),
          )
          .then((choice) => {
            if (choice) logger.show(false);
          });
      }
    }
  };
  projects.onDidChangeProjects(logProjects, undefined, context.subscriptions);

  context.subscriptions.push(
    registerCommand('driftGuard.showProjectSummary', vscode.l10n.t('Show Project Summary'), logger, async () => {
      const list = await projects.ready();
      if (list.length === 0) {
        logger.info(
          'No Prisma project in this workspace (looked for schema.prisma, prisma/schema/*.prisma, prisma.config.ts and package.json "prisma.schema").',
        );
        logger.show(false);
        void notify.info(vscode.l10n.t('No Prisma project found in this workspace.'));
        return;
      }
      logger.info(`Project summary (${list.length} project${list.length === 1 ? '' : 's'}):`);
      for (const project of list) logger.block(formatProjectSummary(project));
      logger.show(false);
    }),
  );
}
