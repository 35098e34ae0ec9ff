import * as vscode from 'vscode';
import { type AnalysisService, type ProjectAnalysis } from './analysisService';
import {
  type DriftCode,
  type PlacedFinding,
  README_URL,
  clearLineCache,
  errorMessageIn,
  placeError,
  placeFindings,
  replayBlockedText,
  schemaReplayBlocked,
  severityFromSetting,
} from './presentation';
import { Disposable } from '../../core/util/lifecycle';

const SOURCE = 'Prisma Drift Guard';

/**
 * One DiagnosticCollection for every project: drift findings on the schema declarations (or the
 * migration lines that created removed objects), live-database drift prefixed with the environment,
 * and analysis failures at their location.
 */
export class DriftDiagnostics extends Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('prisma-drift-guard');
  /** The URIs each project last wrote to, so a project's refresh clears only its own. */
  private readonly urisByProject = new Map<string, vscode.Uri[]>();
  /** Findings by diagnostic, for quick fixes (diagnostics come back to us as copies). */
  private readonly placed = new Map<string, PlacedFinding>();

  constructor(analysis: AnalysisService) {
    super();
    this.disposables.push(this.collection);
    analysis.onDidChangeAnalysis(this.show, this, this.disposables);
    analysis.onDidRemoveProject((project) => this.clear(project.root), this, this.disposables);
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (e.affectsConfiguration('driftGuard.severity')) for (const a of analysis.all) this.show(a);
      },
      this,
      this.disposables,
    );
  }

  /** The finding a diagnostic (as received by a code action) stands for. */
  findingFor(uri: vscode.Uri, diagnostic: vscode.Diagnostic): PlacedFinding | undefined {
    return this.placed.get(placedKey(uri, diagnostic.range, diagnostic.message));
  }

  /** Removes what a project last wrote. */
  private clear(root: string): void {
    for (const uri of this.urisByProject.get(root) ?? []) {
      this.collection.delete(uri);
      for (const key of [...this.placed.keys()]) if (key.startsWith(`${uri.toString()}#`)) this.placed.delete(key);
    }
    this.urisByProject.delete(root);
  }

  private show(analysis: ProjectAnalysis): void {
    // Results arrive while typing too; keep the previous ones on screen until the run ends.
    if (analysis.running && analysis.schema === undefined && analysis.schemaError === undefined) return;
    clearLineCache();
    const root = analysis.project.root;
    this.clear(root);
    const byUri = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
    const add = (uri: vscode.Uri, diagnostic: vscode.Diagnostic): void => {
      const entry = byUri.get(uri.toString()) ?? { uri, diagnostics: [] };
      entry.diagnostics.push(diagnostic);
      byUri.set(uri.toString(), entry);
    };
    const severity = severityFromSetting(vscode.Uri.file(root));
    for (const placed of placeFindings(analysis)) {
      const diagnostic = new vscode.Diagnostic(placed.range, placed.message, severity);
      decorate(diagnostic, placed.code);
      add(placed.uri, diagnostic);
      this.placed.set(placedKey(placed.uri, placed.range, placed.message), placed);
    }
    const errors = [
      ...(analysis.schemaError ? [{ error: analysis.schemaError, prefix: '' }] : []),
      ...analysis.databases
        .filter((d) => d.error && d.error.location)
        .map((d) => ({ error: d.error!, prefix: `[${d.environment.name}] ` })),
    ];
    // A migration that fails on the shadow because an applied one it builds on was deleted: the cause, not the symptom.
    const blocked = schemaReplayBlocked(analysis);
    for (const { error, prefix } of errors) {
      const { uri, range } = placeError(analysis, error);
      const text =
        blocked && error === analysis.schemaError
          ? replayBlockedText(blocked)
          : vscode.l10n.t('Drift check failed: {0}', errorMessageIn(error, uri.fsPath));
      const diagnostic = new vscode.Diagnostic(range, `${prefix}${text}`, vscode.DiagnosticSeverity.Error);
      decorate(diagnostic, 'drift-check-failed');
      add(uri, diagnostic);
    }
    for (const { uri, diagnostics } of byUri.values()) this.collection.set(uri, diagnostics);
    this.urisByProject.set(
      root,
      [...byUri.values()].map((e) => e.uri),
    );
  }
}

function decorate(diagnostic: vscode.Diagnostic, code: DriftCode): void {
  diagnostic.source = SOURCE;
  diagnostic.code = { value: code, target: vscode.Uri.parse(README_URL + code) };
}

function placedKey(uri: vscode.Uri, range: vscode.Range, message: string): string {
  return `${uri.toString()}#${range.start.line}:${range.start.character}#${message}`;
}
