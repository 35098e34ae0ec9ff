/**
 * What a migration did to the copy, read from the catalog before and after it: tables and columns that
 * went away, types that changed, columns that became required, enum values removed, unique indexes
 * added. These pass on an empty (schema-only) copy and can fail or lose data in production, so the
 * rehearsal reports them as warnings, located on the migration's line when the SQL shows it.
 */
import { IDENT, positionAt, splitQualified, stripSqlComments, unquoteIdent } from '../sql/sqlText';
import * as l10n from '@vscode/l10n';

/** The parts of a database's catalog the warnings need. Keys are `schema.table` / `schema.type`. */
export interface CatalogSnapshot {
  tables: string[];
  /** `schema.table` → column → its shape. */
  columns: Record<string, Record<string, { type: string; notNull: boolean; hasDefault: boolean }>>;
  /** `schema.type` → its labels in order. */
  enums: Record<string, string[]>;
  /** Unique indexes (primary keys included): `schema.index` → `schema.table`. */
  uniqueIndexes: Record<string, string>;
}

/** Runs one query and returns its rows (a PGlite instance or a `pg` client, wrapped). */
export type CatalogReader = (sql: string) => Promise<Array<Record<string, unknown>>>;

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/** Reads a {@link CatalogSnapshot} (three catalog queries). */
export async function readCatalog(read: CatalogReader): Promise<CatalogSnapshot> {
  const [columns, enums, indexes] = await Promise.all([
    read(`SELECT n.nspname AS s, c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS nn, a.atthasdef AS def
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS} ORDER BY 1, 2, a.attnum`),
    read(`SELECT n.nspname AS s, t.typname AS t, e.enumlabel AS v FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
          JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${USER_SCHEMAS} ORDER BY 1, 2, e.enumsortorder`),
    read(`SELECT n.nspname AS s, i.relname AS i, t.relname AS t FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE x.indisunique AND ${USER_SCHEMAS}`),
  ]);
  const snapshot: CatalogSnapshot = { tables: [], columns: {}, enums: {}, uniqueIndexes: {} };
  for (const row of columns) {
    const table = `${String(row.s)}.${String(row.t)}`;
    if (!snapshot.columns[table]) {
      snapshot.tables.push(table);
      snapshot.columns[table] = {};
    }
    if (typeof row.c === 'string') {
      snapshot.columns[table][row.c] = {
        type: String(row.type),
        notNull: row.nn === true,
        hasDefault: row.def === true,
      };
    }
  }
  for (const row of enums) (snapshot.enums[`${String(row.s)}.${String(row.t)}`] ??= []).push(String(row.v));
  for (const row of indexes) {
    snapshot.uniqueIndexes[`${String(row.s)}.${String(row.i)}`] = `${String(row.s)}.${String(row.t)}`;
  }
  return snapshot;
}

export type WarningKind =
  | 'dropTable'
  | 'dropColumn'
  | 'typeChange'
  | 'notNullAdded'
  | 'requiredColumnAdded'
  | 'enumValueRemoved'
  | 'dropEnum'
  | 'uniqueAdded'
  | 'rowsDeleted'
  /** An explicit COMMIT before other statements: a later failure leaves the part before it applied. */
  | 'commitsMidway';

/** A statement that passed on the copy but may fail, or lose data, on the real database. */
export interface RehearsalWarning {
  kind: WarningKind;
  message: string;
  /** `schema.table` (or `schema.type` for enums). */
  object: string;
  column?: string;
  /** 1-based line in migration.sql, when the statement is found. */
  line?: number;
  /** Rows the real table has (planner estimate), when known. */
  rows?: number;
}

/** `schema.table` → estimated rows on the real database (undefined: unknown). */
export type RowEstimates = Record<string, number | undefined>;

/**
 * The warnings for one migration, from the catalog before and after it and its SQL (for renames,
 * deletes and line numbers). `rows` says how many rows the real tables hold, when known.
 */
export function destructiveChanges(
  before: CatalogSnapshot,
  after: CatalogSnapshot,
  sql: string,
  rows: RowEstimates = {},
): RehearsalWarning[] {
  const code = stripSqlComments(sql);
  const line = (pattern: RegExp): number | undefined => {
    const m = pattern.exec(code);
    return m ? positionAt(sql, m.index).line : undefined;
  };
  const renamedTables = renames(
    code,
    String.raw`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${Q})\s+RENAME\s+TO\s+(${IDENT})`,
  );
  const renamedColumns = renames(
    code,
    String.raw`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${Q}\s+RENAME\s+(?:COLUMN\s+)?(${IDENT})\s+TO\s+(${IDENT})`,
  );
  const renamedTypes = renames(code, String.raw`ALTER\s+TYPE\s+(${Q})\s+RENAME\s+TO\s+(${IDENT})`);
  const warnings: RehearsalWarning[] = [];
  const rowsOf = (table: string): { rows?: number; text: string } => {
    const n = rows[table];
    return n === undefined ? { text: '' } : { rows: n, text: rowEstimateText(table, n) };
  };

  const afterTables = new Set(after.tables);
  for (const table of before.tables) {
    if (afterTables.has(table)) continue;
    if (table.endsWith('._prisma_migrations')) continue;
    const name = short(table);
    if (renamedTables.has(name.replace(/^.*\./, ''))) continue;
    const r = rowsOf(table);
    warnings.push({
      kind: 'dropTable',
      object: table,
      message: l10n.t('Drops table {0}: its rows are lost{1}.', name, r.text),
      line: line(re(String.raw`DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?[^;]*?${identPattern(name)}`)),
      ...(r.rows !== undefined ? { rows: r.rows } : {}),
    });
  }

  for (const table of before.tables) {
    if (!afterTables.has(table)) continue;
    const was = before.columns[table] ?? {};
    const now = after.columns[table] ?? {};
    const name = short(table);
    const r = rowsOf(table);
    const rowsPart = r.rows !== undefined ? { rows: r.rows } : {};
    for (const [column, shape] of Object.entries(was)) {
      const current = now[column];
      if (!current) {
        if (renamedColumns.has(column)) continue;
        warnings.push({
          kind: 'dropColumn',
          object: table,
          column,
          message: l10n.t('Drops column {0}: its values are lost{1}.', `${name}.${column}`, r.text),
          line: line(re(String.raw`DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?${identPattern(column)}`)),
          ...rowsPart,
        });
        continue;
      }
      if (current.type !== shape.type && !sameEnumSwap(shape.type, current.type)) {
        warnings.push({
          kind: 'typeChange',
          object: table,
          column,
          message: l10n.t(
            'Changes {0} from {1} to {2}: fails if an existing value does not convert, and rewrites the table while holding a lock{3}.',
            `${name}.${column}`,
            shape.type,
            current.type,
            r.text,
          ),
          line: line(re(String.raw`ALTER\s+COLUMN\s+${identPattern(column)}\s+(?:SET\s+DATA\s+)?TYPE`)),
          ...rowsPart,
        });
      }
      if (!shape.notNull && current.notNull) {
        warnings.push({
          kind: 'notNullAdded',
          object: table,
          column,
          message: l10n.t(
            'Makes {0} required (NOT NULL): fails if a row has no value in it{1}.',
            `${name}.${column}`,
            r.text,
          ),
          line: line(re(String.raw`ALTER\s+COLUMN\s+${identPattern(column)}\s+SET\s+NOT\s+NULL`)),
          ...rowsPart,
        });
      }
    }
    for (const [column, shape] of Object.entries(now)) {
      if (was[column] || !shape.notNull || shape.hasDefault) continue;
      if ([...renamedColumns.values()].includes(column)) continue;
      warnings.push({
        kind: 'requiredColumnAdded',
        object: table,
        column,
        message: l10n.t(
          'Adds the required column {0} without a default: fails if {1} has any row{2}.',
          `${name}.${column}`,
          name,
          r.text,
        ),
        line: line(re(String.raw`ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?${identPattern(column)}`)),
        ...rowsPart,
      });
    }
  }

  for (const [type, labels] of Object.entries(before.enums)) {
    const current = after.enums[type];
    const name = short(type);
    if (!current) {
      if (renamedTypes.has(name.replace(/^.*\./, ''))) continue;
      warnings.push({
        kind: 'dropEnum',
        object: type,
        message: l10n.t('Drops the enum {0}.', name),
        line: line(re(String.raw`DROP\s+TYPE\s+(?:IF\s+EXISTS\s+)?[^;]*?${identPattern(name)}`)),
      });
      continue;
    }
    const removed = labels.filter((l) => !current.includes(l));
    if (removed.length === 0) continue;
    warnings.push({
      kind: 'enumValueRemoved',
      object: type,
      message:
        removed.length === 1
          ? l10n.t('Removes {0} from the enum {1}: fails if a row still uses it.', `'${removed[0]}'`, name)
          : l10n.t(
              'Removes {0} from the enum {1}: fails if a row still uses them.',
              removed.map((v) => `'${v}'`).join(', '),
              name,
            ),
      line: line(
        re(
          String.raw`CREATE\s+TYPE\s+${identPattern(`${name}_new`)}|ALTER\s+TYPE\s+${identPattern(name)}|CREATE\s+TYPE\s+${identPattern(name)}`,
        ),
      ),
    });
  }

  for (const [index, table] of Object.entries(after.uniqueIndexes)) {
    if (before.uniqueIndexes[index] || !before.tables.includes(table)) continue;
    const indexName = short(index);
    const r = rowsOf(table);
    warnings.push({
      kind: 'uniqueAdded',
      object: table,
      message: l10n.t(
        'Adds the unique index {0} on {1}: fails if existing rows have duplicates{2}.',
        indexName,
        short(table),
        r.text,
      ),
      line: line(
        re(
          String.raw`UNIQUE\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?${identPattern(indexName)}|CONSTRAINT\s+${identPattern(indexName)}\s+(?:UNIQUE|PRIMARY)`,
        ),
      ),
      ...(r.rows !== undefined ? { rows: r.rows } : {}),
    });
  }

  for (const m of code.matchAll(
    re(String.raw`\b(TRUNCATE)\s+(?:TABLE\s+)?(?:ONLY\s+)?(${Q})|\b(DELETE)\s+FROM\s+(?:ONLY\s+)?(${Q})([^;]*)`),
  )) {
    const target = m[2] ?? m[4];
    if (m[3] && /\bWHERE\b/i.test(m[5] ?? '')) continue;
    const table = qualify(target, after);
    const r = rowsOf(table);
    warnings.push({
      kind: 'rowsDeleted',
      object: table,
      message: m[1]
        ? l10n.t('Truncates {0}{1}.', short(table), r.text)
        : l10n.t('Deletes every row of {0}{1}.', short(table), r.text),
      line: positionAt(sql, m.index).line,
      ...(r.rows !== undefined ? { rows: r.rows } : {}),
    });
  }
  return warnings;
}

/**
 * ` (User has about 1,200 rows on the real database)`: the planner's estimate of `schema.table`'s rows, as the
 * rehearsal and the review append it to a warning (a leading space; empty when unknown).
 */
export function rowEstimateText(table: string, n: number | undefined): string {
  if (n === undefined) return '';
  return n <= 0
    ? l10n.t(' ({0} looks empty on the real database)', short(table))
    : n === 1
      ? l10n.t(' ({0} has about 1 row on the real database)', short(table))
      : l10n.t(' ({0} has about {1} rows on the real database)', short(table), formatCount(n));
}

const Q = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;

function re(source: string): RegExp {
  return new RegExp(source, 'gi');
}

/** An identifier as it may be written: `"Name"`, or unquoted when it is a plain lower-case name. */
function identPattern(name: string): string {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const quoted = `"${escaped.replace(/"/g, '""')}"`;
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? `(?:${quoted}|\\b${escaped}\\b)` : quoted;
}

/** `old → new` names (as the catalog spells them) of `… RENAME [COLUMN] old TO new`. */
function renames(code: string, pattern: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of code.matchAll(re(pattern))) out.set(splitQualified(m[1]).name, unquoteIdent(m[2]));
  return out;
}

/**
 * Prisma changes an enum by renaming it to `X_old`, creating `X` again and converting the columns: the
 * column's type name is the same before and after. Not a type change.
 */
function sameEnumSwap(before: string, after: string): boolean {
  return before.replace(/"/g, '') === after.replace(/"/g, '');
}

function qualify(raw: string, snapshot: CatalogSnapshot): string {
  const parts = raw.split(/\s*\.\s*/).map(unquoteIdent);
  if (parts.length === 2) return `${parts[0]}.${parts[1]}`;
  return snapshot.tables.find((t) => t.endsWith(`.${parts[0]}`)) ?? `public.${parts[0]}`;
}

function short(qualified: string): string {
  return qualified.startsWith('public.') ? qualified.slice('public.'.length) : qualified;
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
