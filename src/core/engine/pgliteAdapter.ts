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
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { toAdapterError } from './driverErrors';
import { failingStatementOffset, type LocatedScriptFailure, scriptFailureOf } from './failingStatement';
import { convertRow, pgTypeMapping } from './pgValues';

const ADAPTER_NAME = 'prisma-drift-guard-pglite';

type Parser = (value: string) => string;

/**
 * Per-query parsers that return PostgreSQL's text output unchanged for every type PGlite knows
 * (PGlite merges them with a spread, so it must be a plain object with every OID as a key).
 */
function identityParsers(db: PGlite): Record<number, Parser> {
  const identity: Parser = (value) => value;
  const known = (db as unknown as { parsers?: Record<string, unknown> }).parsers ?? {};
  const parsers: Record<number, Parser> = {};
  for (const key of Object.keys(known)) parsers[Number(key)] = identity;
  return parsers;
}

class PgliteQueryable {
  readonly provider = 'postgres' as const;
  readonly adapterName = ADAPTER_NAME;

  constructor(protected readonly db: PGlite) {}

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    let result;
    try {
      result = await this.db.query<unknown[]>(query.sql, query.args, {
        rowMode: 'array',
        parsers: identityParsers(this.db),
      });
    } catch (error) {
      throw toAdapterError(error);
    }
    const mappings = result.fields.map((field) => pgTypeMapping(field.dataTypeID));
    return {
      columnNames: result.fields.map((field) => field.name),
      columnTypes: mappings.map((mapping) => mapping.columnType),
      rows: result.rows.map((row) => convertRow(row, mappings)),
    };
  }

  async executeRaw(query: SqlQuery): Promise<number> {
    try {
      const result = await this.db.query(query.sql, query.args);
      return result.affectedRows ?? 0;
    } catch (error) {
      throw toAdapterError(error);
    }
  }
}

class PgliteTransaction extends PgliteQueryable implements Transaction {
  readonly options: TransactionOptions = { usePhantomQuery: false };

  // The engine sends COMMIT / ROLLBACK itself (usePhantomQuery: false).
  async commit(): Promise<void> {}

  async rollback(): Promise<void> {}
}

/**
 * A schema-engine driver adapter over an in-process PGlite instance: `query` for statements,
 * `exec` (simple query protocol) for whole scripts. `dispose` does not close the instance:
 * its owner (the embedded shadow) keeps it for reuse.
 */
export class PgliteDriverAdapter extends PgliteQueryable implements SqlDriverAdapter {
  constructor(
    db: PGlite,
    private readonly onDispose: () => Promise<void> = async () => {},
    /**
     * Told of a script that failed, with its failing statement (replayed in a rolled-back transaction): only
     * for an instance we own (the embedded shadow), where the replay harms nothing.
     */
    private readonly onScriptError?: (failure: LocatedScriptFailure) => void,
  ) {
    super(db);
  }

  async executeScript(script: string): Promise<void> {
    try {
      await this.db.exec(script);
    } catch (error) {
      if (this.onScriptError) {
        // A script with its own BEGIN leaves the session in an aborted transaction.
        await this.db.exec('ROLLBACK').catch(() => undefined);
        const failure = scriptFailureOf(error);
        const statementOffset = await failingStatementOffset(this.db, script, failure);
        this.onScriptError({ ...failure, script, ...(statementOffset !== undefined ? { statementOffset } : {}) });
      }
      throw toAdapterError(error);
    }
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const tx = new PgliteTransaction(this.db);
    await tx.executeRaw({ sql: 'BEGIN', args: [], argTypes: [] });
    if (isolationLevel) {
      await tx.executeRaw({ sql: `SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`, args: [], argTypes: [] });
    }
    return tx;
  }

  getConnectionInfo(): ConnectionInfo {
    return { schemaName: 'public', supportsRelationJoins: true };
  }

  async dispose(): Promise<void> {
    await this.onDispose();
  }
}

/**
 * A factory whose main database and shadow database are given as adapters by the caller —
 * used to point the engine at an embedded PGlite (as main database for "migrated shadow" diffs,
 * or as shadow for `migrations` targets) or to pair a `pg` main database with a PGlite shadow.
 */
export class ComposedAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = ADAPTER_NAME;

  private readonly open = new Set<SqlDriverAdapter>();
  /** Set by the shadow adapter when a migration script failed on it (see {@link PgliteDriverAdapter}). */
  lastScriptFailure: LocatedScriptFailure | undefined;

  constructor(
    private readonly main: () => Promise<SqlDriverAdapter>,
    private readonly shadow: () => Promise<SqlDriverAdapter>,
  ) {}

  connect(): Promise<SqlDriverAdapter> {
    return this.track(this.main());
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.track(this.shadow());
  }

  /** Disposes the adapters handed out (the engine does not when it is freed). */
  async closeAll(): Promise<void> {
    const adapters = [...this.open];
    this.open.clear();
    await Promise.all(adapters.map((adapter) => adapter.dispose().catch(() => undefined)));
  }

  private async track(pending: Promise<SqlDriverAdapter>): Promise<SqlDriverAdapter> {
    const adapter = await pending;
    this.open.add(adapter);
    return adapter;
  }
}

/**
 * An adapter with no database behind it, for diffs between two datamodels. The engine probes its
 * connection when it starts (namespace exists, server version); that probe is answered as a
 * PostgreSQL 17 server (the embedded shadow's version). Anything else is refused.
 */
export class OfflineDriverAdapter implements SqlDriverAdapter {
  readonly provider = 'postgres' as const;
  readonly adapterName = ADAPTER_NAME;

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    if (/^SELECT EXISTS\(SELECT 1 FROM pg_namespace WHERE nspname = \$1\), version\(\)/.test(query.sql)) {
      return Promise.resolve({
        columnNames: ['exists', 'version', 'numeric_version'],
        columnTypes: [pgTypeMapping(16).columnType, pgTypeMapping(25).columnType, pgTypeMapping(23).columnType],
        rows: [[true, 'PostgreSQL 17.5 (prisma-drift-guard offline datamodel diff)', 170005]],
      });
    }
    return Promise.reject(
      toAdapterError({ code: '08003', message: 'No database: this engine only diffs datamodels.' }),
    );
  }

  executeRaw(): Promise<number> {
    return Promise.reject(
      toAdapterError({ code: '08003', message: 'No database: this engine only diffs datamodels.' }),
    );
  }

  executeScript(): Promise<void> {
    return Promise.reject(
      toAdapterError({ code: '08003', message: 'No database: this engine only diffs datamodels.' }),
    );
  }

  startTransaction(): Promise<Transaction> {
    return Promise.reject(
      toAdapterError({ code: '08003', message: 'No database: this engine only diffs datamodels.' }),
    );
  }

  getConnectionInfo(): ConnectionInfo {
    return { schemaName: 'public', supportsRelationJoins: true };
  }

  async dispose(): Promise<void> {}
}
