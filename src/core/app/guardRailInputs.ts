/**
 * The one gathering of what the guard rails judge, shared by the editor (diagnostics, Migrations view) and the CLI
 * (`check`, `status`): each local migration's SQL, what the databases recorded as applied, what git committed (the
 * order migrations were added in, the commits that added them) and which applied migrations were deleted here.
 *
 * One definition of each word:
 * - applied: a finished, not rolled back row of an environment's `_prisma_migrations` ({@link appliedIndex});
 * - committed: in git's HEAD (the migrations folder has files there: git tracks it);
 * - deleted (here): applied somewhere, no local folder, and either git's HEAD still has it, or it was seen in the
 *   folder earlier (the editor's session), or git does not track the folder (then the database's record is all
 *   there is).
 *
 * An input that cannot be read is never dropped in silence: it becomes a {@link GuardInputProblem}, which
 * {@link guardRailFindings} turns into a `guard-input-unavailable` warning where the rule's findings would have been.
 */
import * as l10n from '@vscode/l10n';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { appliedIndex, type EnvironmentHistory } from '../guards/appliedMigrations';
import { type AddingCommit } from '../guards/commitMessages';
import { type GuardFinding, sortFindings } from '../guards/guardFindings';
import { addingCommits, hasCommittedFiles, isCommitted, writtenOrder } from '../guards/git';
import { type ObservedOrder } from '../guards/migrationNames';
import { projectGuardFindings, type ProjectGuardInput } from '../guards/projectGuards';
import { type OrderingHazard } from '../history/status';
import { compareMigrationNames } from '../project/migrationOrder';
import { type PrismaProject } from '../project/types';
import { type NamedHistory, recordedButMissing } from './deletedMigrations';

/** The git questions the guard rails ask (the real ones in {@link nodeGuardRailGit}; tests pass fakes). */
export interface GuardRailGit {
  writtenOrder(migrationsDir: string): Promise<ObservedOrder | undefined>;
  addingCommits(migrationsDir: string): Promise<ReadonlyMap<string, AddingCommit> | undefined>;
  hasCommittedFiles(dir: string): Promise<boolean>;
  isCommitted(file: string): Promise<boolean>;
}

/** git itself, through src/core/guards/git.ts. */
export const nodeGuardRailGit: GuardRailGit = { writtenOrder, addingCommits, hasCommittedFiles, isCommitted };

/** An input of the guard rails that could not be read, and the rule it leaves unchecked. */
export interface GuardInputProblem {
  /** Which input: a migration's SQL, the committed order, the adding commits, or git's view of deleted folders. */
  input: 'migration-sql' | 'committed-order' | 'adding-commits' | 'deleted';
  /** The migration it is about (`migration-sql`). */
  migration?: string;
  /** One sentence for the user: what could not be read, why, and which rule could not run. */
  message: string;
}

/** One environment's history as the guard rails read it (its ordering hazards when the engine gave them). */
export type GuardRailHistory = EnvironmentHistory & { hazards?: readonly OrderingHazard[] };

/** What {@link gatherGuardRailInputs} found: the input of {@link projectGuardFindings}, and what it could not read. */
export interface GuardRailInputs {
  input: ProjectGuardInput & { deleted: string[] };
  problems: GuardInputProblem[];
}

/** Where the inputs come from; each defaults to the real one. */
export interface GuardRailSources {
  git?: GuardRailGit;
  readFile?: (file: string) => Promise<string>;
  /** Migration names seen in the folder earlier (the editor's session): gone now means deleted here. */
  seen?: ReadonlySet<string>;
}

/** The message of an error, for a sentence. */
function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}

/**
 * Every input of the guard rails of `project`, given the histories the caller read (the CLI: the checked database's;
 * the editor: each environment's latest). Never throws for an unreadable input: it is in `problems`.
 */
export async function gatherGuardRailInputs(
  project: Pick<PrismaProject, 'migrationsDir' | 'migrations'>,
  histories: readonly GuardRailHistory[],
  sources: GuardRailSources = {},
): Promise<GuardRailInputs> {
  const git = sources.git ?? nodeGuardRailGit;
  const read = sources.readFile ?? ((file: string) => readFile(file, 'utf8'));
  const problems: GuardInputProblem[] = [];
  const migrations = await Promise.all(
    project.migrations.map(async (m) => {
      if (!m.hasSql) return { name: m.name, sqlPath: m.sqlPath };
      try {
        return { name: m.name, sqlPath: m.sqlPath, sql: await read(m.sqlPath) };
      } catch (error) {
        // Gone since the folder was listed (a deletion in progress): the deleted-migration rule speaks for it next time.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          problems.push({
            input: 'migration-sql',
            migration: m.name,
            message: l10n.t(
              '{0} could not be read ({1}): whether it was edited after being applied could not be checked.',
              `${m.name}/migration.sql`,
              reason(error),
            ),
          });
        }
        return { name: m.name, sqlPath: m.sqlPath };
      }
    }),
  );
  // Both asked at once; their problems listed in a fixed order, whichever answers first.
  const [order, adding] = await Promise.allSettled([
    git.writtenOrder(project.migrationsDir),
    git.addingCommits(project.migrationsDir),
  ]);
  if (order.status === 'rejected') {
    problems.push({
      input: 'committed-order',
      message: l10n.t(
        'git could not be read ({0}): the order same-day migrations were committed in could not be checked.',
        reason(order.reason),
      ),
    });
  }
  if (adding.status === 'rejected') {
    problems.push({
      input: 'adding-commits',
      message: l10n.t(
        'git could not be read ({0}): the commit messages that added the migrations (rule 4) could not be checked.',
        reason(adding.reason),
      ),
    });
  }
  const written = order.status === 'fulfilled' ? order.value : undefined;
  const commits = adding.status === 'fulfilled' ? adding.value : undefined;
  // Deleted: applied somewhere, no local folder. The histories may predate the deletion (the editor keeps the last
  // one read), so every finished record without a folder counts, whatever state that history gave it.
  const local = new Set(project.migrations.map((m) => m.name));
  const applied = appliedIndex(histories);
  const gone = [...applied.keys()]
    .filter((name) => !local.has(name))
    .map((name) => ({ name, state: 'missingLocally' as const, appliedAt: applied.get(name)?.[0]?.appliedAt ?? '' }));
  const deleted = await deletedAppliedMigrations(project.migrationsDir, [{ environment: '', migrations: gone }], {
    git,
    ...(sources.seen ? { seen: sources.seen } : {}),
  });
  problems.push(...deleted.problems);
  return {
    input: {
      migrations,
      histories,
      ...(written ? { written } : {}),
      ...(commits ? { commits } : {}),
      deleted: deleted.deleted,
    },
    problems,
  };
}

/**
 * The recorded-as-applied migrations whose folder was deleted here, in name order: gone from the folder while git's
 * HEAD still has it, or seen in the folder earlier (`seen`), or — when git does not track the migrations folder (no
 * repository, nothing committed), so it cannot say — on the database's own record. A git that fails to answer is a
 * problem: the database's record is then the evidence (the folder counts as untracked), and a migration whose HEAD
 * copy could not be asked is left out, with the problem saying so.
 */
export async function deletedAppliedMigrations(
  migrationsDir: string,
  histories: readonly NamedHistory[],
  options: { seen?: ReadonlySet<string>; git?: GuardRailGit } = {},
): Promise<{ deleted: string[]; problems: GuardInputProblem[] }> {
  const git = options.git ?? nodeGuardRailGit;
  const missing = [...new Set(histories.flatMap((h) => recordedButMissing(h)))];
  const problems: GuardInputProblem[] = [];
  if (missing.length === 0) return { deleted: [], problems };
  const problem = (error: unknown): void => {
    if (problems.length > 0) return;
    problems.push({
      input: 'deleted',
      message: l10n.t(
        'git could not be read ({0}): whether applied migrations were deleted here could not be fully checked.',
        reason(error),
      ),
    });
  };
  // Git can only tell a deletion when it tracks the migrations folder; otherwise the database's record is all there is.
  const tracked = await git.hasCommittedFiles(migrationsDir).catch((error: unknown) => {
    problem(error);
    return false;
  });
  const deleted: string[] = [];
  for (const name of missing) {
    if (options.seen?.has(name) || !tracked) {
      deleted.push(name);
      continue;
    }
    const committed = await git.isCommitted(path.join(migrationsDir, name, 'migration.sql')).catch((error: unknown) => {
      problem(error);
      return false;
    });
    if (committed) deleted.push(name);
  }
  return { deleted: deleted.sort(compareMigrationNames), problems };
}

/** A problem as a guard-rail finding: a warning, on the migration it is about (else on the project, `migration` ''). */
export function guardInputFinding(problem: GuardInputProblem): GuardFinding {
  return {
    code: 'guard-input-unavailable',
    severity: 'warning',
    migration: problem.migration ?? '',
    message: problem.message,
  };
}

/** The guard-rail findings of gathered inputs, an input that could not be read included as a warning; errors first. */
export function guardRailFindings(inputs: GuardRailInputs): GuardFinding[] {
  return sortFindings([...projectGuardFindings(inputs.input), ...inputs.problems.map(guardInputFinding)]);
}
