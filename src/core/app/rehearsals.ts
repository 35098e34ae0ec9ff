import * as l10n from '@vscode/l10n';
/**
 * The team's rule 3, "test the migration on a copy of the prod database before deploying", as data: every deploy
 * rehearsal (extension or CLI) is recorded in `<project>/.drift-guard/rehearsals.json`, and a production deploy
 * opens only on a rehearsal of that environment that passed, for the same pending migrations (same checksums),
 * not older than `maxAgeHours`. The runbook, the tree and the CLI read the same file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { migrationChecksum } from '../history/checksums';
import { type RehearsalReport } from '../rehearsal/report';
import { writeFileAtomically } from '../util/atomicWrite';

/** Where the rehearsals are kept, relative to the project root (a folder git ignores, with the drafts). */
export const REHEARSALS_FILE = path.join('.drift-guard', 'rehearsals.json');

/** The default of `driftGuard.rehearsalMaxAgeHours`. */
export const DEFAULT_REHEARSAL_MAX_AGE_HOURS = 24;

/** How many rehearsals the file keeps (the newest). */
const KEEP = 50;

/** A migration as the gate compares it: its folder name and the sha256 of its migration.sql. */
export interface MigrationChecksum {
  name: string;
  checksum: string;
}

/** One rehearsal, as recorded. */
export interface RehearsalRecord {
  /** Environment name (the CLI's `--env`, the extension's environment). */
  environment: string;
  /** ISO time the rehearsal started. */
  at: string;
  /** Every pending migration passed on the copy and nothing blocks the deploy. */
  ok: boolean;
  /** The pending migrations it ran (or would have run), in order, with their checksums then. */
  migrations: Array<MigrationChecksum & { status: 'passed' | 'failed' | 'notRun' }>;
  /** Where the copy's schema came from (`pg_dump 15.18 (local)`, the remote command). */
  source: string;
  /** Who ran it. */
  via: 'extension' | 'cli';
}

/** The record of a rehearsal report; the checksums are read from the migration files (as the copy ran them). */
export async function rehearsalRecord(report: RehearsalReport, via: RehearsalRecord['via']): Promise<RehearsalRecord> {
  const migrations = await Promise.all(
    report.migrations.map(async (m) => {
      let checksum = '';
      if (m.sqlPath) checksum = await fs.readFile(m.sqlPath).then(migrationChecksum, () => '');
      return { name: m.name, checksum, status: m.status };
    }),
  );
  return {
    environment: report.target,
    at: report.startedAt,
    ok: report.ok,
    migrations,
    source: report.source.description,
    via,
  };
}

/** The rehearsals recorded for the project at `root` (none when the file is missing or unreadable). */
export async function readRehearsals(root: string): Promise<RehearsalRecord[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(root, REHEARSALS_FILE), 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as { rehearsals?: unknown };
    return Array.isArray(parsed.rehearsals) ? parsed.rehearsals.filter(isRecord) : [];
  } catch {
    return [];
  }
}

function isRecord(value: unknown): value is RehearsalRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.environment === 'string' &&
    typeof r.at === 'string' &&
    typeof r.ok === 'boolean' &&
    Array.isArray(r.migrations)
  );
}

/** Adds a rehearsal to the project's file (written whole, then renamed over the old one). */
export async function saveRehearsal(root: string, record: RehearsalRecord): Promise<void> {
  const file = path.join(root, REHEARSALS_FILE);
  const rehearsals = [...(await readRehearsals(root)), record].slice(-KEEP);
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Local state of this machine: never committed by accident (the drafts' folder has its own ignore file).
  const ignore = path.join(path.dirname(file), '.gitignore');
  await fs
    .writeFile(ignore, '# Local state of Prisma Drift Guard: not committed.\n*\n', { flag: 'wx' })
    .catch(() => undefined);
  await writeFileAtomically(file, `${JSON.stringify({ version: 1, rehearsals }, null, 2)}\n`);
}

/** The checksums of migration files, for the gate's `pending`. */
export async function checksumsOf(
  migrations: ReadonlyArray<{ name: string; sqlPath?: string }>,
): Promise<MigrationChecksum[]> {
  return Promise.all(
    migrations.map(async (m) => ({
      name: m.name,
      checksum: m.sqlPath ? await fs.readFile(m.sqlPath).then(migrationChecksum, () => '') : '',
    })),
  );
}

/** Whether a production deploy may go ahead under rule 3, and why not. */
export type RehearsalGateVerdict =
  | { ok: true; record?: RehearsalRecord; message: string }
  | { ok: false; reason: 'none' | 'failed' | 'stale' | 'different'; record?: RehearsalRecord; message: string };

/**
 * Rule 3 for a deploy of `pending` (the migrations `migrate deploy` would apply to `environment`, in order) at
 * `now`: it needs a rehearsal of `environment` that passed, for exactly these migrations with the same checksums,
 * started at most `maxAgeHours` before. Nothing pending → nothing to rehearse. Pure: the caller reads the records.
 */
export function rehearsalGate(
  records: readonly RehearsalRecord[],
  environment: string,
  pending: readonly MigrationChecksum[],
  now: Date,
  maxAgeHours: number = DEFAULT_REHEARSAL_MAX_AGE_HOURS,
): RehearsalGateVerdict {
  if (pending.length === 0) {
    return { ok: true, message: l10n.t('Nothing is pending on {0}: no rehearsal needed.', environment) };
  }
  const hint = l10n.t(
    'Rehearse the deploy on a copy of {0} first (rule 3: test the migration on a copy of the prod database before deploying; CLI: drift-guard rehearse --env {0}).',
    environment,
  );
  const mine = records.filter((r) => r.environment === environment).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const latest = mine[0];
  if (!latest) {
    return {
      ok: false,
      reason: 'none',
      message: `${l10n.t('No deploy rehearsal of {0} was recorded.', environment)} ${hint}`,
    };
  }
  const maxAgeMs = maxAgeHours * 3_600_000;
  const same = (r: RehearsalRecord): boolean =>
    r.migrations.length === pending.length &&
    r.migrations.every((m, i) => m.name === pending[i].name && !!m.checksum && m.checksum === pending[i].checksum);
  const fresh = (r: RehearsalRecord): boolean => now.getTime() - Date.parse(r.at) <= maxAgeMs;
  const age = (r: RehearsalRecord): string => formatAge(now.getTime() - Date.parse(r.at));
  // The newest rehearsal of these very migrations decides: a failure after a pass means it no longer passes.
  const matching = mine.find(same);
  if (matching && !matching.ok) {
    const failed = matching.migrations.find((m) => m.status === 'failed');
    const message = failed
      ? l10n.t(
          'The last deploy rehearsal of {0} ({1} ago) failed at {2}: fix the migration and rehearse again before deploying (rule 3).',
          environment,
          age(matching),
          failed.name,
        )
      : l10n.t(
          'The last deploy rehearsal of {0} ({1} ago) failed: fix the migration and rehearse again before deploying (rule 3).',
          environment,
          age(matching),
        );
    return { ok: false, reason: 'failed', record: matching, message };
  }
  if (matching && fresh(matching)) {
    return {
      ok: true,
      record: matching,
      message: l10n.t(
        'Rehearsed on a copy of {0} {1} ago: {2} pending migration(s) passed.',
        environment,
        age(matching),
        pending.length,
      ),
    };
  }
  if (matching) {
    return {
      ok: false,
      reason: 'stale',
      record: matching,
      message: `${l10n.t('The last passing rehearsal of {0} is {1} old (more than {2} h).', environment, age(matching), maxAgeHours)} ${hint}`,
    };
  }
  const changed = pending
    .filter((p) => latest.migrations.some((m) => m.name === p.name && m.checksum !== p.checksum))
    .map((p) => p.name);
  const added = pending.filter((p) => !latest.migrations.some((m) => m.name === p.name)).map((p) => p.name);
  const parts = [
    changed.length > 0 ? l10n.t('changed since: {0}', changed.join(', ')) : '',
    added.length > 0 ? l10n.t('not rehearsed: {0}', added.join(', ')) : '',
  ].filter(Boolean);
  return {
    ok: false,
    reason: 'different',
    record: latest,
    message: `${l10n.t('The last rehearsal of {0} ({1} ago) ran other migrations than the {2} pending now ({3}).', environment, age(latest), pending.length, parts.join('; ') || l10n.t('a different set'))} ${hint}`,
  };
}

/**
 * Rule 3 for a deploy of `pending` (in order) to `environment` now, from the project's recorded rehearsals and the
 * pending migrations' files as they are: the one check the editor's runbook and `drift-guard deploy --env` make.
 */
export async function checkRehearsalGate(
  root: string,
  environment: string,
  pending: ReadonlyArray<{ name: string; sqlPath?: string }>,
  maxAgeHours: number = DEFAULT_REHEARSAL_MAX_AGE_HOURS,
): Promise<RehearsalGateVerdict> {
  return rehearsalGate(await readRehearsals(root), environment, await checksumsOf(pending), new Date(), maxAgeHours);
}

function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${hours.toFixed(hours < 10 ? 1 : 0)} h` : l10n.t('{0} days', Math.round(hours / 24));
}
