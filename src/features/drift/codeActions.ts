import * as vscode from 'vscode';
import { type DriftDiagnostics } from './diagnostics';

/** Quick fixes on drift diagnostics: create a baseline with it, or see its SQL. */
export class DriftCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly diagnostics: DriftDiagnostics,
    private readonly rootFor: (uri: vscode.Uri) => string | undefined,
  ) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const root = this.rootFor(document.uri);
    if (!root) return actions;
    for (const diagnostic of context.diagnostics) {
      const placed = this.diagnostics.findingFor(document.uri, diagnostic);
      if (!placed || placed.environment !== undefined) continue;
      const baseline = new vscode.CodeAction(vscode.l10n.t('Create baseline including this change'), vscode.CodeActionKind.QuickFix);
      baseline.command = { title: baseline.title, command: 'driftGuard.createBaseline', arguments: [root] };
      baseline.diagnostics = [diagnostic];
      baseline.isPreferred = true;
      const sql = new vscode.CodeAction(vscode.l10n.t('Show SQL for this change'), vscode.CodeActionKind.QuickFix);
      sql.command = { title: sql.title, command: 'driftGuard.showDriftSql', arguments: [root, [placed.finding.label]] };
      sql.diagnostics = [diagnostic];
      actions.push(baseline, sql);
    }
    return actions;
  }
}
