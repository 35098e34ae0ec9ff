import * as l10n from '@vscode/l10n';
/**
 * Ordering hazards and meaningless names, beyond the engine's history status: what makes a fresh
 * database (a new server, a shadow database, a colleague's laptop) apply the migrations in another order
 * than the one they were written or applied in, and names that say nothing. Pure: names, SQL and
 * observed orders in, findings out.
 */
import { midwayCommit } from '../sql/sqlText';
import { computeHistoryStatus, type LocalMigration, type OrderingHazard } from '../history/status';
import { compareMigrationNames } from '../project/migrationOrder';
import { type GuardFinding, sortFindings } from './guardFindings';

/** How a folder name is built: `<digits>_<words>`. */
export interface ParsedMigrationName {
  name: string;
  /** The leading digits (`20260214`, `20260214093000`), undefined when the name does not start with digits. */
  stamp?: string;
  /** `full`: YYYYMMDDHHMMSS; `minutes`: YYYYMMDDHHMM; `date`: YYYYMMDD only; `other`: digits of another length. */
  precision?: 'full' | 'minutes' | 'date' | 'other';
  /** `YYYYMMDD` when the stamp starts with a plausible date. */
  day?: string;
  /** What follows the stamp and its separator (`fix_cascade_constraints`); '' for `20231203063921_`. */
  words: string;
}

/** Splits a migration folder name into its timestamp and its words. */
export function parseMigrationName(name: string): ParsedMigrationName {
  const match = /^(\d+)(?:[_-](.*))?$/s.exec(name) ?? /^(\d+)(.*)$/s.exec(name);
  if (!match) return { name, words: name };
  const stamp = match[1];
  const words = match[2] ?? '';
  const precision =
    stamp.length === 14 ? 'full' : stamp.length === 12 ? 'minutes' : stamp.length === 8 ? 'date' : 'other';
  const out: ParsedMigrationName = { name, stamp, precision, words };
  if (stamp.length >= 8 && plausibleDay(stamp.slice(0, 8))) out.day = stamp.slice(0, 8);
  return out;
}

function plausibleDay(day: string): boolean {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(4, 6));
  const date = Number(day.slice(6, 8));
  return year >= 1990 && year <= 2200 && month >= 1 && month <= 12 && date >= 1 && date <= 31;
}

/**
 * Words that say nothing about what a migration changes. A name made only of these (and numbers,
 * versions, dates) is meaningless: `migration`, `new_migration`, `fix2`, `update_schema`, `test`, `wip`.
 */
export const FILLER_WORDS: ReadonlySet<string> = new Set([
  'migration',
  'migrations',
  'migrate',
  'new',
  'fix',
  'fixes',
  'fixed',
  'update',
  'updates',
  'updated',
  'change',
  'changes',
  'changed',
  'test',
  'tests',
  'testing',
  'temp',
  'tmp',
  'wip',
  'misc',
  'stuff',
  'todo',
  'draft',
  'untitled',
  'unnamed',
  'auto',
  'automatic',
  'generated',
  'schema',
  'db',
  'database',
  'prisma',
  'edit',
  'edits',
  'patch',
  'tweak',
  'tweaks',
  'modif',
  'modifs',
  'dev',
  'local',
  'foo',
  'bar',
  'baz',
  'asdf',
  'xxx',
  'x',
  'a',
  'an',
  'the',
  'my',
  'some',
  'and',
  'of',
  'to',
  'more',
  'another',
  'again',
  'final',
  'last',
  'latest',
  'next',
  'initial',
  'first',
  'second',
  'third',
  'step',
  'part',
  'version',
  'ver',
  'copy',
  'backup',
  'old',
  'mise',
  'jour',
  'maj',
  'nouveau',
  'nouvelle',
  'correction',
  'corrections',
]);

/**
 * Why a name is meaningless, or undefined when it says something. `init` is fine for the first
 * migration (it is what `prisma migrate dev --name init` writes) and meaningless for any other.
 */
export function meaninglessName(parsed: ParsedMigrationName, isFirst: boolean): string | undefined {
  const words = parsed.words.trim();
  if (words === '') {
    return parsed.stamp ? l10n.t('it is only a timestamp: the name part is empty') : l10n.t('the name is empty');
  }
  const tokens = words
    .toLowerCase()
    .split(/[^a-z0-9\u00e0-\u00ff]+/)
    .filter(Boolean);
  if (tokens.length === 0) return l10n.t('the name part has no letters or digits');
  const meaningful = tokens.filter(
    (t) => !FILLER_WORDS.has(t) && !/^v?\d+$/.test(t) && !/^(?:fix|test|tmp|temp|new|update|migration|wip)\d+$/.test(t),
  );
  // `init`, `initial_migration`, `init_schema`: what teams name the first migration (documenso, ghostfolio).
  const isInit = tokens.some((t) => t === 'init' || t === 'initial') && meaningful.every((t) => t === 'init');
  if (isInit) return isFirst ? undefined : l10n.t('"init" names the first migration only');
  if (meaningful.length > 0) return undefined;
  return l10n.t('"{0}" does not say what it changes', words);
}

/** An order in which some migrations were observed: applied on a database, or written (first commit). */
export interface ObservedOrder {
  /** `applied`: on the environments named in `environments`; `written`: the order they were committed in. */
  kind: 'applied' | 'written';
  /** Migration names, earliest first. Names missing locally are ignored. */
  names: string[];
  environments?: string[];
  /** For `written`: the commit time of each name; names sharing a time (one commit) have no order among themselves. */
  times?: Record<string, number>;
}

/** Input of {@link migrationNameFindings}. */
export interface NameCheckInput {
  /** Every local migration, with its SQL when read (needed for the dependency check). */
  migrations: ReadonlyArray<{ name: string; sqlPath?: string; sql?: string }>;
  /** Orders seen elsewhere: one per environment history (applied), and the git order (written). */
  observed?: readonly ObservedOrder[];
  /**
   * The engine's `appliedOutOfOrder` hazards of each environment's history, to report the ones that are
   * not already part of a same-day finding.
   */
  appliedHazards?: ReadonlyArray<{ environment: string; hazard: OrderingHazard }>;
}

/**
 * Every name and ordering finding for a project's migrations: meaningless names, no timestamp,
 * date-only names, duplicate timestamps, same-day migrations written or applied in another order than
 * they sort in, other out-of-order applies, and migrations using what a later-sorting one creates.
 */
export function migrationNameFindings(input: NameCheckInput): GuardFinding[] {
  const sorted = [...input.migrations].sort((a, b) => compareMigrationNames(a.name, b.name));
  const parsed = new Map(sorted.map((m) => [m.name, parseMigrationName(m.name)]));
  const findings: GuardFinding[] = [];

  sorted.forEach((m, index) => {
    const p = parsed.get(m.name)!;
    const why = meaninglessName(p, index === 0);
    if (why) {
      findings.push({
        code: 'migration-name-meaningless',
        severity: 'warning',
        migration: m.name,
        message: l10n.t(
          '{0}: {1}. Name migrations after what they change (prisma migrate dev --name add_invoice_table): the name is all a reviewer, a deploy log and _prisma_migrations show.',
          m.name,
          why,
        ),
      });
    }
    if (!p.stamp) {
      const dated = sorted.filter((o) => parsed.get(o.name)!.stamp);
      findings.push({
        code: 'migration-name-no-timestamp',
        severity: 'warning',
        migration: m.name,
        message:
          dated.length > 0
            ? l10n.t(
                '{0} has no timestamp prefix: Prisma sorts it by name, after every dated migration ({1} included), whatever its age. Rename it YYYYMMDDHHMMSS_name before it is applied anywhere.',
                m.name,
                dated[dated.length - 1].name,
              )
            : l10n.t(
                '{0} has no timestamp prefix: Prisma sorts it by name, whatever its age. Rename it YYYYMMDDHHMMSS_name before it is applied anywhere.',
                m.name,
              ),
      });
    }
  });

  // Same day: date-only names among themselves, and a date-only name next to a timestamped one of that day.
  const byDay = new Map<string, string[]>();
  for (const m of sorted) {
    const p = parsed.get(m.name)!;
    if (!p.day) continue;
    const list = byDay.get(p.day) ?? [];
    list.push(m.name);
    byDay.set(p.day, list);
  }
  // A date-only name alone on its day gets its own note; a day with several migrations gets one finding for all.
  for (const [day, names] of byDay) {
    const dateOnly = names.filter((n) => parsed.get(n)!.precision === 'date');
    if (dateOnly.length === 0) continue;
    if (names.length === 1) {
      findings.push({
        code: 'migration-date-only',
        severity: 'info',
        migration: names[0],
        message: l10n.t(
          '{0} has a date but no time. A second migration written that day could sort before it: prisma migrate dev names folders YYYYMMDDHHMMSS_name.',
          names[0],
        ),
      });
      continue;
    }
    const timed = names.filter((n) => parsed.get(n)!.precision !== 'date');
    const subject =
      dateOnly.length === 1
        ? l10n.t('{0} has a date but no time.', dateOnly[0])
        : l10n.t('{0} migrations of {1} ({2}) have a date but no time.', dateOnly.length, day, listNames(dateOnly));
    const extra =
      timed.length === 0
        ? l10n.t(
            'The {0} migrations of that day run in alphabetical order, not in the order they were written.',
            names.length,
          )
        : dateOnly.length === 1
          ? l10n.t(
              'Prisma sorts it before {0} ("_" before digits) whatever the time it was written; byte-order tools (ls, git) list it after.',
              listNames(timed),
            )
          : l10n.t(
              'Prisma sorts them before {0} ("_" before digits) whatever the time they were written; byte-order tools (ls, git) list them after.',
              listNames(timed),
            );
    findings.push({
      code: 'migration-date-only',
      severity: 'info',
      migration: dateOnly[0],
      message: `${subject} ${extra}`,
      members: names,
      related: names.filter((n) => n !== dateOnly[0]),
    });
  }

  // Duplicate timestamps (a full stamp shared by two folders: copied folders, hand-made names).
  const byStamp = new Map<string, string[]>();
  for (const m of sorted) {
    const p = parsed.get(m.name)!;
    if (!p.stamp || p.precision === 'date') continue;
    const list = byStamp.get(p.stamp) ?? [];
    list.push(m.name);
    byStamp.set(p.stamp, list);
  }
  for (const [stamp, names] of byStamp) {
    if (names.length < 2) continue;
    findings.push({
      code: 'migration-duplicate-timestamp',
      severity: 'warning',
      migration: names[0],
      message: l10n.t(
        '{0} migrations share the timestamp {1} ({2}): their order is decided by the rest of the name, not by when they were written.',
        names.length,
        stamp,
        listNames(names),
      ),
      members: names,
      related: names.slice(1),
    });
  }

  // Groups whose order is decided by the words: same day with at least one date-only name, or same stamp.
  const groups: string[][] = [];
  for (const names of byDay.values()) {
    if (names.length > 1 && names.some((n) => parsed.get(n)!.precision === 'date')) groups.push(names);
  }
  for (const names of byStamp.values()) if (names.length > 1) groups.push(names);
  const coveredPairs = new Set<string>();
  for (const group of groups) {
    const nameOrder = [...group].sort(compareMigrationNames);
    for (const order of input.observed ?? []) {
      let seen = order.names.filter((n) => group.includes(n));
      const times = order.times;
      if (times) seen = seen.filter((n) => seen.filter((o) => times[o] === times[n]).length === 1);
      if (seen.length < 2) continue;
      const expected = nameOrder.filter((n) => seen.includes(n));
      if (expected.every((n, i) => n === seen[i])) continue;
      for (let i = 0; i < seen.length; i++) {
        for (let j = i + 1; j < seen.length; j++) coveredPairs.add(`${seen[j]}\0${seen[i]}`);
      }
      const word = (n: string): string => parsed.get(n)!.words || n;
      const first = parsed.get(group[0])!;
      const label =
        first.precision === 'date' && first.day
          ? l10n.t('Same-day migrations of {0}', first.day)
          : l10n.t('Migrations sharing the timestamp {0}', first.stamp ?? '');
      const how =
        order.kind === 'applied'
          ? l10n.t(
              '{0} applied them {1}',
              (order.environments ?? []).join(', ') || l10n.t('a database'),
              seen.map(word).join(' → '),
            )
          : l10n.t('they were committed {0}', seen.map(word).join(' → '));
      const advice =
        order.kind === 'applied'
          ? l10n.t(
              'Make sure they do not depend on each other; renaming applied migrations means updating _prisma_migrations on every database, so give new migrations the full YYYYMMDDHHMMSS_ timestamp instead.',
            )
          : l10n.t('Rename them with the time of day (YYYYMMDDHHMMSS_) before they are applied anywhere.');
      // One finding for the group, shown at the first migration that is out of place.
      const anchor = seen.find((n, i) => expected[i] !== n) ?? seen[0];
      findings.push({
        code: 'migration-same-day-order',
        severity: 'warning',
        migration: anchor,
        message: l10n.t(
          '{0} run in name order on a fresh database ({1}), but {2}. {3}',
          label,
          expected.map(word).join(' → '),
          how,
          advice,
        ),
        members: expected,
        related: expected.filter((n) => n !== anchor),
        ...(order.kind === 'applied' && order.environments ? { environments: order.environments } : {}),
      });
    }
  }

  // The engine's out-of-order applies that no same-day finding explains.
  const outOfOrder = new Map<string, { hazard: OrderingHazard; environments: string[] }>();
  for (const { environment, hazard } of input.appliedHazards ?? []) {
    if (hazard.kind !== 'appliedOutOfOrder' || coveredPairs.has(`${hazard.migration}\0${hazard.other}`)) continue;
    const key = `${hazard.migration}\0${hazard.other}`;
    const entry = outOfOrder.get(key) ?? { hazard, environments: [] };
    if (!entry.environments.includes(environment)) entry.environments.push(environment);
    outOfOrder.set(key, entry);
  }
  for (const { hazard, environments } of outOfOrder.values()) {
    findings.push({
      code: 'migration-applied-out-of-order',
      severity: 'warning',
      migration: hazard.migration,
      message: l10n.t(
        '{0} was applied on {1} after {2}, although its name sorts before it: a fresh database applies them in the other order.',
        hazard.migration,
        environments.join(', '),
        hazard.other,
      ),
      related: [hazard.other],
      environments,
    });
  }

  // The engine's own check: a migration using a table/type that a later-sorting migration creates.
  const withSql = sorted.filter((m): m is { name: string; sqlPath?: string; sql: string } => typeof m.sql === 'string');
  const local: LocalMigration[] = withSql.map((m) => ({ name: m.name, sqlPath: m.sqlPath ?? m.name, sql: m.sql }));
  for (const hazard of computeHistoryStatus(local, undefined).hazards) {
    if (hazard.kind !== 'dependsOnLaterMigration') continue;
    findings.push({
      code: 'migration-depends-on-later',
      severity: 'warning',
      migration: hazard.migration,
      message: hazard.message,
      related: [hazard.other],
    });
  }

  // A COMMIT midway: PostgreSQL runs the script as one transaction only up to it.
  for (const m of withSql) {
    const commit = midwayCommit(m.sql);
    if (!commit) continue;
    findings.push({
      code: 'migration-commits-midway',
      severity: 'warning',
      migration: m.name,
      line: commit.line,
      message: l10n.t(
        '{0} has an explicit {1} at line {2} before other statements: if a later statement fails, what ran before it stays committed, and migrate deploy leaves the database half-migrated with the migration recorded as failed. Remove it, or split the migration there.',
        m.name,
        commit.statement.toUpperCase(),
        commit.line,
      ),
    });
  }
  return sortFindings(findings);
}

/** `a, b, c` — or, for a long list, the first three and how many more. */
function listNames(names: readonly string[]): string {
  return names.length <= 4
    ? names.join(', ')
    : l10n.t('{0} and {1} more', names.slice(0, 3).join(', '), names.length - 3);
}

/**
 * The applied order of one database's history: applied (and modified-after-apply) migrations by the time
 * they finished. Input is the engine's {@link MigrationStatus} list (plain data).
 */
export function appliedOrder(migrations: ReadonlyArray<{ name: string; state: string; appliedAt?: string }>): string[] {
  return migrations
    .filter((m) => (m.state === 'applied' || m.state === 'modified') && m.appliedAt)
    .sort((a, b) => (a.appliedAt ?? '').localeCompare(b.appliedAt ?? '') || compareMigrationNames(a.name, b.name))
    .map((m) => m.name);
}

/**
 * Observed orders from several environments' applied orders: environments with the same order are
 * merged (one finding names them all).
 */
export function mergeAppliedOrders(orders: ReadonlyArray<{ environment: string; names: string[] }>): ObservedOrder[] {
  const merged = new Map<string, ObservedOrder>();
  for (const { environment, names } of orders) {
    const key = names.join('\0');
    const entry = merged.get(key) ?? { kind: 'applied' as const, names, environments: [] };
    entry.environments!.push(environment);
    merged.set(key, entry);
  }
  return [...merged.values()];
}

/**
 * The order migrations were first committed in, from `git log --diff-filter=A --format=%x00%ct --name-only`
 * output (newest first, as git prints it), oldest first, with each one's commit time: migrations added
 * in the same commit have no order among themselves.
 */
export function writtenOrderFromGitLog(output: string, migrationsRelDir: string): ObservedOrder | undefined {
  const firstAdded = new Map<string, number>();
  const dir = migrationsRelDir.replace(/\\/g, '/').replace(/\/+$/, '');
  let time: number | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('\0')) {
      time = Number(line.slice(1).trim());
      continue;
    }
    const file = line.trim();
    if (!file || time === undefined) continue;
    const prefix = dir ? `${dir}/` : '';
    if (!file.startsWith(prefix) || !file.endsWith('/migration.sql')) continue;
    const name = file.slice(prefix.length, -'/migration.sql'.length);
    if (name.includes('/')) continue;
    // git prints newest first: the last time seen is the first addition.
    firstAdded.set(name, time);
  }
  const entries = [...firstAdded.entries()].sort((a, b) => a[1] - b[1] || compareMigrationNames(a[0], b[0]));
  if (entries.length < 2) return undefined;
  return { kind: 'written', names: entries.map(([name]) => name), times: Object.fromEntries(entries) };
}
