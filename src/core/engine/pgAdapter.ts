import * as l10n from '@vscode/l10n';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  type ConnectionInfo,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
  type TransactionOptions,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { toAdapterError } from './driverErrors';
import { locateFailingStatement } from './failingStatement';
import { EngineError, connectionError, describeUrl } from './engineError';
import { convertRow, pgTypeMapping } from './pgValues';
import { PgUrlError, parsePostgresUrl, sameDatabase, withDatabase, withoutParams } from '../util/pgUrl';
import { CLAIM_SHADOW_SQL, assertShadowContentIsSafe, resetSchemasSql } from './shadowSafety';

const ADAPTER_NAME = 'prisma-drift-guard-pg';

// Every value comes back as PostgreSQL's text output; pgValues converts it for the engine.
const rawText = { getTypeParser: () => (value: string) => value };

/** Connection settings derived from a Prisma-style PostgreSQL URL. */
export interface PgTarget {
  /** The URL as given (never logged: use {@link describeUrl}). */
  url: string;
  /** `?schema=` of the URL, `public` when absent (Prisma's default). */
  schema: string;
}

/** Parses a `postgresql://` / `postgres://` URL; throws `invalid-url` with a clear message otherwise. */
export function parsePgUrl(url: string): PgTarget {
  try {
    return { url, schema: parsePostgresUrl(url).schema };
  } catch (error) {
    if (!(error instanceof PgUrlError)) throw error;
    throw new EngineError({
      code: error.problem === 'not-postgres' ? 'unsupported-provider' : 'invalid-url',
      message: error.message,
    });
  }
}

function databaseOf(url: string): string {
  return parsePostgresUrl(url).database || 'postgres';
}

/**
 * Server-side limits of one connection: PostgreSQL itself cancels a statement that runs longer, or waits longer
 * for a lock, so nothing of ours stays queued on the server after we gave up (a closed socket alone does not
 * stop a query waiting for a lock).
 */
export interface QueryLimits {
  /** `statement_timeout`. */
  statementTimeoutMs?: number;
  /** `lock_timeout`. */
  lockTimeoutMs?: number;
}

function clientConfig(url: string, connectTimeoutMs: number, limits: QueryLimits = {}): pg.ClientConfig {
  // Prisma-only parameters are not libpq options; pg would pass unknown ones to the server.
  const prismaOnly = new Set([
    'schema',
    'connection_limit',
    'pool_timeout',
    'pgbouncer',
    'statement_cache_size',
    'socket_timeout',
    'connect_timeout',
  ]);
  return {
    connectionString: withoutParams(url, (key) => prismaOnly.has(key)),
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'prisma-drift-guard',
    ...(limits.statementTimeoutMs !== undefined
      ? { statement_timeout: Math.max(1, Math.round(limits.statementTimeoutMs)) }
      : {}),
    ...(limits.lockTimeoutMs !== undefined ? { lock_timeout: Math.max(1, Math.round(limits.lockTimeoutMs)) } : {}),
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Opens one `pg.Client` on `url` (our own reads: `_prisma_migrations`, shadow management). */
export async function openPgClient(
  url: string,
  purpose: string,
  connectTimeoutMs = 10_000,
  limits: QueryLimits = {},
  /** The operation that owns the connection (default: the one this code runs in, see {@link runWithConnections}). */
  owner: OperationConnections | null | undefined = currentConnections.getStore(),
): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(url, connectTimeoutMs, limits));
  // A socket error after connect must not become an uncaught exception in the host process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionError(error, url, purpose);
  }
  owner?.add(client, url, connectTimeoutMs);
  return client;
}

/** What {@link OperationConnections.cancelOnServer} did on one server. */
export interface ServerCancellation {
  /** `host:port/database` (no secret). */
  address: string;
  /** Queries of ours that were running or waiting there, and stopped when PostgreSQL cancelled them. */
  cancelled: number;
  /** Queries of ours still running after the wait (or that could not be cancelled). */
  stillRunning: number;
  /** Why the cancellation could not be asked or confirmed. */
  error?: string;
}

const currentConnections = new AsyncLocalStorage<OperationConnections>();

/** Runs `work` so that every connection {@link openPgClient} opens inside it (at any depth) belongs to `owner`. */
export function runWithConnections<T>(owner: OperationConnections, work: () => Promise<T>): Promise<T> {
  return currentConnections.run(owner, work);
}

/** How long a cancellation waits for the server to confirm that our queries stopped. */
const CANCEL_CONFIRM_MS = 5_000;

/**
 * The connections one operation opened. When the operation's own time limit fires first — before the server's
 * `statement_timeout`/`lock_timeout`, on a connection that has none (a shadow database), or when a tunnel made
 * the round trips slow — {@link cancelOnServer} cancels what they still run: closing our socket does not stop a
 * query PostgreSQL is running or one waiting for a lock.
 *
 * Cancelling goes through a second, short connection with the same URL (`pg_cancel_backend` of our own server
 * processes, which the same role may always do): it takes the same route as the first one — an SSH tunnel's local
 * port included — and, unlike the protocol's CancelRequest that gets no answer, it is confirmed by
 * `pg_stat_activity`.
 */
export class OperationConnections {
  private readonly clients = new Map<pg.Client, { url: string; connectTimeoutMs: number }>();

  add(client: pg.Client, url: string, connectTimeoutMs: number): void {
    this.clients.set(client, { url, connectTimeoutMs });
    client.once('end', () => this.clients.delete(client));
  }

  /** Cancels, on each server, the queries our open connections still run there, then closes those connections. */
  async cancelOnServer(): Promise<ServerCancellation[]> {
    const byUrl = new Map<string, { pids: number[]; clients: pg.Client[]; connectTimeoutMs: number }>();
    for (const [client, { url, connectTimeoutMs }] of this.clients) {
      const group = byUrl.get(url) ?? { pids: [], clients: [], connectTimeoutMs };
      group.clients.push(client);
      const pid = (client as unknown as { processID?: number | null }).processID;
      if (typeof pid === 'number') group.pids.push(pid);
      byUrl.set(url, group);
    }
    this.clients.clear();
    // Closed first, so that nothing of the abandoned call sends another query on them once the current one is
    // cancelled (a failed script is replayed to locate its statement, for one). Their server processes read our
    // Terminate as soon as they stop waiting, and exit with any transaction or lock they held.
    for (const group of byUrl.values()) for (const client of group.clients) void client.end().catch(() => undefined);
    const results = await Promise.all(
      [...byUrl].map(([url, group]) => cancelBackends(url, group.pids, group.connectTimeoutMs)),
    );
    return results.filter((r) => r.cancelled > 0 || r.stillRunning > 0 || r.error !== undefined);
  }
}

async function cancelBackends(url: string, pids: number[], connectTimeoutMs: number): Promise<ServerCancellation> {
  const address = describeUrl(url);
  if (pids.length === 0) return { address, cancelled: 0, stillRunning: 0 };
  let client: pg.Client | undefined;
  let running: number[] = [];
  try {
    client = await openPgClient(
      url,
      l10n.t('cancelling our query on the server'),
      Math.min(connectTimeoutMs, CANCEL_CONFIRM_MS),
      { statementTimeoutMs: CANCEL_CONFIRM_MS },
      null,
    );
    const active = async (): Promise<number[]> =>
      (
        await client!.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND state = 'active'`,
          [pids],
        )
      ).rows.map((r) => r.pid);
    running = await active();
    if (running.length === 0) return { address, cancelled: 0, stillRunning: 0 };
    const asked = running;
    await client.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [asked]);
    const deadline = Date.now() + CANCEL_CONFIRM_MS;
    // Cancelling is asynchronous on the server: wait until pg_stat_activity shows them stopped (or gone).
    while ((running = await active()).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { address, cancelled: asked.length - running.length, stillRunning: running.length };
  } catch (error) {
    const reason = error instanceof EngineError ? error.message : (error as Error).message;
    return { address, cancelled: 0, stillRunning: running.length || pids.length, error: reason };
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/**
 * Runs `work` within `timeoutMs`. When the limit fires first, our queries still running on a server (connections
 * opened inside `work`) are cancelled there, and the rejection — `message()` then what the cancellation did —
 * says so. For operations outside the engine session (which has its own guard): the connection test.
 */
export function withServerTimeLimit<T>(timeoutMs: number, message: () => string, work: () => Promise<T>): Promise<T> {
  const connections = new OperationConnections();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      void connections.cancelOnServer().then(
        (results) =>
          reject(
            new EngineError({
              code: 'timeout',
              message: [message(), describeCancellations(results)].filter(Boolean).join(' '),
            }),
          ),
        () => reject(new EngineError({ code: 'timeout', message: message() })),
      );
    }, timeoutMs);
    runWithConnections(connections, work).then(
      (value) => {
        if (settled) return;
        clearTimeout(timer);
        resolve(value);
      },
      (error: Error) => {
        if (settled) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** One sentence per server for a timeout message: what was cancelled there, or what may still run. */
export function describeCancellations(results: readonly ServerCancellation[]): string {
  return results
    .map((r) =>
      r.stillRunning === 0
        ? l10n.t('Our query still running on {0} was cancelled on the server.', r.address)
        : r.error !== undefined
          ? l10n.t(
              'Our query on {0} could not be cancelled on the server ({1}); it may still be running until PostgreSQL stops it.',
              r.address,
              r.error,
            )
          : l10n.t(
              'Our query on {0} was asked to stop but was still running {1} s later.',
              r.address,
              CANCEL_CONFIRM_MS / 1000,
            ),
    )
    .join(' ');
}

class PgQueryable {
  readonly provider = 'postgres' as const;
  readonly adapterName = ADAPTER_NAME;

  constructor(protected readonly client: pg.Client) {}

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    const result = await this.run(query);
    const mappings = result.fields.map((field) => pgTypeMapping(field.dataTypeID));
    return {
      columnNames: result.fields.map((field) => field.name),
      columnTypes: mappings.map((mapping) => mapping.columnType),
      rows: (result.rows as unknown[][]).map((row) => convertRow(row, mappings)),
    };
  }

  async executeRaw(query: SqlQuery): Promise<number> {
    return (await this.run(query)).rowCount ?? 0;
  }

  private async run(query: SqlQuery): Promise<pg.QueryArrayResult> {
    try {
      return await this.client.query({ text: query.sql, values: query.args, rowMode: 'array', types: rawText });
    } catch (error) {
      throw toAdapterError(error);
    }
  }
}

class PgTransaction extends PgQueryable implements Transaction {
  readonly options: TransactionOptions = { usePhantomQuery: false };

  // The engine sends COMMIT / ROLLBACK itself through executeRaw (usePhantomQuery: false);
  // the connection is the adapter's own, so there is nothing to release.
  async commit(): Promise<void> {}

  async rollback(): Promise<void> {}
}

/**
 * A schema-engine driver adapter over one dedicated `pg.Client`: session state (advisory
 * locks, `search_path`) stays on one connection, and scripts go to PostgreSQL whole through
 * the simple query protocol, exactly as `psql -f` sends them — `DO $$ … $$` blocks, function
 * bodies and `;` inside strings included.
 */
export class PgDriverAdapter extends PgQueryable implements SqlDriverAdapter {
  constructor(
    client: pg.Client,
    private readonly schema: string,
    private readonly onDispose: () => Promise<void>,
    private readonly onScriptError: (error: ScriptError) => void = () => undefined,
    /** Find the failing statement of a failed script by replaying it, rolled back: shadow databases only. */
    private readonly locateFailures = false,
  ) {
    super(client);
  }

  async executeScript(script: string): Promise<void> {
    try {
      // No parameters → simple query protocol → the server splits statements itself.
      await this.client.query(script);
    } catch (error) {
      const e = error as { message?: string; code?: string };
      const failure: ScriptError = { message: e.message ?? String(error), ...(e.code ? { code: e.code } : {}) };
      if (this.locateFailures) {
        // A script with its own BEGIN leaves the session in an aborted transaction.
        await this.client.query('ROLLBACK').catch(() => undefined);
        const statementOffset = await locateFailingStatement((sql) => this.client.query(sql), script, failure);
        failure.script = script;
        if (statementOffset !== undefined) failure.statementOffset = statementOffset;
      }
      this.onScriptError(failure);
      throw toAdapterError(error);
    }
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const tx = new PgTransaction(this.client);
    await tx.executeRaw({ sql: 'BEGIN', args: [], argTypes: [] });
    if (isolationLevel) {
      await tx.executeRaw({ sql: `SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`, args: [], argTypes: [] });
    }
    return tx;
  }

  getConnectionInfo(): ConnectionInfo {
    return { schemaName: this.schema, supportsRelationJoins: true };
  }

  /** Our own reads on this connection (plain rows, pg's default parsing), outside the engine's protocol. */
  async selectRows(sql: string): Promise<Array<Record<string, unknown>>> {
    return (await this.client.query(sql)).rows as Array<Record<string, unknown>>;
  }

  async dispose(): Promise<void> {
    await this.onDispose();
  }
}

/** The PostgreSQL error of the last script that failed (the engine reports it only as "external connector error"). */
export interface ScriptError {
  message: string;
  code?: string;
  /** On a shadow database: the script, and the offset of its failing statement when the replay found it. */
  script?: string;
  statementOffset?: number;
}

/** Options of {@link PgAdapterFactory}. */
export interface PgAdapterFactoryOptions {
  /** Main database. */
  url: string;
  /**
   * Explicit shadow database (the project's `shadowDatabaseUrl`). It is emptied before use.
   * Without it, a uniquely named database is created on the main server and dropped after.
   */
  shadowUrl?: string;
  connectTimeoutMs?: number;
  /** Server-side limits of the connections to the main database (see {@link QueryLimits}). */
  limits?: QueryLimits;
  /**
   * Accept `shadowUrl` equal to `url`: only for callers that never use `connect()` (the shadow
   * URL is then the only database the engine sees).
   */
  allowShadowEqualsMain?: boolean;
  /** Called with the name of each temporary shadow database created/dropped (tests, logs). */
  onShadowEvent?: (event: { kind: 'created' | 'dropped' | 'reset'; database: string }) => void;
}

/**
 * Migration-aware adapter factory over `pg`. `connect()` opens the main database;
 * `connectToShadowDb()` opens a database that is really separate from it:
 *  - the configured shadow URL (refused when it points at the main database), emptied first; or
 *  - `prisma_drift_guard_shadow_<random>` created on the main server through a maintenance
 *    connection, whose pool is ended *before* `DROP DATABASE` runs.
 */
export class PgAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = ADAPTER_NAME;
  private readonly target: PgTarget;
  private readonly connectTimeoutMs: number;
  /** Adapters handed out and not disposed yet: freeing the engine does not dispose them. */
  private readonly open = new Set<PgDriverAdapter>();
  /** The last script (migration) PostgreSQL rejected through one of this factory's adapters. */
  lastScriptError: ScriptError | undefined;
  /** The operation this factory was made for: the engine opens connections from its own callbacks. */
  private readonly owner = currentConnections.getStore();

  constructor(private readonly options: PgAdapterFactoryOptions) {
    this.target = parsePgUrl(options.url);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    if (options.shadowUrl) parsePgUrl(options.shadowUrl);
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.openAdapter(this.target.url, this.target.schema, l10n.t('connecting to the database'));
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    if (this.options.shadowUrl) return this.connectToConfiguredShadow(this.options.shadowUrl);
    return this.connectToTemporaryShadow();
  }

  /**
   * Disposes every adapter still open (connections, temporary shadow databases). The WASM engine
   * does not dispose its adapters when freed — a connection left open keeps Prisma's advisory
   * lock — so whoever creates an engine over this factory calls this when done with it.
   */
  async closeAll(): Promise<void> {
    const adapters = [...this.open];
    this.open.clear();
    await Promise.all(adapters.map((adapter) => adapter.dispose().catch(() => undefined)));
  }

  private async openAdapter(
    url: string,
    schema: string,
    purpose: string,
    onDispose?: () => Promise<void>,
    shadow = false,
  ): Promise<PgDriverAdapter> {
    let client: pg.Client;
    try {
      client = await openPgClient(url, purpose, this.connectTimeoutMs, shadow ? {} : this.options.limits, this.owner);
    } catch (error) {
      throw toAdapterError(errorCause(error));
    }
    if (schema !== 'public') {
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    }
    let disposed = false;
    const adapter: PgDriverAdapter = new PgDriverAdapter(
      client,
      schema,
      async () => {
        if (disposed) return;
        disposed = true;
        this.open.delete(adapter);
        await client.end().catch(() => undefined);
        await onDispose?.();
      },
      (error) => {
        this.lastScriptError = error;
      },
      shadow,
    );
    this.open.add(adapter);
    return adapter;
  }

  private async connectToConfiguredShadow(shadowUrl: string): Promise<SqlDriverAdapter> {
    if (!this.options.allowShadowEqualsMain && sameDatabase(shadowUrl, this.target.url)) {
      throw new EngineError({
        code: 'invalid-url',
        message: l10n.t(
          'The shadow database URL points at the main database ({0}): refusing to run shadow migrations there.',
          describeUrl(shadowUrl),
        ),
      });
    }
    const shadow = parsePgUrl(shadowUrl);
    const adapter = await this.openAdapter(
      shadowUrl,
      shadow.schema,
      l10n.t('connecting to the shadow database'),
      undefined,
      true,
    );
    try {
      // Before anything is emptied: a database holding what we did not put there is not a shadow (read-only).
      await assertShadowContentIsSafe(shadowUrl, async (sql) => adapter.selectRows(sql));
    } catch (error) {
      await adapter.dispose();
      throw error;
    }
    // The engine does not empty a shadow database it is handed (P3006 on leftovers): do it here, marker kept.
    await adapter.executeScript(CLAIM_SHADOW_SQL);
    this.options.onShadowEvent?.({ kind: 'reset', database: databaseOf(shadowUrl) });
    return adapter;
  }

  private async connectToTemporaryShadow(): Promise<SqlDriverAdapter> {
    const database = `prisma_drift_guard_shadow_${randomBytes(6).toString('hex')}`;
    let maintenance: pg.Client;
    try {
      maintenance = await openPgClient(
        this.target.url,
        l10n.t('creating the shadow database'),
        this.connectTimeoutMs,
        {},
        this.owner,
      );
    } catch (error) {
      throw toAdapterError(errorCause(error));
    }
    try {
      await maintenance.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } catch (error) {
      await maintenance.end().catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (code === '42501') {
        throw new EngineError({
          code: 'permission-denied',
          message: l10n.t(
            'The database user may not create the temporary shadow database on {0} (needs CREATEDB): set shadowDatabaseUrl, or use the embedded shadow.',
            describeUrl(this.target.url),
          ),
          detail: (error as Error).message,
        });
      }
      throw toAdapterError(error);
    }
    this.options.onShadowEvent?.({ kind: 'created', database });
    const shadowUrl = withDatabase(this.target.url, database);
    const dropShadow = async (): Promise<void> => {
      try {
        await maintenance.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
      } catch {
        // A backend still closing: PostgreSQL 13+ can terminate it for us.
        await maintenance.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`).catch(() => undefined);
      } finally {
        await maintenance.end().catch(() => undefined);
      }
      this.options.onShadowEvent?.({ kind: 'dropped', database });
    };
    try {
      // The shadow's own client is ended before DROP DATABASE (see openAdapter()'s onDispose order).
      return await this.openAdapter(shadowUrl, 'public', l10n.t('connecting to the shadow database'), dropShadow, true);
    } catch (error) {
      await dropShadow();
      throw error;
    }
  }
}

function errorCause(error: unknown): unknown {
  // openPgClient wraps pg errors; the engine wants the driver error to map it to P1000/P1001/P1003.
  return error instanceof EngineError ? { code: codeFor(error), message: error.message } : error;
}

function codeFor(error: EngineError): string {
  switch (error.code) {
    case 'authentication-failed':
      return '28P01';
    case 'database-not-found':
      return '3D000';
    case 'database-unreachable':
      return 'ECONNREFUSED';
    default:
      return 'XX000';
  }
}

/** Empties a database the way the engine expects a shadow database (see {@link resetSchemasSql}). */
export const RESET_SCHEMAS_SQL = resetSchemasSql();
