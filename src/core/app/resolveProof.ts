/**
 * The proof behind `resolve --applied NAME`: the database must already have every change the migration makes —
 * what it creates, and also defaults, types, nullability, enum values, CHECK constraints it changes and what it
 * drops. The engine says it: the diff from the database to the migrations up to NAME, against the diff from the
 * database to the migrations before NAME. An item of the first that is not, word for word, in the second is about
 * something NAME changes and the database does not have as NAME leaves it. Differences NAME does not touch (other
 * drift) are the same in both and do not count. CHECK constraints are not in Prisma's model, so the engine's diff
 * does not see them: they are compared through the catalogs (`pg_constraint`, `pg_get_constraintdef`).
 */
import { attributeToSchema } from '../drift/attribution';
import { type DatabaseObjectRef } from '../drift/creationSites';
import * as l10n from '@vscode/l10n';
import { type DriftItem, objectIdentity } from '../drift/diffItems';
import { type SchemaFile } from '../project/types';

/** What a change of the proof is about, in database and (when known) model terms; `name` may be a CHECK constraint's. */
interface ChangedObject extends Omit<DatabaseObjectRef, 'object'> {
  object: DriftItem['object'] | 'check';
  /** Model (or enum) and field names from the schema, when the schema has them. */
  model?: string;
  field?: string;
}

/** One change the migration makes that the database does not have, in database and (when known) model terms. */
export interface MissingChange extends ChangedObject {
  /** Relative to the database: `added` it lacks the object, `removed` it still has what the migration drops, `altered` it differs. */
  change: 'added' | 'removed' | 'altered';
  /** For altered columns: which aspects differ. */
  aspects?: Array<'default' | 'type' | 'nullability'>;
  /** One line for messages, e.g. `column users.status (User.status): default differs`. */
  description: string;
  /** The SQL that would bring the database there (from the engine, or the constraint definition). */
  sql: string;
}

/** A CHECK constraint as the catalogs define it. */
export interface CheckConstraint {
  table: string;
  name: string;
  definition: string;
}

/** Every CHECK constraint on a user table (`contype = 'c'`), with PostgreSQL's own rendering of its expression. */
export const CHECK_CONSTRAINTS_SQL = `SELECT c.relname AS "table", con.conname AS "name", pg_get_constraintdef(con.oid) AS "definition"
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype = 'c' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2`;

/** Rows of {@link CHECK_CONSTRAINTS_SQL} as {@link CheckConstraint}s. */
export function toCheckConstraints(rows: ReadonlyArray<Record<string, unknown>>): CheckConstraint[] {
  return rows.map((r) => ({ table: String(r.table), name: String(r.name), definition: String(r.definition) }));
}

/** The diff of the database against the migrations before the resolved one, and up to it included. */
export interface ProofInput {
  /** Items of the diff database → migrations before NAME. */
  before: readonly DriftItem[];
  /** Items of the diff database → migrations up to NAME. */
  after: readonly DriftItem[];
  checks: {
    before: readonly CheckConstraint[];
    after: readonly CheckConstraint[];
    database: readonly CheckConstraint[];
  };
  schemaFiles: readonly SchemaFile[];
}

/**
 * One change the migration makes that the database already has, in database and (when known) model terms. `change`
 * says what the migration does: `created` an object the database already has, `dropped` one it no longer has,
 * `altered` one already as the migration leaves it.
 */
export interface PresentChange extends ChangedObject {
  change: 'created' | 'dropped' | 'altered';
  /** The object alone, e.g. `table invoices (Invoice)`. */
  label: string;
  /** One line for messages, e.g. `column users.status (User.status): already as the migration leaves it`. */
  description: string;
}

/**
 * Both sides of the proof for one migration: what the database lacks ({@link missingChanges}) and what it already
 * has. An item of the diff before NAME that is not, word for word, in the diff up to NAME is a difference NAME makes
 * disappear: the database already is, there, as NAME leaves it. When the diff up to NAME still has something about the
 * same object (e.g. a table this database lacks entirely because an earlier pending migration creates it, which NAME
 * then alters), the object is missing, not present. Both empty: NAME changes nothing the engine or the catalogs see
 * (a data-only or empty migration).
 */
export function proofOf(input: ProofInput): { items: DriftItem[]; changes: MissingChange[]; present: PresentChange[] } {
  const missing = missingChanges(input);
  const seen = new Set(input.after.map(itemKey));
  const touched = new Set(missing.items.map(objectKey));
  const kept = input.before.filter((item) => !seen.has(itemKey(item)) && !touched.has(objectKey(item)));
  const present: PresentChange[] = attributeToSchema(kept, input.schemaFiles).map((item) => {
    // Relative to the state before NAME: the database has an object it lacks (`removed`: NAME creates it) or lacks one it has (`added`: NAME drops it).
    const change: PresentChange = {
      object: item.object,
      change: item.change === 'removed' ? 'created' : item.change === 'added' ? 'dropped' : 'altered',
      label: '',
      description: '',
    };
    for (const key of ['table', 'column', 'enum', 'value', 'name', 'schema', 'model', 'field'] as const) {
      const value = (item as unknown as Record<string, unknown>)[key];
      if (typeof value === 'string') change[key] = value;
    }
    change.label = labelOf(change);
    change.description = presentDescription(change.label, change.change);
    return change;
  });
  present.push(...presentChecks(input.checks));
  return { ...missing, present };
}

/**
 * The changes of the migration the database lacks (empty: it may be recorded as applied); `items` are the engine's
 * items among them (CHECK constraints are only in `changes`).
 */
export function missingChanges(input: ProofInput): { items: DriftItem[]; changes: MissingChange[] } {
  const seen = new Set(input.before.map(itemKey));
  const items = input.after.filter((item) => !seen.has(itemKey(item)));
  const out: MissingChange[] = attributeToSchema(items, input.schemaFiles).map((item) => {
    const change: MissingChange = { object: item.object, change: item.change, description: '', sql: item.sql };
    for (const key of ['table', 'column', 'enum', 'value', 'name', 'schema', 'model', 'field'] as const) {
      const value = (item as unknown as Record<string, unknown>)[key];
      if (typeof value === 'string') change[key] = value;
    }
    if (item.object === 'column' && item.change === 'altered') change.aspects = aspectsOf(item.sql);
    change.description = describe(change);
    return change;
  });
  out.push(...missingChecks(input.checks));
  return { items, changes: out };
}

function itemKey(item: DriftItem): string {
  return JSON.stringify([item.change, ...objectIdentity(item), item.sql.replace(/\s+/g, ' ').trim()]);
}

/** The object an item is about, whatever its SQL says about it. */
function objectKey(item: DriftItem): string {
  return JSON.stringify(objectIdentity(item));
}

function aspectsOf(sql: string): Array<'default' | 'type' | 'nullability'> {
  const out: Array<'default' | 'type' | 'nullability'> = [];
  if (/\b(SET|DROP)\s+DEFAULT\b/i.test(sql)) out.push('default');
  if (/\b(SET\s+DATA\s+)?TYPE\b/i.test(sql)) out.push('type');
  if (/\b(SET|DROP)\s+NOT\s+NULL\b/i.test(sql)) out.push('nullability');
  return out;
}

/** The CHECK constraints before the migration, after it and in the database, each by table and name. */
function checksByKey(
  checks: ProofInput['checks'],
): Record<'before' | 'after' | 'database', Map<string, CheckConstraint>> {
  const byKey = (list: readonly CheckConstraint[]): Map<string, CheckConstraint> =>
    new Map(list.map((c) => [`${c.table}\u0000${c.name}`, c]));
  return { before: byKey(checks.before), after: byKey(checks.after), database: byKey(checks.database) };
}

function missingChecks(checks: ProofInput['checks']): MissingChange[] {
  const { before, after, database } = checksByKey(checks);
  const out: MissingChange[] = [];
  for (const [k, wanted] of after) {
    if (before.get(k)?.definition === wanted.definition) continue; // not this migration's change
    const actual = database.get(k);
    if (actual?.definition === wanted.definition) continue;
    const sql = `ALTER TABLE "${wanted.table}" ADD CONSTRAINT "${wanted.name}" ${wanted.definition}`;
    out.push({
      object: 'check',
      change: actual ? 'altered' : 'added',
      table: wanted.table,
      name: wanted.name,
      sql,
      description: actual
        ? l10n.t(
            'check constraint {0} on {1}: the database has {2}, the migration makes it {3}',
            wanted.name,
            wanted.table,
            actual.definition,
            wanted.definition,
          )
        : l10n.t('check constraint {0} on {1} ({2}) missing', wanted.name, wanted.table, wanted.definition),
    });
  }
  for (const [k, dropped] of before) {
    if (after.has(k) || !database.has(k)) continue;
    out.push({
      object: 'check',
      change: 'removed',
      table: dropped.table,
      name: dropped.name,
      sql: `ALTER TABLE "${dropped.table}" DROP CONSTRAINT "${dropped.name}"`,
      description: l10n.t(
        '{0}: still present, the migration drops it',
        l10n.t('check constraint {0} on {1}', dropped.name, dropped.table),
      ),
    });
  }
  return out;
}

/** CHECK constraints the migration adds, changes or drops that the database already has as it leaves them. */
function presentChecks(checks: ProofInput['checks']): PresentChange[] {
  const { before, after, database } = checksByKey(checks);
  const out: PresentChange[] = [];
  for (const [k, wanted] of after) {
    const previous = before.get(k);
    if (previous?.definition === wanted.definition || database.get(k)?.definition !== wanted.definition) continue;
    const label = l10n.t('check constraint {0} on {1}', wanted.name, wanted.table);
    const change = previous ? 'altered' : 'created';
    out.push({
      object: 'check',
      change,
      table: wanted.table,
      name: wanted.name,
      label,
      description: presentDescription(label, change),
    });
  }
  for (const [k, dropped] of before) {
    if (after.has(k) || database.has(k)) continue;
    const label = l10n.t('check constraint {0} on {1}', dropped.name, dropped.table);
    out.push({
      object: 'check',
      change: 'dropped',
      table: dropped.table,
      name: dropped.name,
      label,
      description: presentDescription(label, 'dropped'),
    });
  }
  return out;
}

/** The object of a change alone, in database and (when known) model terms: `column users.status (User.status)`. */
export function labelOf(
  change: Pick<MissingChange, 'object' | 'table' | 'column' | 'enum' | 'value' | 'name' | 'model' | 'field'>,
): string {
  const dbName = (): string => {
    switch (change.object) {
      case 'table':
        return l10n.t('table {0}', change.table ?? '?');
      case 'column':
        return l10n.t('column {0}', `${change.table ?? '?'}.${change.column ?? '?'}`);
      case 'enum':
        return l10n.t('enum {0}', change.enum ?? '?');
      case 'enumValue':
        return l10n.t('enum value {0}', `${change.enum ?? '?'}.${change.value ?? '?'}`);
      default: {
        const kind =
          change.object === 'primaryKey'
            ? l10n.t('primary key')
            : change.object === 'foreignKey'
              ? l10n.t('foreign key')
              : change.object === 'index'
                ? l10n.t('index')
                : change.object;
        return (
          change.table
            ? l10n.t('{0} {1} on {2}', kind, change.name ?? '', change.table)
            : `${kind} ${change.name ?? ''}`
        ).trim();
      }
    }
  };
  const model = change.model ? ` (${change.model}${change.field ? `.${change.field}` : ''})` : '';
  return `${dbName()}${model}`;
}

function describe(change: MissingChange): string {
  const label = labelOf(change);
  if (change.change === 'added') return l10n.t('{0} missing', label);
  if (change.change === 'removed') return l10n.t('{0}: still present, the migration drops it', label);
  if (change.aspects && change.aspects.length === 1) return l10n.t('{0}: {1} differs', label, change.aspects[0]);
  if (change.aspects && change.aspects.length > 1) return l10n.t('{0}: {1} differ', label, change.aspects.join(', '));
  return l10n.t('{0}: differs', label);
}

/** `… present` / `…: already gone, the migration drops it` / `…: already as the migration leaves it`. */
function presentDescription(label: string, change: 'created' | 'dropped' | 'altered'): string {
  if (change === 'created') return l10n.t('{0} present', label);
  if (change === 'dropped') return l10n.t('{0}: already gone, the migration drops it', label);
  return l10n.t('{0}: already as the migration leaves it', label);
}
