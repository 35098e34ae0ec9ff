import * as l10n from '@vscode/l10n';
/**
 * "Never edit or delete a migration already applied" (the team's rule 6): which local migrations some
 * known database recorded as applied, with the checksum it recorded, and whether the local file still
 * matches. Pure: the histories already read by the analyses come in, nothing is queried here.
 */
import { type ChecksumDifference, explainChecksumMismatch, migrationChecksum } from '../history/checksums';
import { type GuardFinding } from './guardFindings';

/** One database's history as the analyses keep it (the engine's `MigrationStatus` list is enough). */
export interface EnvironmentHistory {
  environment: string;
  kind: 'production' | 'staging' | 'development';
  migrations: ReadonlyArray<{ name: string; state: string; appliedAt?: string; checksum?: string }>;
}

/** A migration recorded as applied (finished, not rolled back) on one environment. */
export interface AppliedRecord {
  environment: string;
  kind: EnvironmentHistory['kind'];
  /** sha256 hex recorded in `_prisma_migrations` (undefined when the history did not carry it). */
  checksum?: string;
  appliedAt?: string;
}

/**
 * Migration name → the environments that recorded it as applied. `applied` and `modified` states are
 * finished rows; a `missingLocally` row with a finish time too. Failed and rolled-back rows are not
 * applied: fixing a failed migration before marking it rolled back is the documented way out.
 */
export function appliedIndex(histories: readonly EnvironmentHistory[]): Map<string, AppliedRecord[]> {
  const index = new Map<string, AppliedRecord[]>();
  for (const history of histories) {
    for (const m of history.migrations) {
      const finished =
        m.state === 'applied' || m.state === 'modified' || (m.state === 'missingLocally' && m.appliedAt !== undefined);
      if (!finished) continue;
      const list = index.get(m.name) ?? [];
      const record: AppliedRecord = { environment: history.environment, kind: history.kind };
      if (m.checksum) record.checksum = m.checksum.toLowerCase();
      if (m.appliedAt) record.appliedAt = m.appliedAt;
      list.push(record);
      index.set(m.name, list);
    }
  }
  return index;
}

/** An applied migration that no longer matches what was applied. */
export interface AppliedViolation {
  kind: 'edited' | 'deleted';
  migration: string;
  /** Environments whose recorded migration differs from (or lacks) the local one. */
  environments: string[];
  /** One of them is a production environment. */
  production: boolean;
  /** For `edited`: what kind of change, compared with the first environment's checksum. */
  difference?: ChecksumDifference;
}

/**
 * Whether `content` (the file on disk or an unsaved buffer) still is what the environments applied.
 * Undefined when it matches every recorded checksum, or when no environment recorded one.
 */
export function checkAppliedContent(
  migration: string,
  content: string | Buffer,
  records: readonly AppliedRecord[] | undefined,
): AppliedViolation | undefined {
  const withChecksum = (records ?? []).filter((r) => r.checksum);
  if (withChecksum.length === 0) return undefined;
  const local = migrationChecksum(content);
  const differing = withChecksum.filter((r) => r.checksum !== local);
  if (differing.length === 0) return undefined;
  const text = typeof content === 'string' ? content : content.toString('utf8');
  return {
    kind: 'edited',
    migration,
    environments: differing.map((r) => r.environment),
    production: differing.some((r) => r.kind === 'production'),
    difference: explainChecksumMismatch(text, differing[0].checksum!),
  };
}

/** A migration folder that was applied somewhere and is gone locally. */
export function deletedViolation(
  migration: string,
  records: readonly AppliedRecord[] | undefined,
): AppliedViolation | undefined {
  if (!records || records.length === 0) return undefined;
  return {
    kind: 'deleted',
    migration,
    environments: records.map((r) => r.environment),
    production: records.some((r) => r.kind === 'production'),
  };
}

/** The violation as a guard finding (the CLI's wording, localised through @vscode/l10n). */
export function appliedViolationFinding(violation: AppliedViolation): GuardFinding {
  const where = violation.environments.join(', ');
  if (violation.kind === 'deleted') {
    return {
      code: 'applied-migration-deleted',
      severity: 'error',
      migration: violation.migration,
      environments: violation.environments,
      message: l10n.t(
        '{0} was deleted, but {1} recorded it as applied: never delete an applied migration (a fresh database would lack what it created, and migrate status reports it missing). Restore it from git.',
        violation.migration,
        where,
      ),
    };
  }
  const how =
    violation.difference === 'lineEndings'
      ? l10n.t('Only line endings differ, but Prisma compares checksums: migrate dev will report it modified.')
      : violation.difference === 'whitespace'
        ? l10n.t('Only whitespace differs, but Prisma compares checksums: migrate dev will report it modified.')
        : l10n.t('A fresh database would run this text while the existing ones ran the other one.');
  return {
    code: 'applied-migration-edited',
    severity: violation.difference === 'content' ? 'error' : 'warning',
    migration: violation.migration,
    environments: violation.environments,
    ...(violation.difference ? { difference: violation.difference } : {}),
    message: `${l10n.t('{0} was applied on {1}: it is read-only. Its content no longer matches what was applied.', violation.migration, where)} ${how} ${l10n.t('Restore it from git and put the change in a new migration.')}`,
  };
}
