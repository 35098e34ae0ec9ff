import * as vscode from 'vscode';
import { type PrismaProject } from '../../core/project/types';
import { type ProjectService } from '../projects/projectService';
import { notify } from './notify';

/** The project a command acts on: the one given, the active editor's, the only one, or the user's pick. */
export async function pickProject(
  services: { projects: ProjectService },
  root?: unknown,
): Promise<PrismaProject | undefined> {
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
    void notify.info(vscode.l10n.t('No Prisma project found in this workspace.'));
    return undefined;
  }
  if (projects.length === 1) return projects[0];
  const pick = await vscode.window.showQuickPick(
    projects.map((p) => ({ label: p.name, description: vscode.workspace.asRelativePath(p.schemaPath), project: p })),
    { placeHolder: vscode.l10n.t('Which Prisma project?') },
  );
  return pick?.project;
}
