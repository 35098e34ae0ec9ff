import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { type DriftFinding } from '../../core/drift/findings';
import { type SourcePosition } from '../../core/project/types';
import { type AnalysisError, type ProjectAnalysis } from './analysisService';

/** Where the README explains each diagnostic code. */
export const README_URL = 'https://github.com/prisma-drift-guard/prisma-drift-guard#';

export type DriftCode = 'schema-drift' | 'database-drift' | 'drift-check-failed';

/** A diagnostic and the finding it shows, so quick fixes and lenses can act on it. */
export interface PlacedFinding {
  uri: vscode.Uri;
  range: vscode.Range;
  finding: DriftFinding;
  /** `undefined` for schema vs migrations, else the environment name. */
  environment?: string;
  code: DriftCode;
  message: string;
}

const lineCache = new Map<string, { mtime: number; lines: string[] }>();

function lineLength(file: string, line: number): number | undefined {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (doc) return line - 1 < doc.lineCount ? doc.lineAt(line - 1).text.length : undefined;
  try {
    let cached = lineCache.get(file);
    if (!cached) {
      cached = { mtime: Date.now(), lines: readFileSync(file, 'utf8').split(/\r?\n/) };
      lineCache.set(file, cached);
    }
    return cached.lines[line - 1]?.length;
  } catch {
    return undefined;
  }
}

/** Forgets cached migration file lines (after a migrations change). */
export function clearLineCache(): void {
  lineCache.clear();
}

/** The range of a name at a 1-based position, or the rest of the line when `length` is undefined. */
export function rangeAt(location: SourcePosition, length: number | undefined): vscode.Range {
  const line = Math.max(0, location.line - 1);
  const start = Math.max(0, location.character - 1);
  const end = length !== undefined ? start + length : Math.max(start + 1, lineLength(location.file, location.line) ?? start + 1);
  return new vscode.Range(line, start, line, end);
}

function isSchemaFile(analysis: ProjectAnalysis, file: string): boolean {
  return analysis.project.schemaFiles.some((f) => f.path === file);
}

/** Where a finding without its own location goes: the datasource block, else the first schema line. */
function fallbackLocation(analysis: ProjectAnalysis): SourcePosition {
  return analysis.project.datasource?.blockLocation ?? { file: analysis.project.schemaFiles[0]?.path ?? analysis.project.schemaPath, line: 1, character: 1 };
}

/** Every finding of a project placed in a file, with its message. */
export function placeFindings(analysis: ProjectAnalysis): PlacedFinding[] {
  const out: PlacedFinding[] = [];
  const place = (finding: DriftFinding, environment: string | undefined): void => {
    const location = finding.location ?? fallbackLocation(analysis);
    const inSchema = isSchemaFile(analysis, location.file);
    const range = rangeAt(location, inSchema && finding.location ? finding.nameLength : inSchema ? 'datasource'.length : undefined);
    const message = environment === undefined ? finding.message : `[${environment}] ${finding.message}`;
    const placed: PlacedFinding = { uri: vscode.Uri.file(location.file), range, finding, code: environment === undefined ? 'schema-drift' : 'database-drift', message };
    if (environment !== undefined) placed.environment = environment;
    out.push(placed);
  };
  for (const f of analysis.schema?.findings ?? []) place(f, undefined);
  for (const db of analysis.databases) for (const f of db.findings ?? []) place(f, db.environment.name);
  return out;
}

/** Where an analysis error is shown. */
export function placeError(analysis: ProjectAnalysis, error: AnalysisError): { uri: vscode.Uri; range: vscode.Range } {
  const location = error.location ?? fallbackLocation(analysis);
  return { uri: vscode.Uri.file(location.file), range: rangeAt(location, error.location ? undefined : 'datasource'.length) };
}

export function severityFromSetting(scope: vscode.Uri | undefined): vscode.DiagnosticSeverity {
  const value = vscode.workspace.getConfiguration('driftGuard', scope).get<string>('severity', 'warning');
  switch (value) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'information':
      return vscode.DiagnosticSeverity.Information;
    case 'hint':
      return vscode.DiagnosticSeverity.Hint;
    default:
      return vscode.DiagnosticSeverity.Warning;
  }
}

/**
 * An analysis error's message as shown in `file` (its diagnostic's file, or the schema under a CodeLens): the
 * engine names the file by its absolute path, which there only repeats where the reader already is and
 * pushes the error itself out of a CodeLens — "(line 140)" in that file, a workspace-relative path elsewhere.
 */
export function errorMessageIn(error: AnalysisError, file: string): string {
  const location = error.location;
  if (!location) return error.message;
  const where = ` (${location.file}:${location.line})`;
  if (!error.message.includes(where)) return error.message;
  const shown = location.file === file ? vscode.l10n.t('line {0}', String(location.line)) : `${vscode.workspace.asRelativePath(location.file)}:${location.line}`;
  return error.message.replace(where, ` (${shown})`);
}
