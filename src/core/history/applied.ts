import * as l10n from '@vscode/l10n';
import { type DriftReport } from '../drift/driftReport';
import { isEngineError } from '../engine/engineError';
import { type PrismaProject } from '../project/types';
import { type HistoryStatus } from './status';

/**
 * The project as a database's history has it: only the local migrations recorded as applied
 * (modified ones included — their local text is all we have). Live drift compares a database with
 * these, so a migration that is merely pending is not reported as drift.
 */
export function projectAsApplied(project: PrismaProject, status: HistoryStatus): PrismaProject {
  const applied = new Set(
    status.migrations.filter((m) => m.state === 'applied' || m.state === 'modified').map((m) => m.name),
  );
  return { ...project, migrations: project.migrations.filter((m) => applied.has(m.name)) };
}

/** A live-drift report and what it was measured against. */
export interface HistoryDriftReport extends DriftReport {
  /** `applied`: the migrations the database recorded; `all`: every local migration (see note). */
  basis: 'applied' | 'all';
  note?: string;
}

/**
 * Database vs the migrations its history says were applied. When those alone cannot be replayed
 * (a gap: a rolled-back or failed migration that a later applied one builds on), falls back to
 * every local migration and says so.
 */
export async function diffDatabaseToHistory(
  engine: { diffMigrationsToDatabase(project: PrismaProject, url: string): Promise<DriftReport> },
  project: PrismaProject,
  status: HistoryStatus,
  url: string,
): Promise<HistoryDriftReport> {
  const applied = projectAsApplied(project, status);
  if (applied.migrations.length === project.migrations.length) {
    return { ...(await engine.diffMigrationsToDatabase(project, url)), basis: 'all' };
  }
  try {
    return { ...(await engine.diffMigrationsToDatabase(applied, url)), basis: 'applied' };
  } catch (error) {
    if (!isEngineError(error) || error.code !== 'migration-failed') throw error;
    const report = await engine.diffMigrationsToDatabase(project, url);
    return {
      ...report,
      basis: 'all',
      note: l10n.t(
        'The applied migrations alone do not replay ({0}); compared with every local migration instead, so pending ones count as differences.',
        error.message,
      ),
    };
  }
}
