import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { explainReplayFailure, type ReplayBlocked } from '../../core/app/deletedMigrations';
import { type DriftActionPlan, type SchemaDriftAction, planDriftActions } from '../../core/app/driftActions';
import { driftedObjects } from '../../core/drift/counts';
import { type DriftFinding } from '../../core/drift/driftFindings';
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
  /** `undefined` for schema vs migrations, else the first database that has it (see `databases`). */
  environment?: string;
  /** Database drift only: every database that has it (one entry for all of them). */
  databases?: string[];
  /** Schema drift only: its action (`migrate` or `baseline`) and the databases that already have it. */
  action?: SchemaDriftAction;
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
  const end =
    length !== undefined ? start + length : Math.max(start + 1, lineLength(location.file, location.line) ?? start + 1);
  return new vscode.Range(line, start, line, end);
}

function isSchemaFile(analysis: ProjectAnalysis, file: string): boolean {
  return analysis.project.schemaFiles.some((f) => f.path === file);
}

/** Where a finding without its own location goes: the datasource block, else the first schema line. */
function fallbackLocation(analysis: ProjectAnalysis): SourcePosition {
  return (
    analysis.project.datasource?.blockLocation ?? {
      file: analysis.project.schemaFiles[0]?.path ?? analysis.project.schemaPath,
      line: 1,
      character: 1,
    }
  );
}

/**
 * The action of each schema finding from the databases' latest results (src/core/app/driftActions.ts): a database
 * that could not be checked, or has no result yet, is not counted as having or lacking anything.
 */
export function driftPlan(analysis: ProjectAnalysis): DriftActionPlan {
  return planDriftActions(
    analysis.schema?.findings ?? [],
    analysis.databases.map((d) =>
      d.error || !d.findings ? { name: d.environment.name } : { name: d.environment.name, findings: d.findings },
    ),
  );
}

/** `local, production` */
export function names(list: readonly string[]): string {
  return list.join(', ');
}

/** What to do about a schema finding, said after its sentence: a new change, or db push drift naming the databases. */
export function actionPhrase(action: SchemaDriftAction, plan: DriftActionPlan, analysis: ProjectAnalysis): string {
  if (plan.checked.length === 0) {
    return analysis.databasesChecking.length > 0
      ? vscode.l10n.t('databases not checked yet ({0})', names(analysis.databasesChecking))
      : vscode.l10n.t(
          'no database checked: treated as a new change, create a migration (if a database already has it, check that database first)',
        );
  }
  if (action.action === 'migrate') {
    return vscode.l10n.t('in no checked database ({0}): a new change, create a migration', names(plan.checked));
  }
  return action.absentFrom.length > 0
    ? vscode.l10n.t(
        'already in {0}, not in {1} (db push): create a baseline including it',
        names(action.presentIn),
        names(action.absentFrom),
      )
    : vscode.l10n.t('already in {0} (db push): create a baseline including it', names(action.presentIn));
}

/**
 * Every finding of a project placed in a file, with its message: each drifted object once — a schema change with
 * the databases that already have it, a database difference the schema does not share with every database that has it.
 */
export function placeFindings(analysis: ProjectAnalysis): PlacedFinding[] {
  const out: PlacedFinding[] = [];
  const place = (finding: DriftFinding, message: string, code: DriftCode): PlacedFinding => {
    const location = finding.location ?? fallbackLocation(analysis);
    const inSchema = isSchemaFile(analysis, location.file);
    const range = rangeAt(
      location,
      inSchema && finding.location ? finding.nameLength : inSchema ? 'datasource'.length : undefined,
    );
    const placed: PlacedFinding = { uri: vscode.Uri.file(location.file), range, finding, code, message };
    out.push(placed);
    return placed;
  };
  const plan = driftPlan(analysis);
  for (const action of plan.schema) {
    place(
      action.finding,
      `${action.finding.message} — ${actionPhrase(action, plan, analysis)}`,
      'schema-drift',
    ).action = action;
  }
  for (const { finding, databases } of plan.databaseOnly) {
    const placed = place(finding, `[${names(databases)}] ${finding.message}`, 'database-drift');
    placed.environment = databases[0];
    placed.databases = databases;
  }
  return out;
}

/** Where an analysis error is shown. */
export function placeError(analysis: ProjectAnalysis, error: AnalysisError): { uri: vscode.Uri; range: vscode.Range } {
  const location = error.location ?? fallbackLocation(analysis);
  return {
    uri: vscode.Uri.file(location.file),
    range: rangeAt(location, error.location ? undefined : 'datasource'.length),
  };
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
  const shown =
    location.file === file
      ? vscode.l10n.t('line {0}', String(location.line))
      : `${vscode.workspace.asRelativePath(location.file)}:${location.line}`;
  return error.message.replace(where, ` (${shown})`);
}

/** Why the drift was not computed (applied migrations deleted here), in the user's language. */
export function replayBlockedText(blocked: ReplayBlocked): string {
  const names = blocked.deleted.join(', ');
  return blocked.failedMigration
    ? vscode.l10n.t(
        'Drift not computed: the migration history cannot be replayed without {0} (deleted here, but {1} recorded it as applied), and {2} builds on it. Restore it from git.',
        names,
        blocked.environments.join(', '),
        blocked.failedMigration,
      )
    : vscode.l10n.t(
        'Drift not computed: the migration history cannot be replayed without {0} (deleted here, but {1} recorded it as applied). Restore it from git.',
        names,
        blocked.environments.join(', '),
      );
}

/**
 * A schema check that failed on the shadow database because applied migrations were deleted here: what the
 * databases' histories (already read) say about it. Undefined for any other failure.
 */
export function schemaReplayBlocked(analysis: ProjectAnalysis): ReplayBlocked | undefined {
  const error = analysis.schemaError;
  if (!error) return undefined;
  const histories = analysis.databases.flatMap((d) =>
    d.history ? [{ environment: d.environment.name, migrations: d.history.migrations }] : [],
  );
  return explainReplayFailure(
    { code: error.code, message: error.message, ...(error.migration ? { migration: error.migration } : {}) },
    histories,
  );
}

/**
 * A drift count in the editor, in the one vocabulary of src/core/drift/counts.ts: `7 drifted objects` (a new table
 * with its indexes and keys is one object), translated.
 */
export function driftedObjectsText(n: number): string {
  return driftedObjects(n, {
    one: vscode.l10n.t('1 drifted object'),
    many: (count) => vscode.l10n.t('{0} drifted objects', count),
  });
}

/** `7 drifted objects not in any migration`, translated. */
export function notInMigrationsText(n: number): string {
  return driftedObjects(n, {
    one: vscode.l10n.t('1 drifted object not in any migration'),
    many: (count) => vscode.l10n.t('{0} drifted objects not in any migration', count),
  });
}
