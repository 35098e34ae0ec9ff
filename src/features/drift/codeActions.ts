import * as vscode from 'vscode';
import { type DriftDiagnostics } from './diagnostics';
import { names } from './presentation';

/**
 * Quick fixes on drift diagnostics, by the object's action: "Create migration" for a new change (no checked
 * database has it), "Create baseline including this change" for one a database already has (naming them); both
 * when no database was checked (the migration first). And its SQL.
 */
export class DriftCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly diagnostics: DriftDiagnostics,
    private readonly rootFor: (uri: vscode.Uri) => string | undefined,
  ) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const root = this.rootFor(document.uri);
    if (!root) return actions;
    for (const diagnostic of context.diagnostics) {
      const placed = this.diagnostics.findingFor(document.uri, diagnostic);
      if (!placed || !placed.action) continue;
      const { action, presentIn } = placed.action;
      const unchecked = placed.action.absentFrom.length === 0 && presentIn.length === 0;
      const fix = (title: string, command: string, args: unknown[], preferred: boolean): void => {
        const codeAction = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        codeAction.command = { title, command, arguments: args };
        codeAction.diagnostics = [diagnostic];
        codeAction.isPreferred = preferred;
        actions.push(codeAction);
      };
      if (action === 'migrate') {
        fix(vscode.l10n.t('Create migration'), 'driftGuard.createMigration', [root, [placed.finding.label]], true);
      }
      if (action === 'baseline') {
        fix(
          vscode.l10n.t('Create baseline including this change (already in {0})', names(presentIn)),
          'driftGuard.createBaseline',
          [root],
          true,
        );
      } else if (unchecked) {
        fix(vscode.l10n.t('Create baseline including this change'), 'driftGuard.createBaseline', [root], false);
      }
      fix(vscode.l10n.t('Show SQL for this change'), 'driftGuard.showDriftSql', [root, [placed.finding.label]], false);
    }
    return actions;
  }
}
