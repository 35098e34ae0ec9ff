import { SchemaIndex, type SchemaBlock, scanSchema } from '../project/schemaScanner';
import { type SchemaFile, type SourcePosition } from '../project/types';
import { unquoteIdent } from '../sql/sqlText';

/** The database-side facts of one difference, as read from the engine's diff. */
export interface DatabaseDriftFacts {
  object: 'table' | 'column' | 'enum' | 'enumValue' | 'index' | 'foreignKey' | 'primaryKey';
  change: 'added' | 'removed' | 'altered';
  table?: string;
  column?: string;
  enum?: string;
  value?: string;
  /** Database schema (namespace) when the project uses several. */
  schema?: string;
  sql: string;
  /** Where a removed object was created (a migration file line), when known. */
  location?: SourcePosition;
}

/** Model-side names and the schema location added by attribution. */
export interface ModelTerms {
  model?: string;
  field?: string;
  location?: SourcePosition;
}

/**
 * Adds model/field names and the declaration location to each item, using the schema's
 * `@@map`/`@map` names. Objects the schema does not have (removed ones) keep the location the
 * engine found in the migrations.
 */
export function attributeToSchema<T extends DatabaseDriftFacts>(
  items: readonly T[],
  schemaFiles: readonly SchemaFile[],
): Array<T & ModelTerms> {
  const index = new SchemaIndex(schemaFiles.map((f) => scanSchema(f.path, f.content)));
  return items.map((item) => attributeOne(item, index));
}

function attributeOne<T extends DatabaseDriftFacts>(item: T, index: SchemaIndex): T & ModelTerms {
  const out: T & ModelTerms = { ...item };
  if (item.object === 'enum' || item.object === 'enumValue') {
    const block = item.enum !== undefined ? index.enumForType(item.enum, item.schema) : undefined;
    if (!block) return out;
    out.model = block.name;
    if (item.object === 'enumValue' && item.value !== undefined) {
      const member = block.members.find((m) => m.dbName === item.value);
      if (member) {
        out.field = member.name;
        if (item.change !== 'removed') out.location = member.location;
        return out;
      }
    }
    if (item.change !== 'removed' || out.location === undefined) out.location = block.location;
    return out;
  }
  const model = item.table !== undefined ? index.modelForTable(item.table, item.schema) : undefined;
  if (!model) return out;
  out.model = model.name;
  const field = fieldFor(item, model, index);
  if (field) out.field = field.name;
  // A removed column or index still lives in the migrations only; point at where it was created
  // when the engine found that, else at the model.
  if (item.change === 'removed' && out.location !== undefined) return out;
  // An index or key: the `@@index`/`@@unique`/`@@id` line (or the field's `@unique`/`@id`), not the model's —
  // also when the engine names its one column (a single-column `@@index([key(ops: …)])` is declared on the
  // `@@index` line, not on the field's).
  const key =
    item.object === 'index' || item.object === 'primaryKey'
      ? index.keyLocation(model, item.object, (item as { name?: string }).name, keyColumns(item.sql))
      : undefined;
  out.location = key ?? field?.location ?? model.location;
  return out;
}

/** The columns of `CREATE INDEX … ON t (a, b)`, `PRIMARY KEY (a)`, `UNIQUE (a, b)`: first word of each, unquoted. */
function keyColumns(sql: string): string[] | undefined {
  const m =
    /(?:\bON\s+(?:ONLY\s+)?(?:"(?:[^"]|"")+"|\w+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|\w+))?(?:\s+USING\s+\w+)?|\bPRIMARY\s+KEY|\bUNIQUE)\s*\(([^()]*)\)/i.exec(
      sql,
    );
  if (!m) return undefined;
  return m[1]
    .split(',')
    .map((c) => c.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean)
    .map(unquoteIdent);
}

function fieldFor(
  item: DatabaseDriftFacts,
  model: SchemaBlock,
  index: SchemaIndex,
): SchemaBlock['members'][number] | undefined {
  if (item.column === undefined) return undefined;
  return index.fieldForColumn(model, item.column);
}

/** `User.activatedAt`, `InvoiceStatus.PAID`, `Invoice` — the model-terms name of an item, when it has one. */
export function modelTermsName(item: ModelTerms): string | undefined {
  if (item.model === undefined) return undefined;
  return item.field !== undefined ? `${item.model}.${item.field}` : item.model;
}

/** `users.activatedAt`, `invoice_status`, `invoices` — the database name of an item. */
export function databaseName(item: DatabaseDriftFacts): string {
  const qualify = (name: string): string =>
    item.schema !== undefined && item.schema !== 'public' ? `${item.schema}.${name}` : name;
  switch (item.object) {
    case 'enum':
      return qualify(item.enum ?? '?');
    case 'enumValue':
      return `${qualify(item.enum ?? '?')}.${item.value ?? '?'}`;
    case 'column':
      return `${qualify(item.table ?? '?')}.${item.column ?? '?'}`;
    default:
      return item.column !== undefined ? `${qualify(item.table ?? '?')}.${item.column}` : qualify(item.table ?? '?');
  }
}
