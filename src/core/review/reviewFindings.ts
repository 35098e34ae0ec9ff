/**
 * What the review of pending migrations reports: its rules (id, severity, why, the safe rewrite) and one finding
 * per statement and rule, located in its migration.sql. Plain data: the CLI prints it, the editor shows it.
 */
import * as l10n from '@vscode/l10n';

/** Every rule of the review. `waiver/*` are about the waiver comments themselves. */
export const REVIEW_RULE_IDS = [
  'data-loss/drop-table',
  'data-loss/drop-column',
  'data-loss/enum-value-removed',
  'data-loss/type-narrowing',
  'data-loss/delete-rows',
  'existing-rows/set-not-null',
  'existing-rows/required-column',
  'existing-rows/unique-index',
  'lock/create-index',
  'lock/alter-type',
  'lock/foreign-key',
  'prisma/out-of-order',
  'prisma/concurrently-in-transaction',
  'waiver/no-reason',
  'waiver/unknown-rule',
] as const;

export type ReviewRuleId = (typeof REVIEW_RULE_IDS)[number];

export type ReviewSeverity = 'error' | 'warning';

/** A rule as the help, the README and SARIF describe it. */
export interface ReviewRule {
  id: ReviewRuleId;
  severity: ReviewSeverity;
  /** One line: what the statement risks. */
  summary: string;
  /** The safe way to write it. */
  rewrite: string;
}

/** The rules, in the CLI's language (call after the language is chosen). */
export function reviewRules(): ReviewRule[] {
  const rule = (id: ReviewRuleId, severity: ReviewSeverity, summary: string, rewrite: string): ReviewRule => ({
    id,
    severity,
    summary,
    rewrite,
  });
  return [
    rule(
      'data-loss/drop-table',
      'error',
      l10n.t('DROP TABLE of a table that exists: its rows are lost.'),
      l10n.t(
        'Expand/contract: stop using the table in a first deploy, copy or archive its rows if needed, then drop it in a later migration.',
      ),
    ),
    rule(
      'data-loss/drop-column',
      'error',
      l10n.t('DROP COLUMN of a column that exists: its values are lost.'),
      l10n.t(
        'Expand/contract: stop reading and writing the column in a first deploy (remove it from the schema with @ignore or from the queries), then drop it in a later migration. A rename is written RENAME COLUMN.',
      ),
    ),
    rule(
      'data-loss/enum-value-removed',
      'error',
      l10n.t('An enum recreated without one of its values: fails, or loses data, on rows that use it.'),
      l10n.t(
        "Move the rows off the value first (UPDATE … SET col = 'OTHER' WHERE col = 'OLD') in an earlier migration, then remove the value.",
      ),
    ),
    rule(
      'data-loss/type-narrowing',
      'error',
      l10n.t('A column type changed to a narrower one: fails on values that do not fit, or cuts them.'),
      l10n.t(
        'Expand/contract: add a column of the new type, backfill it with checked values, switch the code to it, then drop the old column.',
      ),
    ),
    rule(
      'data-loss/delete-rows',
      'error',
      l10n.t('TRUNCATE, or DELETE without WHERE, of a table that exists: every row is lost.'),
      l10n.t(
        'Say which rows with a WHERE clause, or keep the data migration out of the schema migration (a script run once, with a backup).',
      ),
    ),
    rule(
      'existing-rows/set-not-null',
      'warning',
      l10n.t(
        'SET NOT NULL on a table that exists: fails if a row has no value, and scans the table under an exclusive lock.',
      ),
      l10n.t(
        'Backfill the nulls first; then ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, and only then SET NOT NULL (PostgreSQL 12+ uses the valid check and skips the scan) and drop the check.',
      ),
    ),
    rule(
      'existing-rows/required-column',
      'warning',
      l10n.t(
        'A required (NOT NULL) column without a default added to a table that exists: fails if the table has any row.',
      ),
      l10n.t(
        'Add the column with a DEFAULT (@default in the schema), or nullable first, backfill it, then make it required in a later migration.',
      ),
    ),
    rule(
      'existing-rows/unique-index',
      'warning',
      l10n.t('A new unique index or constraint on a table that exists: fails if existing rows have duplicates.'),
      l10n.t(
        'Look for duplicates first (SELECT col, count(*) … GROUP BY col HAVING count(*) > 1) and fix them; build the index with CREATE UNIQUE INDEX CONCURRENTLY in its own migration (then ADD CONSTRAINT … UNIQUE USING INDEX if a constraint is wanted).',
      ),
    ),
    rule(
      'lock/create-index',
      'warning',
      l10n.t(
        'CREATE INDEX without CONCURRENTLY on a table that exists: writes to the table wait until the index is built.',
      ),
      l10n.t('CREATE INDEX CONCURRENTLY, alone in its own migration (it cannot run inside a transaction block).'),
    ),
    rule(
      'lock/alter-type',
      'warning',
      l10n.t('A column type change that rewrites the table: reads and writes wait for the whole rewrite.'),
      l10n.t(
        'Expand/contract: add a column of the new type, backfill it in batches, switch the code to it, then drop the old column.',
      ),
    ),
    rule(
      'lock/foreign-key',
      'warning',
      l10n.t(
        'A foreign key added to a table that exists without NOT VALID: both tables are locked while every row is checked.',
      ),
      l10n.t(
        'ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then ALTER TABLE … VALIDATE CONSTRAINT … in a later migration (it checks the rows without blocking writes).',
      ),
    ),
    rule(
      'prisma/out-of-order',
      'warning',
      l10n.t(
        'A pending migration sorts before an applied one and changes a table that applied one created or changed: deploy runs it after, development databases before.',
      ),
      l10n.t(
        'Rename the migration folder so that it sorts after every applied migration (a new timestamp), and check it against the latest schema.',
      ),
    ),
    rule(
      'prisma/concurrently-in-transaction',
      'error',
      l10n.t(
        'CONCURRENTLY in a migration with other statements (or an explicit transaction): PostgreSQL refuses it inside a transaction block.',
      ),
      l10n.t('Move the CONCURRENTLY statement into a migration of its own, with nothing else in it.'),
    ),
    rule(
      'waiver/no-reason',
      'warning',
      l10n.t('A drift-guard-ignore comment without a reason: it waives nothing.'),
      l10n.t('Say why after a colon: -- drift-guard-ignore data-loss/drop-column: the column was unused since v3'),
    ),
    rule(
      'waiver/unknown-rule',
      'warning',
      l10n.t('A drift-guard-ignore comment naming no rule of the review.'),
      l10n.t("Name a rule id from drift-guard review's rules table (e.g. data-loss/drop-column)."),
    ),
  ];
}

/** A text replacement in migration.sql (offsets in the file). */
export interface ReviewEdit {
  offset: number;
  length: number;
  text: string;
  /** What the edit does, for a code action's title. */
  title: string;
}

/** One finding of the review. */
export interface ReviewFinding {
  rule: ReviewRuleId;
  severity: ReviewSeverity;
  /** The migration's folder name. */
  migration: string;
  /** Absolute path of its migration.sql. */
  file: string;
  /** 1-based line and character of the offending text. */
  line: number;
  character: number;
  /** Offset and length of the offending text in the file. */
  offset: number;
  length: number;
  /** Why the statement is risky (one or two sentences). */
  message: string;
  /** The safe rewrite. */
  fix: string;
  /** The table concerned, unquoted, as the migration names it (`schema.table` when qualified). */
  table?: string;
  /** Rows the real table has (planner estimate), when a database was read. */
  rows?: number;
  /** A mechanical rewrite, when there is one. */
  edit?: ReviewEdit;
}

/** Findings at or above `level` (`warning`: all). */
export function atOrAbove(findings: readonly ReviewFinding[], level: ReviewSeverity): ReviewFinding[] {
  return level === 'warning' ? [...findings] : findings.filter((f) => f.severity === 'error');
}
