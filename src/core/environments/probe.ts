import * as l10n from '@vscode/l10n';
/**
 * "Test Connection" for a database: connect, say what answered, and whether Prisma Migrate has been there
 * (`_prisma_migrations` and what it records). Read-only: one connection, three SELECTs.
 */
import { EngineError, describeUrl } from '../engine/engineError';
import { openPgClient, parsePgUrl, type QueryLimits, withServerTimeLimit } from '../engine/pgAdapter';
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

/** Time limits of the connection test. */
export interface ProbeLimits {
  connectTimeoutMs?: number;
  /** The whole test (connect + reads); when it fires first, our query still running is cancelled on the server. Default 20 s. */
  timeoutMs?: number;
  /** Server-side limits of its reads (default: 10 s per statement, 5 s waiting for a lock). */
  query?: QueryLimits;
}

/**
 * Connects to `url` and reads the server version and `_prisma_migrations`. Rejects with an `EngineError`; a read
 * that waits for a lock (a migration holding `_prisma_migrations`) stops with a message saying so.
 */
export async function probeDatabase(url: string, limits: ProbeLimits = {}): Promise<DatabaseProbe> {
  const { schema } = parsePgUrl(url);
  const timeoutMs = limits.timeoutMs ?? 20_000;
  const query = limits.query ?? { statementTimeoutMs: 10_000, lockTimeoutMs: 5_000 };
  return withServerTimeLimit(
    timeoutMs,
    () =>
      l10n.t(
        'Testing the connection to {0} did not finish within {1} s.',
        describeUrl(url),
        Math.round(timeoutMs / 1000),
      ),
    () => probe(url, schema, limits.connectTimeoutMs ?? 10_000, query),
  );
}

async function probe(
  url: string,
  schema: string,
  connectTimeoutMs: number,
  limits: QueryLimits,
): Promise<DatabaseProbe> {
  const started = Date.now();
  const client = await openPgClient(url, l10n.t('testing the connection'), connectTimeoutMs, limits);
  try {
    const connectMs = Date.now() - started;
    const info = (
      await client.query<{ version: string; database: string; user: string }>(
        'SELECT current_setting(\'server_version\') AS version, current_database() AS database, current_user AS "user"',
      )
    ).rows[0];
    const records = await readMigrationRecords(
      async (sql, params) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>,
      schema,
    );
    const result: DatabaseProbe = {
      // `15.18 (Debian 15.18-0+deb12u1)`: the number is what matters.
      server: `PostgreSQL ${info?.version.split(' ')[0] ?? '?'}`,
      database: info?.database ?? '?',
      user: info?.user ?? '?',
      schema,
      connectMs,
    };
    if (records) {
      result.migrations = {
        recorded: records.length,
        finished: records.filter((r) => r.finishedAt && !r.rolledBackAt).length,
        failed: records.filter((r) => !r.finishedAt && !r.rolledBackAt).length,
        rolledBack: records.filter((r) => r.rolledBackAt).length,
      };
    }
    return result;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === '55P03') {
      throw new EngineError({
        code: 'timeout',
        message: l10n.t(
          'Reading {0} stopped after {1} s waiting for a lock another session holds (lock_timeout); PostgreSQL cancelled the query.',
          describeUrl(url),
          String((limits.lockTimeoutMs ?? 0) / 1000),
        ),
      });
    }
    if (code === '57014') {
      throw new EngineError({
        code: 'timeout',
        message: l10n.t(
          'Reading {0} stopped after {1} s (statement_timeout); PostgreSQL cancelled the query.',
          describeUrl(url),
          String((limits.statementTimeoutMs ?? 0) / 1000),
        ),
      });
    }
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
