import { type MigrationRecord } from './status';

/** Runs one parameterised query and returns rows as objects (a `pg.Client` or a PGlite instance wrapped). */
export type RowReader = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? '';
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const parsed = new Date(text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'));
  return Number.isNaN(parsed.getTime()) ? text : parsed.toISOString();
}

/**
 * Reads `<schema>._prisma_migrations` directly (a single SELECT: faster and simpler than asking the
 * engine, and it gives logs and times). Returns undefined when the table does not exist.
 */
export async function readMigrationRecords(read: RowReader, schema = 'public'): Promise<MigrationRecord[] | undefined> {
  const table = `${quoteIdent(schema)}."_prisma_migrations"`;
  const exists = await read('SELECT to_regclass($1) IS NOT NULL AS "exists"', [table]);
  if (!exists[0]?.exists) return undefined;
  const rows = await read(
    `SELECT id, checksum, migration_name, logs, started_at, finished_at, rolled_back_at, applied_steps_count FROM ${table} ORDER BY started_at, migration_name`,
  );
  return rows.map((row) => ({
    id: text(row.id),
    checksum: text(row.checksum),
    migrationName: text(row.migration_name),
    logs: row.logs === null || row.logs === undefined ? null : text(row.logs),
    startedAt: iso(row.started_at) ?? '',
    finishedAt: iso(row.finished_at),
    rolledBackAt: iso(row.rolled_back_at),
    appliedStepsCount: Number(row.applied_steps_count ?? 0),
  }));
}
