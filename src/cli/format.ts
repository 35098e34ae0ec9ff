import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import { type DatabaseDriftFacts, type ModelTerms, databaseName, modelTermsName } from '../core/drift/attribution';
import { type DriftItem } from '../core/drift/diffItems';
import { type DriftFinding } from '../core/drift/driftFindings';
import { type HistoryStatus, type MigrationStatus } from '../core/history/status';
import { type SourcePosition } from '../core/project/types';

/** A drift item as `check --json` prints it. */
export interface CheckItem {
  object: DatabaseDriftFacts['object'];
  change: DatabaseDriftFacts['change'];
  table?: string;
  column?: string;
  enum?: string;
  value?: string;
  schema?: string;
  name?: string;
  model?: string;
  field?: string;
  location?: { file: string; line: number; character: number };
  sql: string;
}

/** Paths in output are relative to the working directory when inside it (clickable, CI-friendly). */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

export function toCheckItem(item: DriftItem & ModelTerms, cwd: string): CheckItem {
  const out: Partial<CheckItem> = { object: item.object, change: item.change };
  for (const key of ['table', 'column', 'enum', 'value', 'schema', 'name', 'model', 'field'] as const) {
    const v = item[key];
    if (v !== undefined) out[key] = v;
  }
  if (item.location) {
    out.location = {
      file: displayPath(item.location.file, cwd),
      line: item.location.line,
      character: item.location.character,
    };
  }
  out.sql = item.sql;
  return out as CheckItem;
}

export function at(location: SourcePosition | CheckItem['location'] | undefined, cwd: string): string {
  if (!location) return '';
  return `${displayPath(location.file, cwd)}:${location.line}`;
}

const OBJECT_WORDS: Record<CheckItem['object'], () => string> = {
  table: () => l10n.t('table'),
  column: () => l10n.t('column'),
  enum: () => l10n.t('enum'),
  enumValue: () => l10n.t('enum value'),
  index: () => l10n.t('index'),
  foreignKey: () => l10n.t('foreign key'),
  primaryKey: () => l10n.t('primary key'),
};

/** What an item means, phrased for the comparison it came from. */
export type Direction = 'schemaVsMigrations' | 'databaseVsMigrations';

function meaning(item: CheckItem, direction: Direction): string {
  if (direction === 'schemaVsMigrations') {
    return item.change === 'added'
      ? l10n.t('not created by any migration')
      : item.change === 'removed'
        ? l10n.t('created by the migrations, no longer in the schema')
        : l10n.t('differs from what the migrations create');
  }
  // The database is compared with the migrations it applied (pending ones are not drift).
  return item.change === 'added'
    ? l10n.t('in the database, in no applied migration')
    : item.change === 'removed'
      ? l10n.t('in the applied migrations, missing from the database')
      : l10n.t('differs between the database and its applied migrations');
}

/**
 * Human output, one line per drifted object (the indexes and keys of a new table or column on its line, as in the
 * editor), grouped by model (or by table/enum when the schema has no model for it).
 */
export function formatFindings(
  findings: readonly DriftFinding[],
  direction: Direction,
  cwd: string,
  action?: (finding: DriftFinding) => string,
): string[] {
  const groups = new Map<string, DriftFinding[]>();
  for (const f of findings) {
    const item = f.primary;
    const key =
      item.model ??
      (item.enum !== undefined && item.object.startsWith('enum') ? `enum ${item.enum}` : `table ${item.table ?? '?'}`);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const lines: string[] = [];
  for (const [group, list] of groups) {
    lines.push(`  ${group}`);
    for (const f of list) {
      const item = toCheckItem(f.primary, cwd);
      const sign = item.change === 'added' ? '+' : item.change === 'removed' ? '-' : '~';
      const who = modelTermsName(f.primary) ?? databaseName(f.primary);
      const db = databaseName(f.primary);
      const what = `${OBJECT_WORDS[item.object]()}${item.name && item.object !== 'table' && item.object !== 'column' ? ` ${item.name}` : ''}`;
      const folded =
        f.related.length > 0
          ? ` (${l10n.t('with {0}', f.related.map((r) => `${OBJECT_WORDS[r.object]()}${r.name ? ` ${r.name}` : ''}`).join(', '))})`
          : '';
      const where = at(f.location, cwd);
      lines.push(
        `    ${sign} ${who}${who !== db ? ` (${db})` : ''} — ${what}${folded} ${meaning(item, direction)}${action ? `; ${action(f)}` : ''}${where ? `  ${where}` : ''}`,
      );
    }
  }
  return lines;
}

/** Human output grouped by model (or by table/enum when the schema has no model for it). */
export function formatItems(
  items: CheckItem[],
  direction: Direction,
  cwd: string,
  action?: (item: CheckItem) => string,
): string[] {
  const groups = new Map<string, CheckItem[]>();
  for (const item of items) {
    const key =
      item.model ??
      (item.enum !== undefined && item.object.startsWith('enum') ? `enum ${item.enum}` : `table ${item.table ?? '?'}`);
    const list = groups.get(key) ?? [];
    list.push(item);
    groups.set(key, list);
  }
  const lines: string[] = [];
  for (const [group, list] of groups) {
    lines.push(`  ${group}`);
    for (const item of list) {
      const sign = item.change === 'added' ? '+' : item.change === 'removed' ? '-' : '~';
      const who = modelTermsName(item) ?? databaseName(item);
      const db = databaseName(item);
      const what = `${OBJECT_WORDS[item.object]()}${item.name && item.object !== 'table' && item.object !== 'column' ? ` ${item.name}` : ''}`;
      const where = at(item.location, cwd);
      lines.push(
        `    ${sign} ${who}${who !== db ? ` (${db})` : ''} — ${what} ${meaning(item, direction)}${action ? `; ${action(item)}` : ''}${where ? `  ${where}` : ''}`,
      );
    }
  }
  return lines;
}

const STATE_MARK: Record<MigrationStatus['state'], string> = {
  applied: '✓',
  pending: '○',
  failed: '✗',
  rolledBack: '↶',
  modified: '!',
  missingLocally: '?',
};

const STATE_WORD: Record<MigrationStatus['state'], () => string> = {
  applied: () => l10n.t('applied'),
  pending: () => l10n.t('pending'),
  failed: () => l10n.t('FAILED'),
  rolledBack: () => l10n.t('rolled back'),
  modified: () => l10n.t('MODIFIED after apply'),
  missingLocally: () => l10n.t('applied, missing locally'),
};

/**
 * `status`'s exit code: 1 when a migration is not applied (pending, failed, rolled back, modified, missing locally).
 * Ordering hazards are warnings (guard rails `migration-applied-out-of-order`, `migration-depends-on-later`): they
 * fail only with `--strict`, as in `check`.
 */
export function statusExitCode(status: HistoryStatus, strict: boolean): 0 | 1 {
  return status.migrations.some((m) => m.state !== 'applied') || (strict && status.hazards.length > 0) ? 1 : 0;
}

export function formatStatus(status: HistoryStatus, target: string, options: { strict?: boolean } = {}): string[] {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const m of status.migrations) counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
  const summary = [...counts].map(([state, n]) => `${n} ${STATE_WORD[state as MigrationStatus['state']]()}`).join(', ');
  lines.push(l10n.t('Migrations on {0}: {1}', target, summary || l10n.t('none')));
  const width = Math.min(60, Math.max(...status.migrations.map((m) => m.name.length), 10));
  for (const m of status.migrations) {
    const when = m.appliedAt ? ` ${m.appliedAt.replace('T', ' ').replace(/:\d\d(\.\d+)?Z?$/, '')}` : '';
    lines.push(
      `  ${STATE_MARK[m.state]} ${m.name.padEnd(width)}  ${STATE_WORD[m.state]()}${when}${m.note ? ` — ${m.note}` : ''}`,
    );
    if (m.state === 'failed' && m.logs) {
      for (const l of m.logs.trim().split('\n').slice(0, 6)) lines.push(`      | ${l}`);
    }
  }
  for (const note of status.notes) lines.push(`  ${l10n.t('Note: {0}', note)}`);
  if (status.hazards.length > 0) {
    lines.push(
      options.strict
        ? l10n.t(
            'Ordering hazards (a fresh database would apply these in another order) — warnings, failing with --strict:',
          )
        : l10n.t(
            'Ordering hazards (a fresh database would apply these in another order) — warnings, not failing the status (--strict makes them fail):',
          ),
    );
    for (const h of status.hazards) lines.push(`  ! ${h.message}`);
  }
  return lines;
}
