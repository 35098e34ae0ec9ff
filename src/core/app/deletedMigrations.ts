/**
 * An applied migration whose folder was deleted (team rule 6: never delete an applied migration), seen from both
 * sides: the guard rail (`applied-migration-deleted`, from git when the project is in a repository, from the
 * database's own `_prisma_migrations` record otherwise) and the drift check, which cannot replay a history that
 * later migrations build on without it. The check then says *why* it cannot compute the drift and what restores
 * it, instead of "migration X failed on the shadow database" and a database called unreachable: the database was
 * read (its history is shown, ghost row included); only the replay is impossible.
 *
 * Shared by the editor (analyses, tree, diagnostics) and the CLI (`status`, `check`). Which applied migrations were
 * deleted here is decided with the other guard-rail inputs, in guardRailInputs.ts.
 */
import * as l10n from '@vscode/l10n';
import { type EngineApi } from './engineApi';
import { isEngineError } from '../engine/engineError';
import { diffDatabaseToHistory, type HistoryDriftReport } from '../history/applied';
import { type HistoryStatus, type MigrationStatus } from '../history/status';
import { compareMigrationNames } from '../project/migrationOrder';
import { type PrismaProject } from '../project/types';

/** What a drift check failed with (an engine error, as data). */
export interface CheckFailure {
  code: string;
  message: string;
  /** The migration that failed on the shadow database, when that is the failure. */
  migration?: string;
}

/** One database's history as the analyses keep it. */
export interface NamedHistory {
  environment: string;
  migrations: readonly Pick<MigrationStatus, 'name' | 'state' | 'appliedAt'>[];
}

/** Why the drift cannot be computed: the history cannot be replayed without migrations deleted here. */
export interface ReplayBlocked {
  /** The applied migrations whose folder is gone, that sort before the one that failed, in name order. */
  deleted: string[];
  /** The databases whose `_prisma_migrations` recorded them as applied. */
  environments: string[];
  /** The local migration that failed on the shadow database without them. */
  failedMigration?: string;
  /** The engine's own message (kept for the log). */
  engineMessage: string;
}

/**
 * Names recorded as applied and finished in `_prisma_migrations` whose folder is not local: the database's own
 * record of a migration it ran (`missingLocally` with a finish time).
 */
export function recordedButMissing(history: Pick<NamedHistory, 'migrations'>): string[] {
  return history.migrations.filter((m) => m.state === 'missingLocally' && m.appliedAt !== undefined).map((m) => m.name);
}

/**
 * Why a failed replay failed, when it is because of deleted applied migrations: the failure is a migration that
 * failed on the shadow database, and some history records as applied a migration that is gone locally and sorts
 * before it (the failing one was written on top of it). Undefined otherwise (a genuinely broken migration, an
 * unreachable database…): the failure then speaks for itself.
 */
export function explainReplayFailure(
  failure: CheckFailure,
  histories: readonly NamedHistory[],
): ReplayBlocked | undefined {
  if (failure.code !== 'migration-failed') return undefined;
  const deleted = new Set<string>();
  const environments = new Set<string>();
  for (const history of histories) {
    for (const name of recordedButMissing(history)) {
      if (failure.migration !== undefined && compareMigrationNames(name, failure.migration) >= 0) continue;
      deleted.add(name);
      environments.add(history.environment);
    }
  }
  if (deleted.size === 0) return undefined;
  return {
    deleted: [...deleted].sort(compareMigrationNames),
    environments: [...environments],
    ...(failure.migration !== undefined ? { failedMigration: failure.migration } : {}),
    engineMessage: failure.message,
  };
}

/** The sentence (the CLI's, in its language) saying why the drift was not computed and how to get it back. */
export function replayBlockedMessage(blocked: ReplayBlocked, migrationsDir = '<migrations>'): string {
  const names = blocked.deleted.join(', ');
  const environments = blocked.environments.join(', ');
  const restore = `git checkout HEAD -- ${migrationsDir}/${blocked.deleted[0]}`;
  const one = blocked.deleted.length === 1;
  if (blocked.failedMigration) {
    return one
      ? l10n.t(
          'Drift not computed: the migration history cannot be replayed without {0} (deleted here, but {1} recorded it as applied): {2} builds on it. Restore it from git ({3}), then check again.',
          names,
          environments,
          blocked.failedMigration,
          restore,
        )
      : l10n.t(
          'Drift not computed: the migration history cannot be replayed without {0} (deleted here, but {1} recorded them as applied): {2} builds on them. Restore them from git ({3}), then check again.',
          names,
          environments,
          blocked.failedMigration,
          restore,
        );
  }
  return one
    ? l10n.t(
        'Drift not computed: the migration history cannot be replayed without {0} (deleted here, but {1} recorded it as applied). Restore it from git ({2}), then check again.',
        names,
        environments,
        restore,
      )
    : l10n.t(
        'Drift not computed: the migration history cannot be replayed without {0} (deleted here, but {1} recorded them as applied). Restore them from git ({2}), then check again.',
        names,
        environments,
        restore,
      );
}

/** A database's drift against its history, or why it cannot be computed. */
export type DatabaseDriftCheck =
  | { history: HistoryStatus; report: HistoryDriftReport; blocked?: undefined }
  | { history: HistoryStatus; report?: undefined; blocked: ReplayBlocked };

/**
 * Reads the database's history, then its drift against the migrations it applied. When the replay fails because
 * applied migrations were deleted here, the history is still the answer (with its ghost rows) and `blocked` says
 * why there is no drift report; any other failure is thrown as before.
 */
export async function checkDatabaseDrift(
  engine: Pick<EngineApi, 'historyStatus' | 'diffMigrationsToDatabase'>,
  project: PrismaProject,
  url: string,
  environment: string,
): Promise<DatabaseDriftCheck> {
  const history = await engine.historyStatus(project, url);
  try {
    return { history, report: await diffDatabaseToHistory(engine, project, history, url) };
  } catch (error) {
    if (!isEngineError(error)) throw error;
    const blocked = explainReplayFailure(
      { code: error.code, message: error.message, ...(error.migration ? { migration: error.migration } : {}) },
      [{ environment, migrations: history.migrations }],
    );
    if (!blocked) throw error;
    return { history, blocked };
  }
}
