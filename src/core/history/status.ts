import * as l10n from '@vscode/l10n';
import { createdObjects } from '../drift/creationSites';
import { compareMigrationNames } from '../project/migrationOrder';
import { type LocalMigration } from '../project/types';
import { IDENT, splitQualified, stripSqlComments } from '../sql/sqlText';
import { explainChecksumMismatch, migrationChecksum } from './checksums';

/** One row of `_prisma_migrations`. */
export interface MigrationRecord {
  id: string;
  checksum: string;
  migrationName: string;
  logs: string | null;
  startedAt: string;
  finishedAt: string | null;
  rolledBackAt: string | null;
  appliedStepsCount: number;
}

export type MigrationState = 'applied' | 'pending' | 'failed' | 'rolledBack' | 'modified' | 'missingLocally';

/** The state of one migration on one database (the CLI's `status --json` entry). */
export interface MigrationStatus {
  name: string;
  state: MigrationState;
  /** ISO time the migration finished (applied / modified) or started (failed). */
  appliedAt?: string;
  /** Recorded logs of a failed migration. */
  logs?: string;
  /** One human sentence adding what the state alone does not say. */
  note?: string;
  /** For `modified`: what kind of change the local file has compared to what was applied. */
  difference?: 'lineEndings' | 'whitespace' | 'content';
  /** Absolute path of migration.sql for local migrations. */
  sqlPath?: string;
  /**
   * Recorded as applied without running any step (`applied_steps_count = 0`): what `migrate resolve
   * --applied` writes, i.e. a baseline. Set only when true.
   */
  recordedWithoutRunning?: boolean;
  /**
   * Recorded in `_prisma_migrations` but its folder is not local, for the states `failed` and `rolledBack` (state
   * `missingLocally` is a finished one). Set only when true.
   */
  missingLocally?: boolean;
  /** The checksum `_prisma_migrations` recorded for the latest row (sha256 hex), when there is a row. */
  checksum?: string;
}

/** A migration order that a fresh database (new server, shadow) would not reproduce. */
export interface OrderingHazard {
  kind: 'appliedOutOfOrder' | 'dependsOnLaterMigration';
  migration: string;
  /** The other migration of the pair. */
  other: string;
  /** Table/type concerned, for `dependsOnLaterMigration`. */
  object?: string;
  message: string;
}

export interface HistoryStatus {
  /** False when `_prisma_migrations` does not exist: every local migration is pending. */
  hasMigrationsTable: boolean;
  /** Every local migration in name order, with recorded ones missing locally placed by name. */
  migrations: MigrationStatus[];
  hazards: OrderingHazard[];
  /** Notes about the whole history (e.g. no migrations table). */
  notes: string[];
}

export type { LocalMigration } from '../project/types';

/**
 * Computes the state of every migration from the local folders and the rows of
 * `_prisma_migrations` (`records` undefined: the table does not exist).
 */
export function computeHistoryStatus(
  local: readonly LocalMigration[],
  records: readonly MigrationRecord[] | undefined,
): HistoryStatus {
  const notes: string[] = [];
  if (records === undefined) {
    notes.push(
      l10n.t(
        'The database has no _prisma_migrations table: no migration was ever applied with Prisma Migrate, so every migration is pending.',
      ),
    );
  }
  const byName = new Map<string, MigrationRecord[]>();
  for (const record of records ?? []) {
    const list = byName.get(record.migrationName) ?? [];
    list.push(record);
    byName.set(record.migrationName, list);
  }
  const statuses: MigrationStatus[] = [];
  const localNames = new Set(local.map((m) => m.name));
  for (const migration of [...local].sort((a, b) => compareNames(a.name, b.name))) {
    const rows = (byName.get(migration.name) ?? []).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    statuses.push(stateOf(migration, rows));
  }
  for (const [name, rows] of byName) {
    if (localNames.has(name)) continue;
    const latest = [...rows].sort((a, b) => a.startedAt.localeCompare(b.startedAt))[rows.length - 1];
    let status: MigrationStatus;
    if (!latest.finishedAt && !latest.rolledBackAt) {
      // Started and never finished: `migrate deploy` stops on this row (P3009) whether the folder is here or not.
      status = {
        name,
        state: 'failed',
        missingLocally: true,
        appliedAt: latest.startedAt,
        note: l10n.t(
          'Started but did not finish, and its folder is not in the migrations directory: migrate deploy stops on it (P3009). Mark it rolled back ({0}) once the database is as before it, or restore its folder.',
          `prisma migrate resolve --rolled-back ${name}`,
        ),
      };
      if (latest.logs) status.logs = latest.logs;
    } else if (latest.rolledBackAt) {
      status = {
        name,
        state: 'rolledBack',
        missingLocally: true,
        appliedAt: latest.startedAt,
        note: l10n.t(
          'Marked rolled back at {0}; its folder is not in the migrations directory, so migrate deploy ignores it.',
          latest.rolledBackAt,
        ),
      };
    } else {
      status = {
        name,
        state: 'missingLocally',
        note: l10n.t('Recorded in _prisma_migrations but its folder is not in the migrations directory.'),
      };
      if (latest.finishedAt) status.appliedAt = latest.finishedAt;
    }
    if (latest.checksum) status.checksum = latest.checksum.toLowerCase();
    statuses.push(status);
  }
  statuses.sort((a, b) => compareNames(a.name, b.name));
  const hazards = [...appliedOutOfOrder(records ?? []), ...dependsOnLaterMigration(local)];
  return { hasMigrationsTable: records !== undefined, migrations: statuses, hazards, notes };
}

function stateOf(migration: LocalMigration, rows: readonly MigrationRecord[]): MigrationStatus {
  const base: Pick<MigrationStatus, 'name' | 'sqlPath' | 'checksum'> = {
    name: migration.name,
    sqlPath: migration.sqlPath,
  };
  if (rows.length === 0) return { ...base, state: 'pending' };
  const latest = rows[rows.length - 1];
  if (latest.checksum) base.checksum = latest.checksum.toLowerCase();
  if (latest.rolledBackAt) {
    return {
      ...base,
      state: 'rolledBack',
      appliedAt: latest.startedAt,
      note: l10n.t('Marked rolled back at {0}; `migrate deploy` will apply it again.', latest.rolledBackAt),
    };
  }
  if (!latest.finishedAt) {
    const status: MigrationStatus = {
      ...base,
      state: 'failed',
      appliedAt: latest.startedAt,
      note: l10n.t('Started but did not finish: resolve it (rolled back or applied) before deploying.'),
    };
    if (latest.logs) status.logs = latest.logs;
    return status;
  }
  if (latest.checksum.toLowerCase() !== migrationChecksum(migration.sql)) {
    const difference = explainChecksumMismatch(migration.sql, latest.checksum);
    const note =
      difference === 'lineEndings'
        ? l10n.t('Modified after it was applied — only line endings differ (CRLF/LF), the SQL is the same.')
        : difference === 'whitespace'
          ? l10n.t('Modified after it was applied — only whitespace differs, the SQL is the same.')
          : l10n.t('Modified after it was applied: the local migration.sql differs from what the database ran.');
    return { ...base, state: 'modified', appliedAt: latest.finishedAt, difference, note };
  }
  const applied: MigrationStatus = { ...base, state: 'applied', appliedAt: latest.finishedAt };
  if (latest.appliedStepsCount === 0) applied.recordedWithoutRunning = true;
  return applied;
}

/** Migration names compare as Prisma sorts them: plain string order. */
/** Prisma's apply order of migration names (see {@link compareMigrationNames}). */
export const compareNames = compareMigrationNames;

function appliedOutOfOrder(records: readonly MigrationRecord[]): OrderingHazard[] {
  const applied = records.filter((r) => r.finishedAt && !r.rolledBackAt);
  const byTime = [...applied].sort(
    (a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? '') || a.startedAt.localeCompare(b.startedAt),
  );
  const hazards: OrderingHazard[] = [];
  let latestName: string | undefined;
  for (const record of byTime) {
    if (latestName !== undefined && compareNames(record.migrationName, latestName) < 0) {
      hazards.push({
        kind: 'appliedOutOfOrder',
        migration: record.migrationName,
        other: latestName,
        message: l10n.t(
          '{0} was applied after {1} although its name sorts before it: a fresh database applies them in the other order.',
          record.migrationName,
          latestName,
        ),
      });
    } else {
      latestName = record.migrationName;
    }
  }
  return hazards;
}

/**
 * A migration that alters, references or indexes a table (or uses a type) that only a
 * later-sorting migration creates: on a fresh database it runs first and fails.
 */
function dependsOnLaterMigration(local: readonly LocalMigration[]): OrderingHazard[] {
  const sorted = [...local].sort((a, b) => compareNames(a.name, b.name));
  const creators = new Map<string, number>(); // first migration index creating a table/type
  sorted.forEach((migration, index) => {
    for (const created of createdObjects(migration)) {
      const key =
        created.object === 'table'
          ? `table:${created.table}`
          : created.object === 'enum'
            ? `type:${created.enum}`
            : undefined;
      if (key && !creators.has(key)) creators.set(key, index);
    }
  });
  const hazards: OrderingHazard[] = [];
  sorted.forEach((migration, index) => {
    const reported = new Set<string>();
    for (const ref of references(migration.sql)) {
      const creator = creators.get(ref);
      if (creator === undefined || creator <= index || reported.has(ref)) continue;
      reported.add(ref);
      const object = ref.slice(ref.indexOf(':') + 1);
      const other = sorted[creator].name;
      hazards.push({
        kind: 'dependsOnLaterMigration',
        migration: migration.name,
        other,
        object,
        message: ref.startsWith('type:')
          ? l10n.t(
              '{0} uses type "{1}", which is created by {2} — a later name: a fresh database applies {0} first and fails.',
              migration.name,
              object,
              other,
            )
          : l10n.t(
              '{0} uses table "{1}", which is created by {2} — a later name: a fresh database applies {0} first and fails.',
              migration.name,
              object,
              other,
            ),
      });
    }
  });
  return hazards;
}

function references(sql: string): string[] {
  const code = stripSqlComments(sql);
  const Q = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?)`;
  const out: string[] = [];
  const patterns: Array<[RegExp, 'table' | 'type']> = [
    [new RegExp(String.raw`\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${Q}`, 'gi'), 'table'],
    [new RegExp(String.raw`\bREFERENCES\s+${Q}`, 'gi'), 'table'],
    [
      new RegExp(
        String.raw`\bINDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}\s+ON\s+(?:ONLY\s+)?${Q}`,
        'gi',
      ),
      'table',
    ],
    [new RegExp(String.raw`\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+${Q}`, 'gi'), 'table'],
    [new RegExp(String.raw`\bALTER\s+TYPE\s+${Q}`, 'gi'), 'type'],
  ];
  for (const [pattern, kind] of patterns) {
    for (const m of code.matchAll(pattern)) out.push(`${kind}:${splitQualified(m[1]).name}`);
  }
  return out;
}
