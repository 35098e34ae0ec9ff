import * as l10n from '@vscode/l10n';
/**
 * "Test the migration on a copy of the production database before deploying" (the team's rule 3), done
 * for them: the real database's schema (a `pg_dump`, possibly with rows) is loaded into a fresh embedded
 * PostgreSQL, its `_prisma_migrations` history recreated there, and the pending migrations applied one by
 * one as `migrate deploy` would — each script whole, through our PGlite driver adapter, recorded in the
 * copy's `_prisma_migrations`, stopping at the first failure. The real database is only read, in a
 * read-only session: its history, its version and its tables' row estimates.
 */
import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { midwayCommit, positionAt } from '../sql/sqlText';
import { type EmbeddedPostgres } from '../engine/embeddedShadow';
import { failingStatementOffset } from '../engine/failingStatement';
import { EngineError, describeUrl } from '../engine/engineError';
import { type ExtensionRequest, findExtensionRequests, pgliteHasExtension } from '../engine/extensions';
import { openPgClient, parsePgUrl } from '../engine/pgAdapter';
import { PgliteDriverAdapter } from '../engine/pgliteAdapter';
import { migrationChecksum } from '../history/checksums';
import { readMigrationRecords, type RowReader } from '../history/records';
import { computeHistoryStatus, type LocalMigration, type MigrationRecord } from '../history/status';
import { compareMigrationNames } from '../project/migrationOrder';
import {
  type CatalogSnapshot,
  destructiveChanges,
  readCatalog,
  type RehearsalWarning,
  type RowEstimates,
} from './catalog';
import { type DumpStep, dumpExtensions, parseDump } from './dumpScript';
import { type RehearsalReport, type RehearsalSource, type RehearsedMigration } from './report';

/** What {@link EngineApi.rehearse} needs besides the project. */
export interface RehearsalInput {
  /** The real database's dump (plain SQL, from `pg_dump --schema-only` or the environment's command). */
  dump: string;
  source: RehearsalSource;
  /** Name shown in the report: the environment, or the redacted URL. */
  target: string;
  /**
   * The real database, read (never written) for its `_prisma_migrations`, version and row estimates.
   * Without it the history must come with the dump (its `_prisma_migrations` rows).
   */
  url?: string;
}

/** What is read from the real database, in one read-only session. */
export interface RealDatabaseFacts {
  records: MigrationRecord[] | undefined;
  version?: string;
  rows: RowEstimates;
  schema: string;
}

/** Reads the history, the server version and row estimates of the real database, read-only. */
export async function readRealDatabase(url: string, connectTimeoutMs: number): Promise<RealDatabaseFacts> {
  const { schema } = parsePgUrl(url);
  const client = await openPgClient(url, l10n.t('reading the database to rehearse on'), connectTimeoutMs);
  try {
    // Belt and braces: this session cannot write, whatever runs in it.
    await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
    const read: RowReader = async (sql, params) =>
      (await client.query(sql, params)).rows as Array<Record<string, unknown>>;
    const records = await readMigrationRecords(read, schema);
    const shown = (await read('SHOW server_version'))[0]?.server_version;
    const version = typeof shown === 'string' && shown ? shown : undefined;
    const rows: RowEstimates = {};
    for (const row of await read(
      `SELECT n.nspname AS s, c.relname AS t, c.reltuples::float8 AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'`,
    )) {
      const n = Number(row.n);
      // -1: never vacuumed or analysed, unknown.
      rows[`${String(row.s)}.${String(row.t)}`] = Number.isFinite(n) && n >= 0 ? n : undefined;
    }
    return { records, ...(version ? { version } : {}), rows, schema };
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError({
      code: 'engine-error',
      message: l10n.t('Reading {0} for the rehearsal failed: {1}', describeUrl(url), (error as Error).message),
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Options of {@link rehearseOnCopy}. */
export interface CopyOptions {
  input: RehearsalInput;
  migrations: readonly LocalMigration[];
  /** From {@link readRealDatabase}, when a URL was given. */
  real?: RealDatabaseFacts;
  assetsDir?: string;
  log?: (message: string) => void;
}

/**
 * Runs the rehearsal on `copy`, a fresh embedded PostgreSQL owned by the caller (closed by it afterwards).
 * Never throws for what happens on the copy: dump statements that fail and migrations that fail are in
 * the report. Throws only when the copy cannot be started.
 */
export async function rehearseOnCopy(copy: EmbeddedPostgres, options: CopyOptions): Promise<RehearsalReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { input, real } = options;
  const dump = parseDump(input.dump);
  const notes: string[] = [];

  // Extensions: load what PGlite ships; what it does not is reported (and its objects are missing).
  const missingExtensions: string[] = [];
  const requests: ExtensionRequest[] = [];
  const migrationRequests = findExtensionRequests(options.migrations);
  for (const name of dumpExtensions(dump)) requests.push({ name, migration: 'the dump', line: 0 });
  for (const request of migrationRequests) if (!requests.some((r) => r.name === request.name)) requests.push(request);
  const usable = requests.filter((r) => {
    const ok = pgliteHasExtension(r.name);
    if (!ok && !missingExtensions.includes(r.name)) missingExtensions.push(r.name);
    return ok;
  });

  const db = await copy.instance(usable);
  const version = String(
    (await db.query<{ server_version?: string }>('SHOW server_version')).rows[0]?.server_version ?? '?',
  );

  // Load the dump, statement by statement: a statement that fails is noted, the rest still loads.
  const loadStarted = performance.now();
  const problems: RehearsalReport['copy']['problems'] = [];
  // Consecutive statements go in one round trip (one implicit transaction); when the batch fails, it
  // is rolled back as a whole and replayed statement by statement to keep the rest and name the culprit.
  let batch: Array<Extract<DumpStep, { kind: 'sql' }>> = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const steps = batch;
    batch = [];
    try {
      await db.exec(steps.map((s) => s.sql).join('\n'));
      return;
    } catch {
      await db.exec('ROLLBACK').catch(() => undefined);
    }
    for (const step of steps) {
      const problem = await loadStep(db, step, missingExtensions);
      if (problem) problems.push(problem);
    }
  };
  for (const step of dump.steps) {
    if (step.kind === 'sql' && !skipsExtension(step.sql, missingExtensions)) {
      batch.push(step);
      if (batch.length >= 400) await flush();
      continue;
    }
    await flush();
    const problem = await loadStep(db, step, missingExtensions);
    if (problem) problems.push(problem);
  }
  await flush();
  // The dump empties search_path and relaxes checks for its own session: back to a normal session.
  await db.exec('RESET ALL');
  const loadMs = performance.now() - loadStarted;

  const schema = real?.schema ?? (input.url ? parsePgUrl(input.url).schema : 'public');
  const table = `${quote(schema)}."_prisma_migrations"`;
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}; SET search_path TO ${quote(schema)};`);
  const read: RowReader = async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows;

  // The history: from the real database when we could read it, else the dump's own rows.
  let records: MigrationRecord[] | undefined;
  let historySource: RehearsalReport['history']['source'] = 'none';
  const inCopy = await readMigrationRecords(read, schema);
  if (real) {
    records = real.records;
    historySource = 'database';
    if (real.records && (inCopy === undefined || inCopy.length === 0)) {
      await db.exec(PRISMA_MIGRATIONS_DDL(table));
      for (const r of real.records) {
        await db.query(
          `INSERT INTO ${table} (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            r.id,
            r.checksum,
            r.finishedAt,
            r.migrationName,
            r.logs,
            r.rolledBackAt,
            r.startedAt || new Date().toISOString(),
            r.appliedStepsCount,
          ],
        );
      }
    }
  } else if (inCopy !== undefined) {
    records = inCopy;
    historySource = inCopy.length > 0 ? 'dump' : 'none';
    if (inCopy.length === 0) {
      notes.push(
        l10n.t(
          'The dump has a _prisma_migrations table but no rows (schema-only dump without a database to read): every migration counts as pending. Pass the database URL to read its history.',
        ),
      );
    }
  } else {
    notes.push(
      l10n.t(
        'No _prisma_migrations history (no database URL and none in the dump): every migration counts as pending, as on a database Prisma Migrate never touched.',
      ),
    );
  }
  await db.exec(PRISMA_MIGRATIONS_DDL(table));

  const status = computeHistoryStatus([...options.migrations], records);
  const blockers = status.migrations
    .filter((m) => m.state === 'failed')
    .map((m) =>
      m.missingLocally
        ? l10n.t(
            '{0} is recorded as failed on {1} and its folder is not in the migrations directory: migrate deploy refuses to run (P3009) until it is marked rolled back (or its folder restored and it is resolved).',
            m.name,
            input.target,
          )
        : l10n.t(
            '{0} is recorded as failed on {1}: migrate deploy refuses to run (P3009) until it is resolved (marked rolled back or applied).',
            m.name,
            input.target,
          ),
    );
  const applied = status.migrations.filter((m) => m.state === 'applied' || m.state === 'modified').length;
  for (const m of status.migrations.filter((s) => s.state === 'modified')) {
    const difference =
      m.difference === 'lineEndings'
        ? l10n.t('line endings')
        : m.difference === 'whitespace'
          ? l10n.t('whitespace')
          : l10n.t('content');
    notes.push(
      l10n.t(
        '{0} was modified after it was applied on {1} ({2}): migrate deploy does not re-run it.',
        m.name,
        input.target,
        difference,
      ),
    );
  }
  const pending = status.migrations
    .filter((m) => m.state === 'pending' || m.state === 'rolledBack')
    .sort((a, b) => compareMigrationNames(a.name, b.name))
    .map((m) => options.migrations.find((l) => l.name === m.name))
    .filter((m): m is LocalMigration => m !== undefined);

  // Apply them as migrate deploy does: record the start, run the script whole, record the end; stop at a failure.
  const adapter = new PgliteDriverAdapter(db);
  const catalogReader = async (sql: string): Promise<Array<Record<string, unknown>>> =>
    (await db.query<Record<string, unknown>>(sql)).rows;
  const rows = real?.rows ?? (dump.dataTables > 0 ? await countRows(db) : {});
  const results: RehearsedMigration[] = [];
  let failed = false;
  let before: CatalogSnapshot | undefined;
  for (const migration of pending) {
    if (failed) {
      results.push({ name: migration.name, status: 'notRun', warnings: [], sqlPath: migration.sqlPath });
      continue;
    }
    before ??= await readCatalog(catalogReader);
    const commit = midwayCommit(migration.sql);
    const commitWarnings: RehearsalWarning[] = commit
      ? [
          {
            kind: 'commitsMidway',
            object: migration.name,
            line: commit.line,
            message: commitsMidwayMessage(commit.statement),
          },
        ]
      : [];
    const id = randomUUID();
    await db.query(
      `INSERT INTO ${table} (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
      [id, migrationChecksum(migration.sql), migration.name],
    );
    const t0 = performance.now();
    try {
      await adapter.executeScript(migration.sql);
      const ms = performance.now() - t0;
      await db.query(`UPDATE ${table} SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
      const after = await readCatalog(catalogReader);
      results.push({
        name: migration.name,
        status: 'passed',
        ms,
        warnings: [...commitWarnings, ...destructiveChanges(before, after, migration.sql, rows)],
        sqlPath: migration.sqlPath,
      });
      before = after;
    } catch (error) {
      const ms = performance.now() - t0;
      await db.exec('ROLLBACK').catch(() => undefined);
      const details = postgresError(error);
      const offset = await failingStatementOffset(db, migration.sql, details);
      const position = offset !== undefined ? positionAt(migration.sql, offset) : undefined;
      await db.query(`UPDATE ${table} SET logs = $2 WHERE id = $1`, [id, details.message]).catch(() => undefined);
      results.push({
        name: migration.name,
        status: 'failed',
        ms,
        error: { ...details, ...(position ? { line: position.line, character: position.character } : {}) },
        warnings: commitWarnings,
        sqlPath: migration.sqlPath,
      });
      failed = true;
    }
  }

  if (dump.dataTables === 0 && results.some((r) => r.status === 'passed')) {
    notes.push(
      l10n.t(
        'The copy has the schema without rows: statements that depend on data (NOT NULL, unique indexes, type conversions, enum values in use) passed here and may still fail on the real database — see the warnings.',
      ),
    );
  }
  if (real?.version && !real.version.startsWith(version.split('.')[0] ?? '')) {
    notes.push(
      l10n.t(
        'The copy runs PostgreSQL {0} (embedded); the real database runs {1}: behaviour that differs between these versions is not rehearsed.',
        version,
        real.version,
      ),
    );
  }
  const warningCount = results.reduce((n, r) => n + r.warnings.length, 0);
  options.log?.(
    `rehearsal: ${results.length} pending migration(s) on a copy of ${input.target} in ${Math.round(performance.now() - started)} ms`,
  );
  return {
    target: input.target,
    startedAt,
    source: input.source,
    copy: {
      engine: l10n.t('PostgreSQL {0} (PGlite, embedded)', version),
      ...(real?.version
        ? { realVersion: real.version }
        : dump.serverVersion
          ? { realVersion: dump.serverVersion }
          : {}),
      loadMs,
      statements: dump.statements,
      skipped: dump.skipped,
      dataTables: dump.dataTables,
      problems,
      missingExtensions,
    },
    history: { source: historySource, recorded: records?.length ?? 0, applied },
    blockers,
    migrations: results,
    ok: blockers.length === 0 && !failed,
    warningCount,
    totalMs: performance.now() - started,
    notes,
  };
}

/** The rehearsal warning for a migration with an explicit COMMIT before other statements. */
export function commitsMidwayMessage(statement: string): string {
  return l10n.t(
    'Explicit {0} before other statements: what runs before it stays committed if a later statement fails, and migrate deploy then leaves the database half-migrated with the migration recorded as failed.',
    statement.toUpperCase(),
  );
}

/** `_prisma_migrations` exactly as Prisma's schema engine creates it on PostgreSQL. */
function PRISMA_MIGRATIONS_DDL(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;
}

async function loadStep(
  db: PGlite,
  step: DumpStep,
  missingExtensions: readonly string[],
): Promise<RehearsalReport['copy']['problems'][number] | undefined> {
  if (step.kind === 'copy') {
    if (step.rows === 0) return undefined;
    try {
      await db.query(`COPY ${step.table} ${step.columns ?? ''} FROM '/dev/blob'`, [], { blob: new Blob([step.data]) });
      return undefined;
    } catch (error) {
      return {
        line: step.line,
        statement:
          step.rows === 1
            ? l10n.t('COPY {0} (1 row)', step.table)
            : l10n.t('COPY {0} ({1} rows)', step.table, step.rows),
        message: (error as Error).message,
      };
    }
  }
  if (skipsExtension(step.sql, missingExtensions)) {
    return /^CREATE/i.test(step.sql)
      ? {
          line: step.line,
          statement: firstLine(step.sql),
          message: l10n.t('the embedded copy does not have this extension'),
        }
      : undefined;
  }
  try {
    await db.exec(step.sql);
    return undefined;
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    return { line: step.line, statement: firstLine(step.sql), message: (error as Error).message };
  }
}

/** `CREATE EXTENSION x` / `COMMENT ON EXTENSION x` for an extension the copy cannot load. */
function skipsExtension(sql: string, missingExtensions: readonly string[]): boolean {
  const ext = /^(?:CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?|COMMENT\s+ON\s+EXTENSION\s+)"?([\w-]+)"?/i.exec(sql);
  return ext !== null && missingExtensions.includes(ext[1].toLowerCase());
}

/** Exact row counts of the copy's tables (when the dump brought rows). */
async function countRows(db: PGlite): Promise<RowEstimates> {
  const tables = await db.query<{ s: string; t: string }>(
    `SELECT n.nspname AS s, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'`,
  );
  const rows: RowEstimates = {};
  for (const { s, t } of tables.rows) {
    const counted = await db
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quote(s)}.${quote(t)}`)
      .catch(() => undefined);
    rows[`${s}.${t}`] = counted?.rows[0]?.n;
  }
  return rows;
}

/** The PostgreSQL error behind a driver adapter error (SQLSTATE, message, detail, hint). */
function postgresError(error: unknown): { message: string; code?: string; detail?: string; hint?: string } {
  const cause = (error as { cause?: Record<string, unknown> }).cause;
  const source =
    cause && typeof cause === 'object' && typeof cause.message === 'string'
      ? cause
      : (error as Record<string, unknown>);
  const out: { message: string; code?: string; detail?: string; hint?: string } = {
    message: String(source.originalMessage ?? source.message ?? error),
  };
  const code = source.code ?? source.originalCode;
  if (typeof code === 'string') out.code = code;
  if (typeof source.detail === 'string' && source.detail) out.detail = source.detail;
  if (typeof source.hint === 'string' && source.hint) out.hint = source.hint;
  return out;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function firstLine(sql: string): string {
  const line = sql.split('\n')[0] ?? sql;
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}
