import * as vscode from 'vscode';
import { type DriftFinding } from '../../core/drift/driftFindings';
import { type ProjectService } from '../projects/projectService';
import { type AnalysisService } from './analysisService';
import { driftedObjectsText, notInMigrationsText } from './presentation';
import { Disposable } from '../../core/util/lifecycle';

/**
 * "$(database) 2 pending · 7 drifted objects" or "$(check) in sync" for all projects together; hidden
 * when the workspace has no Prisma project. Click: the Migrations view.
 */
export class DriftStatusBar extends Disposable {
  private readonly item = vscode.window.createStatusBarItem('driftGuard.status', vscode.StatusBarAlignment.Left, 10);

  constructor(
    private readonly projects: ProjectService,
    private readonly analysis: AnalysisService,
  ) {
    super();
    this.disposables.push(this.item);
    this.item.name = 'Prisma Drift Guard';
    this.item.command = 'driftGuard.showMigrations';
    analysis.onDidChangeAnalysis(this.render, this, this.disposables);
    projects.onDidChangeProjects(this.render, this, this.disposables);
    this.render();
  }

  private render(): void {
    const projects = this.projects.all;
    if (projects.length === 0) {
      this.item.hide();
      return;
    }
    const results = this.analysis.all;
    const running = results.some((r) => r.running || r.databasesRunning) || results.length < projects.length;
    // Each drifted object once: a field added with db push is both "not in any migration" (the schema)
    // and "in the database but in no applied migration" (each database) — one thing to fix, not two.
    const drifted = new Set<string>();
    const countDrift = (root: string, findings: readonly DriftFinding[] | undefined): void => {
      for (const f of findings ?? []) drifted.add(`${root}\u0000${f.primary.change}\u0000${f.label}`);
    };
    const failed = results.filter((r) => r.schemaError).length;
    let pending = 0;
    let attention = 0;
    let unreachable = 0;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown('**Prisma Drift Guard**\n\n');
    for (const r of results) {
      countDrift(r.project.root, r.schema?.findings);
      const n = r.schema?.findings.length ?? 0;
      const schema = r.schemaError
        ? vscode.l10n.t('check failed ({0})', r.schemaError.message)
        : !r.schema
          ? vscode.l10n.t('checking…')
          : n === 0
            ? vscode.l10n.t('matches migrations')
            : notInMigrationsText(n);
      tooltip.appendMarkdown(`**${r.project.name}** — ${vscode.l10n.t('schema: {0}', schema)}\n\n`);
      for (const db of r.databases) {
        // Pending (a rolled-back migration is applied again by the next deploy) vs needing a look.
        const waiting =
          db.history?.migrations.filter((m) => m.state === 'pending' || m.state === 'rolledBack').length ?? 0;
        const troubled =
          db.history?.migrations.filter(
            (m) => m.state === 'failed' || m.state === 'modified' || m.state === 'missingLocally',
          ).length ?? 0;
        pending += waiting;
        attention += troubled;
        countDrift(r.project.root, db.findings);
        if (db.error && db.error.code !== 'cancelled') unreachable++;
        tooltip.appendMarkdown(
          `- ${db.environment.name}: ${
            db.error
              ? vscode.l10n.t('unreachable ({0})', db.error.message)
              : vscode.l10n.t(
                  '{0} pending, {1} to check, {2}',
                  String(waiting),
                  String(troubled),
                  driftedObjectsText(db.findings?.length ?? 0),
                )
          }${r.databasesChecking.includes(db.environment.name) ? ` ${vscode.l10n.t('(checking again…)')}` : ''}\n`,
        );
      }
      // Databases with no result yet: the others are shown as soon as each is done.
      for (const name of r.databasesChecking) {
        if (!r.databases.some((db) => db.environment.name === name)) {
          tooltip.appendMarkdown(`- ${name}: ${vscode.l10n.t('checking…')}\n`);
        }
      }
    }
    const parts: string[] = [];
    if (pending > 0) parts.push(vscode.l10n.t('{0} pending', String(pending)));
    if (attention > 0) parts.push(vscode.l10n.t('{0} to check', String(attention)));
    if (drifted.size > 0) parts.push(driftedObjectsText(drifted.size));
    if (failed > 0) parts.push(vscode.l10n.t('check failed'));
    if (unreachable > 0) parts.push(vscode.l10n.t('{0} unreachable', String(unreachable)));
    if (parts.length > 0) {
      this.item.text = `$(database) ${parts.join(' · ')}`;
      this.item.backgroundColor =
        failed > 0
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (running) {
      this.item.text = `$(sync~spin) ${vscode.l10n.t('Checking drift…')}`;
      this.item.backgroundColor = undefined;
    } else {
      this.item.text = `$(check) ${vscode.l10n.t('in sync')}`;
      this.item.backgroundColor = undefined;
    }
    this.item.tooltip = tooltip;
    this.item.show();
  }
}
