import * as l10n from '@vscode/l10n';
import { type ModelTerms, databaseName } from './attribution';
import { type DriftItem } from './diffItems';
import { type SourcePosition } from '../project/types';

/** An attributed drift item (database facts + model terms). */
export type AttributedItem = DriftItem & ModelTerms;

/** Which comparison a finding comes from; it decides how `added`/`removed` read. */
export type Comparison =
  /** Migrations (on a shadow) → the schema: `added` = in the schema, in no migration. */
  | 'schemaVsMigrations'
  /** The migrations a live database applied → that database: `added` = in the database, in no applied migration. */
  | 'databaseVsMigrations';

/**
 * What a person reads: one finding per drifted model, field, enum or enum value. The indexes and
 * keys of a new table belong to that table's finding; the unique index of a new column to the
 * column's. Everything else stands alone.
 */
export interface DriftFinding {
  /** The item the finding is about. */
  primary: AttributedItem;
  /** Items folded into it (indexes and keys of a new table or column). */
  related: AttributedItem[];
  /** Where to show it: the schema declaration, or the migration line for removed objects. */
  location?: SourcePosition;
  /** Length of the name at `location` (to underline exactly the name). */
  nameLength: number;
  /** One sentence, in model terms first, database names after. */
  message: string;
  /** `User.activatedAt`, `Invoice`, or the database name when the schema has no model for it. */
  label: string;
  /** The SQL of the primary item and the related ones, in script order. */
  sql: string;
}

const KEY_OBJECTS = new Set<DriftItem['object']>(['index', 'foreignKey', 'primaryKey']);

function key(item: DriftItem, what: 'table' | 'column'): string {
  return `${item.schema ?? ''}\u0000${item.table ?? ''}${what === 'column' ? `\u0000${item.column ?? ''}` : ''}`;
}

/** Groups attributed items into findings, in the order their primary items appear. */
export function groupFindings(items: readonly AttributedItem[], comparison: Comparison): DriftFinding[] {
  const tableFinding = new Map<string, DriftFinding>();
  const columnFinding = new Map<string, DriftFinding>();
  const findings: DriftFinding[] = [];
  const make = (item: AttributedItem): DriftFinding => {
    const finding: DriftFinding = {
      primary: item,
      related: [],
      nameLength: nameLength(item),
      message: '',
      label: label(item),
      sql: item.sql,
    };
    if (item.location) finding.location = item.location;
    findings.push(finding);
    return finding;
  };
  // First pass: tables and columns, so their keys can join them whatever the script order.
  for (const item of items) {
    if (item.object === 'table' && item.change !== 'altered') {
      tableFinding.set(key(item, 'table') + item.change, make(item));
    } else if (item.object === 'column' && item.change !== 'altered') {
      columnFinding.set(key(item, 'column') + item.change, make(item));
    }
  }
  for (const item of items) {
    if ((item.object === 'table' || item.object === 'column') && item.change !== 'altered') continue;
    if (KEY_OBJECTS.has(item.object) && item.change !== 'altered') {
      const owner =
        tableFinding.get(key(item, 'table') + item.change) ??
        (item.column !== undefined ? columnFinding.get(key(item, 'column') + item.change) : undefined);
      if (owner) {
        owner.related.push(item);
        owner.sql += `\n${item.sql}`;
        continue;
      }
    }
    make(item);
  }
  for (const f of findings) f.message = describeFinding(f, comparison);
  return findings;
}

function nameLength(item: AttributedItem): number {
  if (item.field !== undefined) return item.field.length;
  if (item.model !== undefined) return item.model.length;
  // A migration line: underline the whole creating statement start.
  return Math.max(1, (item.table ?? item.enum ?? item.name ?? '').length);
}

function label(item: AttributedItem): string {
  if (item.model !== undefined) return item.field !== undefined ? `${item.model}.${item.field}` : item.model;
  return databaseName(item);
}

const WHAT: Record<DriftItem['object'], () => string> = {
  table: () => l10n.t('table'),
  column: () => l10n.t('column'),
  enum: () => l10n.t('type'),
  enumValue: () => l10n.t('enum value'),
  index: () => l10n.t('index'),
  foreignKey: () => l10n.t('foreign key'),
  primaryKey: () => l10n.t('primary key'),
};

/** How a table's or column's finding names the keys folded into it: one, or a count (a message each, for plurals). */
const FOLDED: Partial<Record<DriftItem['object'], [() => string, (n: number) => string]>> = {
  index: [() => l10n.t('its index'), (n) => l10n.t('{0} indexes', n)],
  foreignKey: [() => l10n.t('its foreign key'), (n) => l10n.t('{0} foreign keys', n)],
  primaryKey: [() => l10n.t('its primary key'), (n) => l10n.t('{0} primary keys', n)],
};

/**
 * `Model \`Invoice\` (table invoices, with 2 indexes)`, `\`User.activatedAt\` (column users.activatedAt)`,
 * `Index invoices_number_key on \`Invoice.number\``, `Table legacy_reports` when there is no model.
 */
function subject(f: DriftFinding): string {
  const item = f.primary;
  const db = databaseName(item);
  const isKey = item.object === 'index' || item.object === 'foreignKey' || item.object === 'primaryKey';
  const dbPart = `${WHAT[item.object]()} ${isKey ? (item.name ?? db) : db}`;
  const extra = folded(f);
  const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  if (item.model === undefined) return `${capital(dbPart)}${extra ? ` (${extra})` : ''}`;
  const paren = `(${dbPart}${extra ? `, ${extra}` : ''})`;
  switch (item.object) {
    case 'table':
      return l10n.t('Model `{0}` {1}', item.model, paren);
    case 'enum':
      return l10n.t('Enum `{0}` {1}', item.model, paren);
    case 'enumValue':
    case 'column':
      return `\`${f.label}\` ${paren}`;
    default:
      return l10n.t('{0} on `{1}`', capital(dbPart), f.label);
  }
}

function folded(f: DriftFinding): string {
  if (f.related.length === 0) return '';
  const counts = new Map<DriftItem['object'], number>();
  for (const r of f.related) counts.set(r.object, (counts.get(r.object) ?? 0) + 1);
  const parts = [...counts].map(([object, n]) => {
    const forms = FOLDED[object];
    if (forms) return n === 1 ? forms[0]() : forms[1](n);
    return n === 1 ? l10n.t('its {0}', WHAT[object]()) : `${n} ${WHAT[object]()}`;
  });
  return l10n.t(
    'with {0}',
    parts.reduce((a, b) => l10n.t('{0} and {1}', a, b)),
  );
}

/** The sentence shown in the Problems panel and hovers. */
export function describeFinding(f: DriftFinding, comparison: Comparison): string {
  const who = subject(f);
  const change = f.primary.change;
  if (comparison === 'schemaVsMigrations') {
    // Whether it is a new change or db push drift depends on the databases that have it: said by the caller
    // (src/core/app/driftActions.ts), which knows them.
    if (change === 'added') return l10n.t('{0} is not created by any migration', who);
    if (change === 'removed') {
      return l10n.t(
        '{0} is created by the migrations but is no longer in the schema — the next migration will drop it',
        who,
      );
    }
    return l10n.t('{0} differs from what the migrations create', who);
  }
  // The database is compared with the migrations it applied: one written since (a baseline not marked
  // applied yet) does not count, so "in no migration" would be false right after Create Baseline.
  if (change === 'added') return l10n.t('{0} is in the database but in no applied migration', who);
  if (change === 'removed') return l10n.t('{0} is in the applied migrations but not in the database', who);
  return l10n.t('{0} differs between the database and the migrations', who);
}
