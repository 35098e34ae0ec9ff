/**
 * Which migrations the review reads as pending: with a database, those its `_prisma_migrations` has not applied;
 * without one, those the main branch does not have yet (what the pull request adds). Never the applied history.
 */
import * as l10n from '@vscode/l10n';
import { readFile } from 'node:fs/promises';
import { GitError, mainBranch, migrationFoldersAt } from '../guards/git';
import { computeHistoryStatus, type MigrationRecord } from '../history/status';
import { compareMigrationNames } from '../project/migrationOrder';
import { type MigrationFolder } from '../project/types';
import { type ReviewInput, type ReviewMigration } from './rules';

/** The pending migrations, the others, and what "pending" was measured against (one phrase for the output). */
export interface PendingSplit extends ReviewInput {
  basis: string;
}

/** The migrations of a project that have a migration.sql, read from disk. */
export async function readLocalMigrations(folders: readonly MigrationFolder[]): Promise<ReviewMigration[]> {
  return Promise.all(
    folders
      .filter((f) => f.hasSql)
      .map(async (f) => ({ name: f.name, sqlPath: f.sqlPath, sql: await readFile(f.sqlPath, 'utf8') })),
  );
}

/**
 * Pending for a database: not applied by its `_prisma_migrations` (`records` undefined: no such table, all
 * pending), or marked rolled back (deploy applies it again).
 */
export function pendingFromRecords(
  local: readonly ReviewMigration[],
  records: readonly MigrationRecord[] | undefined,
  target: string,
): PendingSplit {
  const states = new Map(computeHistoryStatus(local, records).migrations.map((m) => [m.name, m.state]));
  const isPending = (m: ReviewMigration): boolean =>
    states.get(m.name) === 'pending' || states.get(m.name) === 'rolledBack';
  return {
    pending: local.filter(isPending),
    applied: local.filter((m) => !isPending(m)),
    basis: l10n.t('not applied on {0}', target),
  };
}

/**
 * Pending without a database: the migrations the main branch (origin/main, main or master) does not have; in a
 * repository without any of them, those sorting after the last migration committed in HEAD. Throws a
 * {@link GitError} outside git, or when nothing is committed to compare with.
 */
export async function pendingFromGit(migrationsDir: string, local: readonly ReviewMigration[]): Promise<PendingSplit> {
  const main = await mainBranch(migrationsDir);
  if (!main) {
    throw new GitError(
      'not-a-repository',
      l10n.t(
        '{0} is not in a git repository: without a database (--url or --env), the review needs the main branch to know which migrations are new.',
        migrationsDir,
      ),
    );
  }
  if (main.ref) {
    const merged = new Set(await migrationFoldersAt(main.root, main.ref, migrationsDir));
    return {
      pending: local.filter((m) => !merged.has(m.name)),
      applied: local.filter((m) => merged.has(m.name)),
      basis: l10n.t('not in {0}', main.ref),
    };
  }
  if (!main.hasHead) {
    throw new GitError(
      'no-commit',
      l10n.t(
        'The repository at {0} has no commit and no main branch (origin/main, main or master): pass --url or --env to review against a database.',
        main.root,
      ),
    );
  }
  const committed = (await migrationFoldersAt(main.root, 'HEAD', migrationsDir)).sort(compareMigrationNames);
  const last = committed[committed.length - 1];
  const newer = (m: ReviewMigration): boolean => last === undefined || compareMigrationNames(m.name, last) > 0;
  return {
    pending: local.filter(newer),
    applied: local.filter((m) => !newer(m)),
    basis:
      last === undefined
        ? l10n.t('no main branch, and no migration committed yet')
        : l10n.t('no main branch: newer than {0}, the last migration committed', last),
  };
}
