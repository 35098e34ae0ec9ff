import { type SourcePosition } from '../project/types';
import { type DriftItem } from './diffItems';
import {
  IDENT,
  LineIndex,
  matchingParen,
  splitQualified,
  splitStatements,
  splitTopLevelWithOffsets,
  statementEnd,
  stripSqlComments,
  unquoteIdent,
} from '../sql/sqlText';

/** A migration's SQL as read from disk. */
export interface MigrationSource {
  name: string;
  /** Absolute path of migration.sql. */
  sqlPath: string;
  sql: string;
}

/** An object of the database in its own names: a table, column, enum, enum value, index or key. */
export interface DatabaseObjectRef {
  object: DriftItem['object'];
  table?: string;
  column?: string;
  enum?: string;
  value?: string;
  /** Index or key name. */
  name?: string;
  schema?: string;
}

/** One object a migration creates, with the position of the creating text. */
export interface CreatedObject extends DatabaseObjectRef {
  migration: string;
  location: SourcePosition;
}

/**
 * Lists what a migration creates — tables, columns (in CREATE TABLE and ALTER TABLE … ADD),
 * enums and values, indexes, primary and foreign keys — with 1-based positions in migration.sql.
 * Comments are ignored; `DO $$ … $$` bodies are not looked into.
 */
export function createdObjects(migration: MigrationSource): CreatedObject[] {
  const code = stripSqlComments(migration.sql);
  const out: CreatedObject[] = [];
  const lines = new LineIndex(migration.sql);
  const at = (offset: number): SourcePosition => ({ file: migration.sqlPath, ...lines.positionAt(offset) });
  const push = (object: Omit<CreatedObject, 'migration' | 'location'>, offset: number): void => {
    const clean = Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Omit<
      CreatedObject,
      'migration' | 'location'
    >;
    out.push({ ...clean, migration: migration.name, location: at(offset) });
  };
  const Q = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?)`;
  let m: RegExpExecArray | null;

  const createTable = new RegExp(
    String.raw`\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${Q}\s*\(`,
    'gi',
  );
  while ((m = createTable.exec(code))) {
    const { schema, name: table } = splitQualified(m[1]);
    push({ object: 'table', table, schema }, m.index);
    const bodyStart = m.index + m[0].length;
    const bodyEnd = matchingParen(code, bodyStart - 1);
    for (const element of splitTopLevelWithOffsets(code.slice(bodyStart, bodyEnd))) {
      const offset = bodyStart + element.offset;
      const text = element.text;
      const lead = text.length - text.trimStart().length;
      const trimmed = text.trim();
      const constraint = namedConstraint(trimmed, '');
      if (constraint) {
        push({ object: constraint.object, table, schema, name: constraint.name }, offset + lead);
      } else if (/^PRIMARY\s+KEY/i.test(trimmed)) {
        push({ object: 'primaryKey', table, schema, name: `${table}_pkey` }, offset + lead);
      } else if (!/^(?:UNIQUE|CHECK|FOREIGN|EXCLUDE|LIKE)\b/i.test(trimmed)) {
        const column = new RegExp(String.raw`^(${IDENT})`).exec(trimmed);
        if (column) push({ object: 'column', table, schema, column: unquoteIdent(column[1]) }, offset + lead);
      }
    }
    createTable.lastIndex = bodyEnd;
  }

  const alterTable = new RegExp(String.raw`\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${Q}\s+`, 'gi');
  while ((m = alterTable.exec(code))) {
    const { schema, name: table } = splitQualified(m[1]);
    const bodyStart = m.index + m[0].length;
    const end = statementEnd(code, bodyStart);
    for (const element of splitTopLevelWithOffsets(code.slice(bodyStart, end))) {
      const trimmed = element.text.trim();
      const offset = bodyStart + element.offset + (element.text.length - element.text.trimStart().length);
      const constraint = namedConstraint(trimmed, String.raw`ADD\s+`);
      if (constraint) {
        push({ object: constraint.object, table, schema, name: constraint.name }, offset);
        continue;
      }
      const column = new RegExp(
        String.raw`^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!CONSTRAINT\b|PRIMARY\b|FOREIGN\b|UNIQUE\b|CHECK\b)(${IDENT})`,
        'i',
      ).exec(trimmed);
      if (column) push({ object: 'column', table, schema, column: unquoteIdent(column[1]) }, offset);
    }
    alterTable.lastIndex = end;
  }

  const createIndex = new RegExp(
    String.raw`\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s+ON\s+(?:ONLY\s+)?${Q}`,
    'gi',
  );
  while ((m = createIndex.exec(code))) {
    const { schema, name: table } = splitQualified(m[2]);
    push({ object: 'index', table, schema, name: unquoteIdent(m[1]) }, m.index);
  }

  const createEnum = new RegExp(String.raw`\bCREATE\s+TYPE\s+${Q}\s+AS\s+ENUM\s*\(`, 'gi');
  while ((m = createEnum.exec(code))) {
    const { schema, name } = splitQualified(m[1]);
    push({ object: 'enum', enum: name, schema }, m.index);
    const bodyStart = m.index + m[0].length;
    const bodyEnd = matchingParen(code, bodyStart - 1);
    for (const value of code.slice(bodyStart, bodyEnd).matchAll(/'((?:[^']|'')*)'/g)) {
      push(
        { object: 'enumValue', enum: name, schema, value: value[1].replace(/''/g, "'") },
        bodyStart + (value.index ?? 0),
      );
    }
  }

  const addValue = new RegExp(
    String.raw`\bALTER\s+TYPE\s+${Q}\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'`,
    'gi',
  );
  while ((m = addValue.exec(code))) {
    const { schema, name } = splitQualified(m[1]);
    push({ object: 'enumValue', enum: name, schema, value: m[2].replace(/''/g, "'") }, m.index);
  }
  return out;
}

/**
 * Sets `location` on removed items (objects the migrations create but the destination lacks) to
 * the migration line that created them — the latest such migration, since that is the one whose
 * object survives.
 */
export function locateRemovedObjects<T extends DriftItem>(
  items: readonly T[],
  migrations: readonly MigrationSource[],
): T[] {
  const removed = items.filter((i) => i.change === 'removed');
  if (removed.length === 0) return [...items];
  // Grouped by identity: one lookup per item, not a scan of every created object (a large init creates tens of thousands).
  const created = new Map<string, CreatedObject[]>();
  for (const object of migrations.flatMap((migration) => createdObjects(migration))) {
    const key = identityKey(object);
    if (key !== undefined) created.set(key, [...(created.get(key) ?? []), object]);
  }
  return items.map((item) => {
    if (item.change !== 'removed' || item.location) return item;
    const key = identityKey(item);
    const site = key === undefined ? undefined : findLast(created.get(key) ?? [], (c) => sameObject(c, item));
    return site ? { ...item, location: site.location } : item;
  });
}

/** What {@link sameObject} compares, schema aside: equal keys for a created object and the item it is. */
/** A `[ADD ]CONSTRAINT name PRIMARY KEY | FOREIGN KEY | UNIQUE` element: the object it creates and its name. */
function namedConstraint(
  element: string,
  prefix: string,
): { object: 'primaryKey' | 'foreignKey' | 'index'; name: string } | undefined {
  const m = new RegExp(String.raw`^${prefix}CONSTRAINT\s+(${IDENT})\s+(PRIMARY\s+KEY|FOREIGN\s+KEY|UNIQUE)`, 'i').exec(
    element,
  );
  if (!m) return undefined;
  const object = /^PRIMARY/i.test(m[2]) ? 'primaryKey' : /^FOREIGN/i.test(m[2]) ? 'foreignKey' : 'index';
  return { object, name: unquoteIdent(m[1]) };
}

function identityKey(o: Omit<DatabaseObjectRef, 'schema'>): string | undefined {
  switch (o.object) {
    case 'table':
      return `table\0${o.table}`;
    case 'column':
      return `column\0${o.table}\0${o.column}`;
    case 'enum':
      return `enum\0${o.enum}`;
    case 'enumValue':
      return `enumValue\0${o.enum}\0${o.value}`;
    default:
      return o.name === undefined ? undefined : `${o.object}\0${o.name}`;
  }
}

/** Whether a created object is the object an item talks about. */
export function sameObject(created: CreatedObject, item: DriftItem): boolean {
  if (
    (created.schema ?? 'public') !== (item.schema ?? 'public') &&
    created.schema !== undefined &&
    item.schema !== undefined
  ) {
    return false;
  }
  switch (item.object) {
    case 'table':
      return created.object === 'table' && created.table === item.table;
    case 'column':
      return created.object === 'column' && created.table === item.table && created.column === item.column;
    case 'enum':
      return created.object === 'enum' && created.enum === item.enum;
    case 'enumValue':
      return created.object === 'enumValue' && created.enum === item.enum && created.value === item.value;
    default:
      return created.object === item.object && created.name !== undefined && created.name === item.name;
  }
}

function findLast<T>(list: readonly T[], predicate: (value: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i])) return list[i];
  return undefined;
}

/**
 * The values of every enum after all the migrations ran, replaying CREATE TYPE … AS ENUM,
 * ADD VALUE (BEFORE/AFTER), RENAME VALUE, RENAME TO and DROP TYPE in order. Used to say which
 * values an enum recreation in a diff removes.
 */
export function enumValuesAfter(migrations: readonly MigrationSource[]): Map<string, string[]> {
  const enums = new Map<string, string[]>();
  const Q = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?)`;
  const literal = (raw: string): string => raw.replace(/''/g, "'");
  for (const migration of migrations) {
    for (const { text } of splitStatements(migration.sql)) {
      const statement = stripSqlComments(text).trim().replace(/\s*;$/, '');
      let m: RegExpExecArray | null;
      if ((m = new RegExp(String.raw`^CREATE\s+TYPE\s+${Q}\s+AS\s+ENUM\s*\(([\s\S]*)\)`, 'i').exec(statement))) {
        enums.set(
          splitQualified(m[1]).name,
          [...m[2].matchAll(/'((?:[^']|'')*)'/g)].map((v) => literal(v[1])),
        );
      } else if (
        (m = new RegExp(
          String.raw`^ALTER\s+TYPE\s+${Q}\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'(?:\s+(BEFORE|AFTER)\s+'((?:[^']|'')*)')?`,
          'i',
        ).exec(statement))
      ) {
        const values = enums.get(splitQualified(m[1]).name);
        const value = literal(m[2]);
        if (!values || values.includes(value)) continue;
        const anchor = m[4] !== undefined ? values.indexOf(literal(m[4])) : -1;
        if (anchor < 0) values.push(value);
        else values.splice(/^BEFORE$/i.test(m[3]) ? anchor : anchor + 1, 0, value);
      } else if (
        (m = new RegExp(
          String.raw`^ALTER\s+TYPE\s+${Q}\s+RENAME\s+VALUE\s+'((?:[^']|'')*)'\s+TO\s+'((?:[^']|'')*)'`,
          'i',
        ).exec(statement))
      ) {
        const values = enums.get(splitQualified(m[1]).name);
        const index = values?.indexOf(literal(m[2])) ?? -1;
        if (values && index >= 0) values[index] = literal(m[3]);
      } else if ((m = new RegExp(String.raw`^ALTER\s+TYPE\s+${Q}\s+RENAME\s+TO\s+(${IDENT})`, 'i').exec(statement))) {
        const from = splitQualified(m[1]).name;
        const values = enums.get(from);
        if (values) {
          enums.delete(from);
          enums.set(unquoteIdent(m[2]), values);
        }
      } else if ((m = /^DROP\s+TYPE\s+(?:IF\s+EXISTS\s+)?([\s\S]*?)(?:\s+(?:CASCADE|RESTRICT))?$/i.exec(statement))) {
        for (const name of m[1].split(',')) enums.delete(splitQualified(name).name);
      }
    }
  }
  return enums;
}

/**
 * The table of every index (and index-backed constraint) after all the migrations ran, replaying CREATE INDEX,
 * UNIQUE / PRIMARY KEY constraints, ALTER INDEX … RENAME, ALTER TABLE … RENAME (TO / CONSTRAINT), DROP INDEX and
 * DROP TABLE in order. The engine's `DROP INDEX "x"` and `ALTER INDEX "x" RENAME TO "y"` do not name the table;
 * this lets such an item say which table (and so which model) it concerns.
 */
export function indexTablesAfter(
  migrations: readonly MigrationSource[],
): Map<string, { table: string; schema?: string }> {
  const indexes = new Map<string, { table: string; schema?: string }>();
  const Q = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?)`;
  const set = (index: string, qualifiedTable: string): void => {
    const { schema, name } = splitQualified(qualifiedTable);
    indexes.set(index, schema === undefined ? { table: name } : { table: name, schema });
  };
  const constraint = new RegExp(String.raw`CONSTRAINT\s+(${IDENT})\s+(?:UNIQUE|PRIMARY\s+KEY)\b`, 'gi');
  for (const migration of migrations) {
    for (const { text } of splitStatements(migration.sql)) {
      const statement = stripSqlComments(text).trim().replace(/\s*;$/, '');
      let m: RegExpExecArray | null;
      if (
        (m = new RegExp(
          String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s+ON\s+(?:ONLY\s+)?${Q}`,
          'i',
        ).exec(statement))
      ) {
        set(unquoteIdent(m[1]), m[2]);
      } else if (
        (m = new RegExp(
          String.raw`^(?:CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?|ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?)${Q}`,
          'i',
        ).exec(statement))
      ) {
        const table = m[1];
        let rename: RegExpExecArray | null;
        if (
          (rename = new RegExp(
            String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${Q}\s+RENAME\s+TO\s+(${IDENT})`,
            'i',
          ).exec(statement))
        ) {
          const from = splitQualified(rename[1]).name;
          const to = unquoteIdent(rename[2]);
          for (const entry of indexes.values()) if (entry.table === from) entry.table = to;
        } else if (
          (rename = new RegExp(String.raw`\bRENAME\s+CONSTRAINT\s+(${IDENT})\s+TO\s+(${IDENT})`, 'i').exec(statement))
        ) {
          const entry = indexes.get(unquoteIdent(rename[1]));
          if (entry) {
            indexes.delete(unquoteIdent(rename[1]));
            indexes.set(unquoteIdent(rename[2]), entry);
          }
        }
        for (const c of statement.matchAll(constraint)) set(unquoteIdent(c[1]), table);
      } else if (
        (m = new RegExp(String.raw`^ALTER\s+INDEX\s+(?:IF\s+EXISTS\s+)?${Q}\s+RENAME\s+TO\s+(${IDENT})`, 'i').exec(
          statement,
        ))
      ) {
        const from = splitQualified(m[1]).name;
        const entry = indexes.get(from);
        if (entry) {
          indexes.delete(from);
          indexes.set(unquoteIdent(m[2]), entry);
        }
      } else if (
        (m = /^DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?([\s\S]*?)(?:\s+(?:CASCADE|RESTRICT))?$/i.exec(
          statement,
        ))
      ) {
        for (const name of m[1].split(',')) indexes.delete(splitQualified(name).name);
      } else if ((m = /^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([\s\S]*?)(?:\s+(?:CASCADE|RESTRICT))?$/i.exec(statement))) {
        const dropped = new Set(m[1].split(',').map((name) => splitQualified(name).name));
        for (const [index, entry] of indexes) if (dropped.has(entry.table)) indexes.delete(index);
      }
    }
  }
  return indexes;
}
