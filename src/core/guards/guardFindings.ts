/**
 * What the guard rails report: plain data shared by the extension (diagnostics, the Migrations view),
 * the CLI (`drift-guard check`'s `guardRails` key) and the tests.
 */

/** Stable codes; each has a README section (`#<code>`), like the drift codes. */
export type GuardCode =
  /** A migration recorded as applied on a database was edited locally. */
  | 'applied-migration-edited'
  /** A migration recorded as applied on a database was deleted locally. */
  | 'applied-migration-deleted'
  /** `20231203063921_`, `migration`, `fix`, `new_migration`…: says nothing about what it changes. */
  | 'migration-name-meaningless'
  /** No timestamp prefix: it sorts after every dated migration, whatever its age. */
  | 'migration-name-no-timestamp'
  /** `YYYYMMDD_name`: migrations of the same day are applied in name order, not in the order they were written. */
  | 'migration-date-only'
  /** Two folders with the same timestamp: their order is decided by the rest of the name. */
  | 'migration-duplicate-timestamp'
  /** Same-day (or same-timestamp) migrations written or applied in another order than their names sort in. */
  | 'migration-same-day-order'
  /** Applied on a database after a migration that sorts after it (a fresh database applies them the other way). */
  | 'migration-applied-out-of-order'
  /** Uses a table or type that only a later-sorting migration creates: fails on a fresh database. */
  | 'migration-depends-on-later'
  /** An explicit COMMIT before other statements: a later failure leaves the statements before it applied. */
  | 'migration-commits-midway'
  /** The commit that added it does not describe it (empty, "wip", or not naming its subject): team rule 4. */
  | 'migration-commit-undocumented'
  /** An input of the guard rails (a migration.sql, git) could not be read: the rules that need it could not run. */
  | 'guard-input-unavailable';

export type GuardSeverity = 'error' | 'warning' | 'info';

/** One guard-rail finding about one migration. */
export interface GuardFinding {
  code: GuardCode;
  severity: GuardSeverity;
  /** The migration folder the finding is about ('' for a finding about the whole migrations folder). */
  migration: string;
  /** One or two sentences, in the user's language (through @vscode/l10n, like every core message). */
  message: string;
  /** Other migrations involved (the other of a pair, the rest of a same-day group). */
  related?: string[];
  /**
   * For a finding about a group (migrations sharing a timestamp or a day): every migration of the group, in
   * name order. The group gets one finding, shown at `migration` (one of the members), not one per member.
   */
  members?: string[];
  /** Environments whose history shows it (applied order, applied checksum). */
  environments?: string[];
  /** 1-based line in the migration's migration.sql the finding is about, when it is about one statement. */
  line?: number;
  /** For `applied-migration-edited`: what changed compared with what was applied. */
  difference?: 'lineEndings' | 'whitespace' | 'content';
}

const SEVERITY_RANK: Record<GuardSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then warnings, then information; by migration name within a severity. */
export function sortFindings(findings: readonly GuardFinding[]): GuardFinding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.migration.localeCompare(b.migration) ||
      a.code.localeCompare(b.code),
  );
}
