import * as l10n from '@vscode/l10n';
/**
 * "Test Connection" for a database: connect, say what answered, and whether Prisma Migrate has been there
 * (`_prisma_migrations` and what it records). Read-only: one connection, three SELECTs.
 */
import { openPgClient, parsePgUrl } from '../engine/pgAdapter';
import { readMigrationRecords } from '../history/records';

/** What the database hop found. */
export interface DatabaseProbe {
  /** `PostgreSQL 15.8`. */
  server: string;
  database: string;
  user: string;
  /** Schema searched for `_prisma_migrations` (the URL's `?schema=`, default public). */
  schema: string;
  connectMs: number;
  /** Undefined when the table does not exist. */
  migrations?: { recorded: number; finished: number; failed: number; rolledBack: number };
}

/** Connects to `url` and reads the server version and `_prisma_migrations`. Rejects with an `EngineError`. */
export async function probeDatabase(url: string, connectTimeoutMs = 10_000): Promise<DatabaseProbe> {
  const { schema } = parsePgUrl(url);
  const started = Date.now();
  const client = await openPgClient(url, l10n.t('testing the connection'), connectTimeoutMs);
  try {
    const connectMs = Date.now() - started;
    const info = (await client.query<{ version: string; database: string; user: string }>('SELECT current_setting(\'server_version\') AS version, current_database() AS database, current_user AS "user"')).rows[0];
    const records = await readMigrationRecords(async (sql, params) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>, schema);
    const probe: DatabaseProbe = {
      // `15.18 (Debian 15.18-0+deb12u1)`: the number is what matters.
      server: `PostgreSQL ${info?.version.split(' ')[0] ?? '?'}`,
      database: info?.database ?? '?',
      user: info?.user ?? '?',
      schema,
      connectMs,
    };
    if (records) {
      probe.migrations = {
        recorded: records.length,
        finished: records.filter((r) => r.finishedAt && !r.rolledBackAt).length,
        failed: records.filter((r) => !r.finishedAt && !r.rolledBackAt).length,
        rolledBack: records.filter((r) => r.rolledBackAt).length,
      };
    }
    return probe;
  } finally {
    await client.end().catch(() => undefined);
  }
}
