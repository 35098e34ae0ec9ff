import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import type { DiffParams, DiffTarget, MigrationList, SchemaContainer, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg' with { 'resolution-mode': 'import' };
import { enumValuesAfter, indexTablesAfter, locateRemovedObjects } from '../drift/creationSites';
import { type DriftItem, parseDiffScript } from '../drift/diffItems';
import { positionAt, splitQualified } from '../sql/sqlText';
import { readMigrationRecords } from '../history/records';
import { computeHistoryStatus, type HistoryStatus, type LocalMigration } from '../history/status';
import { type PrismaProject } from '../project/types';
import { readRealDatabase, type RehearsalInput, rehearseOnCopy } from '../rehearsal/rehearse';
import { type RehearsalReport } from '../rehearsal/report';
import {
  type BaselineOptions,
  type BaselineResult,
  type DeployResult,
  type DriftReport,
  type EngineApi,
  type MigrationProof,
  type EngineStats,
  type ResolveOptions,
  type ResolveResult,
  type SchemaDiffOptions,
} from './api';
import { createBaseline } from './baseline';
import { DATAMODEL_CACHE_FORMAT, datamodelLoses, SHADOW_FEATURES_BEYOND_DATAMODEL_SQL } from './datamodelFidelity';
import { EmbeddedPostgres } from './embeddedShadow';
import { failingStatementOffset, scriptFailureOf, withStatementLocation } from './failingStatement';
import { fromEngineError } from './engineErrors';
import { EngineError, describeUrl } from './errors';
import { findExtensionRequests } from './extensions';
import { type AbandonReason, EngineCallQueue, runEngineCall } from './callLimit';
import { adaptScriptToPrismaMajor, judgePrismaVersion } from '../project/prismaVersion';
import { OperationConnections, PgAdapterFactory, describeCancellations, openPgClient, parsePgUrl, runWithConnections, type QueryLimits } from './pgAdapter';
import { CHECK_CONSTRAINTS_SQL, type CheckConstraint, type MissingChange, missingChanges, proofOf, toCheckConstraints } from './resolveProof';
import { assertShadowIsSafe } from './shadowSafety';
import { ComposedAdapterFactory, OfflineDriverAdapter, PgliteDriverAdapter } from './pgliteAdapter';
import { type EngineSchema, migrationList, migrationsKey, prepareSchema, readLocalMigrations, requireLockFile } from './projectInput';
import { DEFAULT_ENGINE_TIMEOUTS, type EngineTimeouts } from './timeouts';
import { loadSchemaEngine, type SchemaEngineRuntime } from './wasmLoader';
import { writeFileAtomically } from '../util/atomicWrite';

export type { EngineTimeouts } from './timeouts';

/**
 * Server-side limits of a read (and of recording one migration row): PostgreSQL cancels the statement itself
 * a little before the operation's own limit, and stops waiting for a lock sooner (at most 5 s).
 */
function readLimits(operationMs: number): QueryLimits {
  return { statementTimeoutMs: Math.max(1, Math.floor(operationMs * 0.8)), lockTimeoutMs: Math.max(1, Math.min(5_000, Math.floor(operationMs / 2))) };
}

/** Server-side limits of a deploy: its own limit for each statement and each lock wait, cancelled by PostgreSQL just before it. */
function writeLimits(operationMs: number): QueryLimits {
  const ms = Math.max(1, Math.floor(operationMs * 0.95));
  return { statementTimeoutMs: ms, lockTimeoutMs: ms };
}

/** "timed out after N s waiting for a lock…" when PostgreSQL cancelled the statement for one of our limits. */
function serverTimeout(error: unknown, limits: QueryLimits): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  const s = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  if (code === '55P03') return l10n.t('stopped after {0} waiting for a lock another session holds (lock_timeout); PostgreSQL cancelled the query, nothing of ours is left waiting.', s(limits.lockTimeoutMs));
  if (code === '57014') return l10n.t('stopped after {0} (statement_timeout); PostgreSQL cancelled the query, nothing of ours is left running.', s(limits.statementTimeoutMs));
  return undefined;
}

/** Options of {@link EngineSession}. */
export interface EngineSessionOptions {
  /** Folder with the engine assets (dist/ layout); default next to the bundle, else node_modules. */
  assetsDir?: string;
  /** Folder for persisted PGlite data dirs (fast cold start). Undefined: nothing persisted. */
  cacheDir?: string;
  timeouts?: Partial<EngineTimeouts>;
  /** Log sink (URLs are never logged). */
  log?: (message: string) => void;
  /**
   * Close the embedded shadow (≈450 MB) after this long without use; it restarts from the cached
   * snapshot when migrations change. Schema edits do not need it once the end-state datamodel is
   * cached. Default 60 s; 0 = keep it.
   */
  embeddedIdleMs?: number;
  /**
   * Answer schema edits from the migrations' end state kept as a verified datamodel (default true). False:
   * every analysis on the embedded shadow introspects it (tests comparing both paths, benchmarks).
   */
  datamodelFastPath?: boolean;
}

const FILTERS = { externalTables: [] as string[], externalEnums: [] as string[] };

interface PreparedProject {
  schema: EngineSchema;
  lockFile: { path: string; content: string };
  migrations: LocalMigration[];
  list: MigrationList;
  /** Identity of the migrations (+ lock file): the migrated shadow's key. */
  key: string;
  /** `key` + the datasource/generator blocks: the key of the cached end-state datamodel. */
  datamodelKey: string;
}

/**
 * The engine layer in-process: one lazily loaded WASM schema engine, our own adapters, and one
 * embedded PGlite shadow kept migrated between analyses. Calls are serialised and each one is
 * guarded by a time limit. Used directly by the CLI and inside the engine worker process.
 */
export class EngineSession implements EngineApi {
  private readonly timeouts: EngineTimeouts;
  private embedded: EmbeddedPostgres;
  private readonly calls = new EngineCallQueue();
  private runtime: SchemaEngineRuntime | undefined;
  private engineVersion: string | undefined;
  /** Engine whose main database is the embedded shadow, with the PGlite instance it was built for. */
  private embeddedEngine: { engine: SchemaEngine; db: PGlite } | undefined;
  /** Engine with no database, for datamodel-to-datamodel diffs. */
  private offline: SchemaEngine | undefined;
  /**
   * The migrations' end state introspected from the migrated shadow as a Prisma datamodel, keyed
   * by migrations + datasource/generator blocks; `null` when it did not round-trip exactly.
   */
  private datamodels = new Map<string, SchemaContainer[] | null>();
  /** Migrations currently applied to the embedded shadow (to apply only appended ones). */
  private applied: LocalMigration[] = [];
  private disposed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EngineSessionOptions = {}) {
    this.timeouts = { ...DEFAULT_ENGINE_TIMEOUTS, ...options.timeouts };
    this.embedded = this.newEmbedded();
  }

  diffMigrationsToSchema(project: PrismaProject, options: SchemaDiffOptions = {}): Promise<DriftReport> {
    return this.serial(l10n.t('schema vs migrations'), this.timeouts.analysisMs, async () => {
      const prepared = await this.prepare(project, options.schemaFiles);
      const shadow = options.shadow ?? { kind: 'embedded' };
      const started = performance.now();
      if (shadow.kind !== 'embedded') {
        if (shadow.kind === 'url') await assertShadowIsSafe(shadow.url, shadow.protect ?? [], (url) => openPgClient(url, l10n.t('connecting to the shadow database'), this.timeouts.connectMs));
        else await this.preflight(shadow.url, l10n.t('connecting to the shadow database server'));
        // Only connectToShadowDb is ever used: the engine gets no "main" database at all here.
        const pgFactory =
          shadow.kind === 'url'
            ? new PgAdapterFactory({ url: shadow.url, shadowUrl: shadow.url, connectTimeoutMs: this.timeouts.connectMs, allowShadowEqualsMain: true })
            : new PgAdapterFactory({ url: shadow.url, connectTimeoutMs: this.timeouts.connectMs });
        // The engine probes a main connection when it starts: it gets the offline one.
        const factory = new ComposedAdapterFactory(
          () => Promise.resolve(new OfflineDriverAdapter()),
          () => pgFactory.connectToShadowDb(),
        );
        await this.validateSchema(prepared.schema);
        const script = await this.withEngine(prepared.schema, factory, (engine) =>
          engine.diff(diffParams({ tag: 'migrations', ...prepared.list }, { tag: 'schemaDatamodel', files: prepared.schema.files })),
        ).catch((error: unknown) => {
          throw withStatementLocation(error, pgFactory.lastScriptError, prepared.migrations);
        });
        return this.report(asProjectPrisma(script, project), prepared, 'url', started, undefined);
      }
      // Fast path: the migrations' end state as a verified datamodel — no database involved.
      await this.ensureRuntime();
      const datamodel = this.options.datamodelFastPath === false || options.forWriting ? undefined : await this.cachedDatamodel(prepared);
      if (datamodel) {
        const engine = await this.offlineEngine(prepared.schema);
        const result = await engine.diff(diffParams({ tag: 'schemaDatamodel', files: datamodel }, { tag: 'schemaDatamodel', files: prepared.schema.files }));
        return this.report(asProjectPrisma(result.stdout ?? '', project), prepared, 'embedded-datamodel', started, undefined);
      }
      // A schema error in seconds, not after migrating the shadow.
      if (this.embedded.holding !== prepared.key) await this.validateSchema(prepared.schema);
      const migrateStarted = performance.now();
      const { db, reused } = await this.migratedEmbedded(prepared);
      const migrateMs = performance.now() - migrateStarted;
      const engine = await this.engineOverEmbedded(prepared.schema, db);
      const result = await engine.diff(
        diffParams({ tag: 'schemaDatasource', files: prepared.schema.files, configDir: project.root }, { tag: 'schemaDatamodel', files: prepared.schema.files }),
      );
      if (this.options.datamodelFastPath !== false) this.scheduleDatamodelCapture(prepared, project.root);
      return this.report(asProjectPrisma(result.stdout ?? '', project), prepared, reused ? 'embedded-cached' : 'embedded-migrated', started, reused ? undefined : migrateMs);
    });
  }

  diffMigrationsToDatabase(project: PrismaProject, url: string): Promise<DriftReport> {
    return this.serial(l10n.t('database vs migrations'), this.timeouts.analysisMs, async () => {
      const prepared = await this.prepare(project);
      const target = parsePgUrl(url);
      await this.preflight(target.url, l10n.t('connecting to the database'));
      const started = performance.now();
      await this.validateSchema(prepared.schema);
      const factory = this.databaseWithEmbeddedShadow(url, prepared);
      const script = await this.withEngine(prepared.schema, factory, (engine) =>
        engine.diff(diffParams({ tag: 'migrations', ...prepared.list }, { tag: 'schemaDatasource', files: prepared.schema.files, configDir: project.root })),
      ).catch((error: unknown) => {
        throw withStatementLocation(error, factory.lastScriptFailure, prepared.migrations);
      });
      // The engine left the embedded shadow holding exactly these migrations.
      this.embedded.markHolding(prepared.key);
      this.applied = prepared.migrations;
      return this.report(script, prepared, 'embedded-migrated', started, undefined);
    });
  }

  diffDatabaseToSchema(project: PrismaProject, url: string): Promise<DriftReport> {
    return this.serial(l10n.t('database vs schema'), this.timeouts.analysisMs, async () => {
      const schema = prepareSchema(project.schemaFiles);
      parsePgUrl(url);
      await this.preflight(url, l10n.t('connecting to the database'));
      const started = performance.now();
      const factory = new PgAdapterFactory({ url, connectTimeoutMs: this.timeouts.connectMs, limits: readLimits(this.timeouts.analysisMs) });
      const script = asProjectPrisma(
        normalizeScript(
          await this.withEngine(schema, factory, (engine) =>
            engine.diff(diffParams({ tag: 'schemaDatasource', files: schema.files, configDir: project.root }, { tag: 'schemaDatamodel', files: schema.files })),
          ),
        ),
        project,
      );
      const items = parseDiffScript(script);
      const totalMs = performance.now() - started;
      return { script, items, empty: script.trim() === '', shadow: 'none', timings: { totalMs, diffMs: totalMs } };
    });
  }

  historyStatus(project: PrismaProject, url: string): Promise<HistoryStatus> {
    return this.serial(l10n.t('migration status'), this.timeouts.historyMs, async () => {
      const target = parsePgUrl(url);
      requireLockFileOrFolder(project);
      const migrations = await readLocalMigrations(project);
      const limits = readLimits(this.timeouts.historyMs);
      const client = await openPgClient(url, l10n.t('reading _prisma_migrations'), this.timeouts.connectMs, limits);
      try {
        const records = await readMigrationRecords(async (sql, params) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>, target.schema);
        return computeHistoryStatus(migrations, records);
      } catch (error) {
        const stopped = serverTimeout(error, limits);
        if (stopped) throw new EngineError({ code: 'timeout', message: l10n.t('Reading _prisma_migrations on {0} {1}', describeUrl(url), stopped) });
        throw new EngineError({ code: 'engine-error', message: l10n.t('Reading _prisma_migrations on {0} failed: {1}', describeUrl(url), (error as Error).message) });
      } finally {
        await client.end().catch(() => undefined);
      }
    });
  }

  /** Drafts, verifies on the shadow, then installs the baseline (see ./baseline.ts: nothing unverified lands in the migrations). */
  createBaseline(project: PrismaProject, options: BaselineOptions = {}): Promise<BaselineResult> {
    return createBaseline(project, options, (p) => this.diffMigrationsToSchema(p, { forWriting: true }));
  }

  resolve(project: PrismaProject, url: string, options: ResolveOptions): Promise<ResolveResult> {
    const name = options.applied ?? options.rolledBack;
    if (!name || (options.applied && options.rolledBack)) {
      return Promise.reject(new EngineError({ code: 'invalid-argument', message: l10n.t('resolve needs exactly one of --applied NAME or --rolled-back NAME.') }));
    }
    return this.serial(l10n.t('resolve {0}', name), this.timeouts.analysisMs, async () => {
      const prepared = await this.prepare(project);
      await this.preflight(url, l10n.t('connecting to the database'));
      const index = prepared.migrations.findIndex((m) => m.name === name);
      if (options.rolledBack) {
        const factory = new PgAdapterFactory({ url, connectTimeoutMs: this.timeouts.connectMs, limits: readLimits(this.timeouts.analysisMs) });
        await this.withEngine(prepared.schema, factory, async (engine) => {
          await engine.markMigrationRolledBack({ migrationName: name });
          return '';
        });
        return { migration: name, action: 'rolledBack', recorded: true, missing: [], missingChanges: [], forced: false, message: l10n.t('Recorded {0} as rolled back on {1}.', name, describeUrl(url)) };
      }
      if (index < 0) {
        throw new EngineError({ code: 'unknown-migration', message: l10n.t('No migration named {0} in {1}.', name, project.migrationsDir), migration: name });
      }
      const { items: missing, changes: missingChanges } = await this.missingObjects(prepared, index, url, project);
      if (missingChanges.length > 0 && !options.force) {
        throw new EngineError({
          code: 'refused',
          migration: name,
          message: l10n.t('Refusing to record {0} as applied: the database {1} does not have every change it makes — {2}. Nothing was written.', name, describeUrl(url), missingChanges.map((c) => c.description).join('; ')),
        });
      }
      const factory = new PgAdapterFactory({ url, connectTimeoutMs: this.timeouts.connectMs, limits: readLimits(this.timeouts.analysisMs) });
      await this.withEngine(prepared.schema, factory, async (engine) => {
        await engine.markMigrationApplied({ migrationName: name, migrationsList: prepared.list });
        return '';
      });
      const forced = missingChanges.length > 0;
      return {
        migration: name,
        action: 'applied',
        recorded: true,
        missing,
        missingChanges,
        forced,
        message: forced
          ? l10n.t('FORCED: recorded {0} as applied on {1} although the database lacks {2}.', name, describeUrl(url), missingChanges.map((c) => c.description).join('; '))
          : l10n.t('Recorded {0} as applied on {1}: the database already has every change it makes.', name, describeUrl(url)),
      };
    });
  }

  migrationProofs(project: PrismaProject, url: string, migrations: string[]): Promise<MigrationProof[]> {
    return this.serial(l10n.t('migration proofs'), this.timeouts.deployMs, async () => {
      const prepared = await this.prepare(project);
      await this.preflight(url, l10n.t('connecting to the database'));
      const indexes = migrations.map((name) => {
        const index = prepared.migrations.findIndex((m) => m.name === name);
        if (index < 0) throw new EngineError({ code: 'unknown-migration', message: l10n.t('No migration named {0} in {1}.', name, project.migrationsDir), migration: name });
        return index;
      });
      if (indexes.length === 0) return [];
      // Consecutive pending migrations share a state (after one = before the next): each state is diffed once.
      const states = new Map<number, { items: DriftItem[]; checks: CheckConstraint[] }>();
      const stateAt = async (count: number): Promise<{ items: DriftItem[]; checks: CheckConstraint[] }> => {
        let state = states.get(count);
        if (!state) states.set(count, (state = await this.databaseStateAt(prepared, count, url, project)));
        return state;
      };
      const database = await this.databaseChecks(url);
      const out: MigrationProof[] = [];
      for (const [i, index] of indexes.entries()) {
        const before = await stateAt(index);
        const after = await stateAt(index + 1);
        const proof = proofOf({ before: before.items, after: after.items, checks: { before: before.checks, after: after.checks, database }, schemaFiles: project.schemaFiles });
        out.push({ migration: migrations[i], present: proof.present, missing: proof.changes });
      }
      return out;
    });
  }

  deploy(project: PrismaProject, url: string): Promise<DeployResult> {
    return this.serial(l10n.t('deploy'), this.timeouts.deployMs, async () => {
      const prepared = await this.prepare(project);
      await this.preflight(url, l10n.t('connecting to the database'));
      const factory = new PgAdapterFactory({ url, connectTimeoutMs: this.timeouts.connectMs, limits: writeLimits(this.timeouts.deployMs) });
      let applied: string[] = [];
      try {
        await this.withEngine(prepared.schema, factory, async (engine) => {
          applied = (await engine.applyMigrations({ migrationsList: prepared.list, filters: FILTERS })).appliedMigrationNames;
          return '';
        });
      } catch (error) {
        const scriptError = factory.lastScriptError;
        if (!scriptError) throw error;
        // The engine says only "external connector error": name the migration and the real error.
        const failed = await this.failedMigrationName(url);
        throw new EngineError({
          code: 'migration-failed',
          migration: failed,
          message: l10n.t('Migration {0} failed on {1}: {2}. It is recorded as failed: fix it, mark it rolled back, then deploy again.', failed ?? l10n.t('(unknown)'), describeUrl(url), `${scriptError.message}${scriptError.code ? ` [${scriptError.code}]` : ''}`),
          location: failed ? { file: path.join(project.migrationsDir, failed, 'migration.sql'), line: 1, character: 1 } : undefined,
        });
      }
      return { applied, message: applied.length > 0 ? l10n.t('Applied {0} migration(s): {1}.', applied.length, applied.join(', ')) : l10n.t('No pending migration.') };
    });
  }

  rehearse(project: PrismaProject, input: RehearsalInput): Promise<RehearsalReport> {
    return this.serial(l10n.t('deploy rehearsal'), this.timeouts.deployMs, async () => {
      requireLockFileOrFolder(project);
      const migrations = await readLocalMigrations(project);
      const real = input.url ? await readRealDatabase(input.url, this.timeouts.connectMs) : undefined;
      // The copy needs its own fresh instance; the analyses' shadow (≈450 MB) restarts from its snapshot later.
      this.dropEmbeddedEngine();
      this.applied = [];
      await this.embedded.close();
      const copy = new EmbeddedPostgres({ assetsDir: this.options.assetsDir, cacheDir: this.options.cacheDir, log: this.options.log });
      try {
        return await rehearseOnCopy(copy, { input, migrations, ...(real ? { real } : {}), assetsDir: this.options.assetsDir, log: (m) => this.log(m) });
      } finally {
        await copy.close();
      }
    });
  }

  async stats(): Promise<EngineStats> {
    const memory = process.memoryUsage();
    const stats: EngineStats = {
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      embeddedShadowRunning: this.embedded.running,
    };
    if (this.engineVersion) stats.engineVersion = this.engineVersion;
    if (this.embedded.startInfo) stats.embeddedStart = { ...this.embedded.startInfo };
    return Promise.resolve(stats);
  }

  /** Frees the engine and closes the embedded shadow. The session can be used again afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    await this.calls.idle();
    this.dropEmbeddedEngine();
    await this.embedded.close();
    this.disposed = false;
  }

  /** For benchmarks: forget the migrated state so the next analysis re-applies every migration. */
  async forgetMigratedShadow(): Promise<void> {
    await this.serial(l10n.t('reset shadow'), this.timeouts.analysisMs, async () => {
      await this.embedded.reset();
    });
  }

  /**
   * For benchmarks: what `prisma migrate diff --from-migrations --to-schema-datamodel` does —
   * a freshly emptied shadow, every migration applied by the engine, then the diff.
   */
  diffMigrationsToSchemaFresh(project: PrismaProject): Promise<DriftReport> {
    return this.serial(l10n.t('schema vs migrations (fresh shadow)'), this.timeouts.analysisMs, async () => {
      const prepared = await this.prepare(project);
      const started = performance.now();
      const db = await this.embedded.instance(findExtensionRequests(prepared.migrations));
      const factory = new ComposedAdapterFactory(
        () => Promise.resolve(new PgliteDriverAdapter(db)),
        async () => {
          await this.embedded.reset();
          return new PgliteDriverAdapter(db);
        },
      );
      const script = await this.withEngine(prepared.schema, factory, (engine) =>
        engine.diff(diffParams({ tag: 'migrations', ...prepared.list }, { tag: 'schemaDatamodel', files: prepared.schema.files })),
      );
      this.embedded.markHolding(prepared.key);
      this.applied = prepared.migrations;
      return this.report(asProjectPrisma(script, project), prepared, 'embedded-migrated', started, undefined);
    });
  }

  // ---------------------------------------------------------------------------------------------

  private newEmbedded(): EmbeddedPostgres {
    return new EmbeddedPostgres({ assetsDir: this.options.assetsDir, cacheDir: this.options.cacheDir, log: this.options.log });
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  /** Runs calls one at a time, each with a time limit, the caller's cancellation and the crash trap. */
  private serial<T>(what: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
    const run = (): Promise<T> => {
      // Every connection the call opens, so that its time limit or cancellation can stop what they still run on the server.
      const connections = new OperationConnections();
      return runEngineCall(
        what,
        timeoutMs,
        () => runWithConnections(connections, work),
        (error) => fromEngineError(error, { what }),
        (reason) => this.abandon(what, reason),
        async () => describeCancellations(await connections.cancelOnServer()) || undefined,
      );
    };
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const result = this.calls.run(what, run);
    this.calls.whenIdle(() => this.armIdle());
    return result;
  }

  private armIdle(): void {
    const idleMs = this.options.embeddedIdleMs ?? 60_000;
    if (idleMs <= 0 || this.disposed || !this.embedded.running) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      void this.serial(l10n.t('closing the idle shadow'), this.timeouts.analysisMs, async () => {
        this.log('embedded shadow: closed after inactivity');
        this.dropEmbeddedEngine();
        this.applied = [];
        await this.embedded.close();
      }).catch(() => undefined);
    }, idleMs);
    this.idleTimer.unref();
  }

  /** After a timeout or a crash the engine and the embedded database may be stuck: start over. */
  private abandon(what: string, reason: AbandonReason): void {
    this.log(`engine: abandoning the engine after ${reason} in ${what}`);
    this.dropEmbeddedEngine();
    const old = this.embedded;
    this.embedded = this.newEmbedded();
    this.applied = [];
    void old.close();
  }

  private async ensureRuntime(): Promise<SchemaEngineRuntime> {
    if (this.runtime) return this.runtime;
    const loaded = await loadSchemaEngine(this.options.assetsDir);
    this.runtime = loaded.runtime;
    this.engineVersion = loaded.version;
    this.log(`engine: schema engine ${loaded.version} loaded in ${Math.round(loaded.loadMs)} ms`);
    return this.runtime;
  }

  private async newEngine(schema: EngineSchema, factory: SqlMigrationAwareDriverAdapterFactory): Promise<SchemaEngine> {
    const runtime = await this.ensureRuntime();
    const datamodels = schema.files.map((f): [string, string] => [f.path, f.content]);
    try {
      return await runtime.SchemaEngine.new({ datamodels }, (line: string) => this.engineLog(line), bindMigrationAwareSqlAdapterFactory(factory));
    } catch (error) {
      throw fromEngineError(error, { what: l10n.t('starting the schema engine'), schemaFiles: schema.files.map((f) => f.path) });
    }
  }

  private engineLog(line: string): void {
    if (!this.options.log) return;
    try {
      const parsed = JSON.parse(line) as { level?: string; fields?: { message?: string } };
      if (parsed.level === 'ERROR' || parsed.level === 'WARN') this.log(`engine ${parsed.level}: ${parsed.fields?.message ?? line.trim()}`);
    } catch {
      // not JSON: ignore
    }
  }

  /** A short-lived engine for one operation: created, used, freed. */
  private async withEngine(
    schema: EngineSchema,
    factory: SqlMigrationAwareDriverAdapterFactory & { closeAll(): Promise<void> },
    use: (engine: SchemaEngine) => Promise<{ stdout: string | null } | string>,
  ): Promise<string> {
    try {
      const engine = await this.newEngine(schema, factory);
      try {
        const result = await use(engine);
        return typeof result === 'string' ? result : (result.stdout ?? '');
      } catch (error) {
        throw fromEngineError(error, { what: l10n.t('the analysis'), schemaFiles: schema.files.map((f) => f.path) });
      } finally {
        engine.free();
      }
    } finally {
      // Connections (and Prisma's advisory lock with them) and temporary shadow databases.
      await factory.closeAll();
    }
  }

  private async engineOverEmbedded(schema: EngineSchema, db: PGlite): Promise<SchemaEngine> {
    if (this.embeddedEngine && this.embeddedEngine.db === db) return this.embeddedEngine.engine;
    this.dropEmbeddedEngine();
    const factory = new ComposedAdapterFactory(
      () => Promise.resolve(new PgliteDriverAdapter(db)),
      () => Promise.reject(new EngineError({ code: 'engine-error', message: 'internal: no shadow database for a migrated-shadow diff' })),
    );
    const engine = await this.newEngine(schema, factory);
    this.embeddedEngine = { engine, db };
    return engine;
  }

  private dropEmbeddedEngine(): void {
    if (this.offline) {
      try {
        this.offline.free();
      } catch {
        // already freed
      }
      this.offline = undefined;
    }
    if (!this.embeddedEngine) return;
    try {
      this.embeddedEngine.engine.free();
    } catch {
      // already freed or poisoned
    }
    this.embeddedEngine = undefined;
  }

  /** Schema + lock file + migrations of a project, validated and read. */
  private async prepare(project: PrismaProject, schemaFiles = project.schemaFiles): Promise<PreparedProject> {
    if (this.disposed) throw new EngineError({ code: 'engine-error', message: l10n.t('The engine session is being disposed.') });
    if (schemaFiles.length === 0) {
      throw new EngineError({ code: 'invalid-schema', message: l10n.t('No Prisma schema found for {0}.', project.root) });
    }
    const schema = prepareSchema(schemaFiles);
    const lockFile = requireLockFile(project);
    const migrations = await readLocalMigrations(project);
    const list = migrationList(project.migrationsDir, lockFile, migrations);
    const key = createHash('sha256').update(`${migrationsKey(migrations)}\0${lockFile.content}`).digest('hex');
    const config = schema.files.map((f) => (f.content.match(/^\s*(?:datasource|generator)\s+\w+\s*\{[^}]*\}/gm) ?? []).join('\n')).join('\n');
    const datamodelKey = createHash('sha256').update(`${key}\0${config}`).digest('hex');
    return { schema, lockFile, migrations, list, key, datamodelKey };
  }

  /**
   * The embedded shadow holding exactly the project's migrations. Unchanged migrations: reused as
   * is. Migrations appended after the ones it holds: only those are applied. Anything else: the
   * shadow is emptied and every migration applied again, each failure naming its migration.
   */
  private async migratedEmbedded(prepared: PreparedProject): Promise<{ db: PGlite; reused: boolean }> {
    const requests = findExtensionRequests(prepared.migrations);
    const db = await this.embedded.instance(requests, prepared.key);
    if (this.embedded.holding === prepared.key) {
      this.applied = prepared.migrations;
      return { db, reused: true };
    }
    const held = this.embedded.holding !== undefined ? this.applied : [];
    const appendOnly =
      held.length > 0 && held.length < prepared.migrations.length && held.every((m, i) => m.name === prepared.migrations[i].name && m.sql === prepared.migrations[i].sql);
    const toApply = appendOnly ? prepared.migrations.slice(held.length) : prepared.migrations;
    if (!appendOnly) await this.embedded.reset();
    this.embedded.markHolding(undefined);
    this.applied = [];
    for (const migration of toApply) {
      try {
        await db.exec(migration.sql);
      } catch (error) {
        await db.exec('ROLLBACK').catch(() => undefined);
        throw migrationFailure(migration, error, await failingStatementOffset(db, migration.sql, scriptFailureOf(error)));
      }
    }
    this.embedded.markHolding(prepared.key);
    this.applied = prepared.migrations;
    // Persist the migrated state for the next process, after this call has answered.
    void this.serial(l10n.t('saving the shadow snapshot'), this.timeouts.analysisMs, async () => {
      if (this.embedded.holding === prepared.key) await this.embedded.saveSnapshot(prepared.key);
    }).catch((error: unknown) => this.log(`embedded shadow: snapshot not saved: ${(error as Error).message}`));
    return { db, reused: false };
  }

  /** The verified end-state datamodel for these migrations, from memory or the cache folder. */
  private async cachedDatamodel(prepared: PreparedProject): Promise<SchemaContainer[] | null | undefined> {
    if (this.datamodels.has(prepared.datamodelKey)) return this.datamodels.get(prepared.datamodelKey);
    const file = this.datamodelFile(prepared.datamodelKey);
    if (!file) return undefined;
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const entry = parseDatamodelEntry(text);
    if (entry === undefined) {
      // Corrupt or foreign: never trusted, rebuilt by the next analysis on the shadow.
      this.log(`engine: ignoring the unreadable cache entry ${path.basename(file)}`);
      await rm(file, { force: true });
      return undefined;
    }
    this.datamodels.set(prepared.datamodelKey, entry);
    return entry;
  }

  private datamodelFile(key: string): string | undefined {
    if (!this.options.cacheDir || !this.engineVersion) return undefined;
    const id = createHash('sha256').update(`${key}\0${this.engineVersion}\0${DATAMODEL_CACHE_FORMAT}`).digest('hex').slice(0, 24);
    return path.join(this.options.cacheDir, `datamodel-${id}.json`);
  }

  /**
   * After an analysis on the migrated shadow: introspect it into a datamodel and keep that datamodel
   * only if diffing it against the shadow itself is empty (it then stands exactly for the migrations'
   * end state). Runs after the current call has answered.
   */
  private scheduleDatamodelCapture(prepared: PreparedProject, configDir: string): void {
    if (this.datamodels.has(prepared.datamodelKey)) return;
    void this.serial(l10n.t('preparing fast re-analysis'), this.timeouts.analysisMs, async () => {
      if (this.embedded.holding !== prepared.key || this.datamodels.has(prepared.datamodelKey)) return;
      const db = await this.embedded.instance(findExtensionRequests(prepared.migrations), prepared.key);
      const engine = await this.engineOverEmbedded(prepared.schema, db);
      const introspected = await engine.introspect({ schema: { files: prepared.schema.files }, baseDirectoryPath: configDir, force: true, compositeTypeDepth: 0, namespaces: null });
      const files = introspected.schema.files;
      const shadowSide: DiffTarget = { tag: 'schemaDatasource', files: prepared.schema.files, configDir };
      const datamodelSide: DiffTarget = { tag: 'schemaDatamodel', files };
      const script = async (from: DiffTarget, to: DiffTarget): Promise<string> => (await engine.diff(diffParams(from, to))).stdout ?? '';
      const beyond = (await db.query<{ feature: string }>(SHADOW_FEATURES_BEYOND_DATAMODEL_SQL)).rows.map((r) => r.feature);
      const rejection =
        beyond.length > 0
          ? `it has ${beyond.join(', ')}`
          : normalizeScript(await script(shadowSide, datamodelSide)).trim() !== ''
            ? 'it does not round-trip through a datamodel'
            : (datamodelLoses(await script({ tag: 'empty' }, shadowSide), await script({ tag: 'empty' }, datamodelSide)) ??
              datamodelLoses(await script(shadowSide, { tag: 'empty' }), await script(datamodelSide, { tag: 'empty' })));
      const file = this.datamodelFile(prepared.datamodelKey);
      if (rejection) {
        this.log(`engine: the migrated shadow cannot stand as a datamodel (${rejection}); re-analyses will introspect the shadow`);
        this.datamodels.set(prepared.datamodelKey, null);
        // Remembered, so that the next process does not introspect and compare again for nothing.
        if (file) await writeFileAtomically(file, JSON.stringify({ rejected: rejection }));
        return;
      }
      this.datamodels.set(prepared.datamodelKey, files);
      if (file) await writeFileAtomically(file, JSON.stringify({ files }));
    }).catch((error: unknown) => this.log(`engine: fast re-analysis not prepared: ${(error as Error).message}`));
  }

  /** Validates the schema with the engine alone (no database): milliseconds, where a failing diff costs a migrated shadow. */
  private async validateSchema(schema: EngineSchema): Promise<void> {
    const engine = await this.offlineEngine(schema);
    try {
      await engine.diff(diffParams({ tag: 'schemaDatamodel', files: schema.files }, { tag: 'schemaDatamodel', files: schema.files }));
    } catch (error) {
      throw fromEngineError(error, { what: l10n.t('validating the schema'), schemaFiles: schema.files.map((f) => f.path) });
    }
  }

  private async offlineEngine(schema: EngineSchema): Promise<SchemaEngine> {
    if (this.offline) return this.offline;
    const offline = (): Promise<OfflineDriverAdapter> => Promise.resolve(new OfflineDriverAdapter());
    this.offline = await this.newEngine(schema, new ComposedAdapterFactory(offline, offline));
    return this.offline;
  }

  /** Factory: main = the live database, shadow = the embedded PGlite (emptied first). */
  private databaseWithEmbeddedShadow(url: string, prepared: PreparedProject): ComposedAdapterFactory {
    const pgFactory = new PgAdapterFactory({ url, connectTimeoutMs: this.timeouts.connectMs, limits: readLimits(this.timeouts.analysisMs) });
    const requests = findExtensionRequests(prepared.migrations);
    const factory: ComposedAdapterFactory = new ComposedAdapterFactory(
      () => pgFactory.connect(),
      async () => {
        const db = await this.embedded.instance(requests);
        await this.embedded.reset();
        return new PgliteDriverAdapter(db, undefined, (failure) => (factory.lastScriptFailure = failure));
      },
    );
    return factory;
  }

  /** Changes of migration `index` the database lacks: see {@link missingChanges} (two engine diffs + CHECK catalogs). */
  private async missingObjects(prepared: PreparedProject, index: number, url: string, project: PrismaProject): Promise<{ items: DriftItem[]; changes: MissingChange[] }> {
    const before = await this.databaseStateAt(prepared, index, url, project);
    const after = await this.databaseStateAt(prepared, index + 1, url, project);
    const database = await this.databaseChecks(url);
    return missingChanges({ before: before.items, after: after.items, checks: { before: before.checks, after: after.checks, database }, schemaFiles: project.schemaFiles });
  }

  /** The diff of the database to the first `count` migrations, and those migrations' CHECK constraints. */
  private async databaseStateAt(prepared: PreparedProject, count: number, url: string, project: PrismaProject): Promise<{ items: DriftItem[]; checks: CheckConstraint[] }> {
    const requests = findExtensionRequests(prepared.migrations);
    const upTo = prepared.migrations.slice(0, count);
    const list = migrationList(prepared.list.baseDir, prepared.lockFile, upTo);
    const script = await this.withEngine(prepared.schema, this.databaseWithEmbeddedShadow(url, { ...prepared, migrations: upTo, list }), (engine) =>
      engine.diff(diffParams({ tag: 'schemaDatasource', files: prepared.schema.files, configDir: project.root }, { tag: 'migrations', ...list })),
    );
    // The engine left the embedded shadow migrated up to `count`: its CHECK constraints are the migrations' ones.
    const shadow = await this.embedded.instance(requests);
    return { items: parseDiffScript(normalizeScript(script)), checks: toCheckConstraints((await shadow.query<Record<string, unknown>>(CHECK_CONSTRAINTS_SQL)).rows) };
  }

  /** The database's own CHECK constraints (read-only). */
  private async databaseChecks(url: string): Promise<CheckConstraint[]> {
    const client = await openPgClient(url, l10n.t('reading CHECK constraints'), this.timeouts.connectMs, readLimits(this.timeouts.analysisMs));
    try {
      return toCheckConstraints((await client.query(CHECK_CONSTRAINTS_SQL)).rows as Array<Record<string, unknown>>);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async failedMigrationName(url: string): Promise<string | undefined> {
    const client = await openPgClient(url, l10n.t('reading _prisma_migrations'), this.timeouts.connectMs, readLimits(this.timeouts.historyMs)).catch(() => undefined);
    if (!client) return undefined;
    try {
      const records = await readMigrationRecords(async (sql, params) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>, parsePgUrl(url).schema);
      return records?.filter((r) => !r.finishedAt && !r.rolledBackAt).pop()?.migrationName;
    } catch {
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async preflight(url: string, purpose: string): Promise<void> {
    // The engine reports some connection failures from a detached callback; checking first gives
    // the user a precise message (wrong password, unreachable host, missing database).
    const client = await openPgClient(url, purpose, this.timeouts.connectMs);
    await client.end().catch(() => undefined);
  }

  private report(rawScript: string, prepared: PreparedProject, shadow: DriftReport['shadow'], started: number, migrateMs: number | undefined): DriftReport {
    const script = normalizeScript(rawScript);
    const enumsBefore = enumValuesAfter(prepared.migrations);
    const items = withIndexTables(
      locateRemovedObjects(parseDiffScript(script, { enumValuesBefore: (name) => enumsBefore.get(name) }), prepared.migrations),
      prepared.migrations,
    );
    const totalMs = performance.now() - started;
    const timings: DriftReport['timings'] = { totalMs, diffMs: totalMs - (migrateMs ?? 0) };
    if (migrateMs !== undefined) timings.migrateMs = migrateMs;
    return { script, items, empty: script.trim() === '', shadow, timings };
  }
}

/**
 * A cached datamodel entry: `{ files }` (a verified datamodel), `{ rejected }` (null: the shadow cannot be
 * replaced by a datamodel), anything else undefined (not trusted).
 */
function parseDatamodelEntry(text: string): SchemaContainer[] | null | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const entry = parsed as { files?: unknown; rejected?: unknown };
  if (typeof entry.rejected === 'string') return null;
  if (!Array.isArray(entry.files) || entry.files.length === 0) return undefined;
  const valid = entry.files.every((f: unknown) => typeof f === 'object' && f !== null && typeof (f as SchemaContainer).path === 'string' && typeof (f as SchemaContainer).content === 'string');
  return valid ? (entry.files as SchemaContainer[]) : undefined;
}

/**
 * Index items the engine's script does not place (`DROP INDEX "x"`, `ALTER INDEX "x" RENAME TO "y"`) get the table
 * the migrations created that index on, so they are said in model terms instead of "table ?".
 */
function withIndexTables(items: DriftItem[], migrations: readonly LocalMigration[]): DriftItem[] {
  if (!items.some((i) => i.object === 'index' && i.table === undefined)) return items;
  const tables = indexTablesAfter(migrations);
  for (const item of items) {
    if (item.object !== 'index' || item.table !== undefined || item.name === undefined) continue;
    // A rename names the new index; the migrations know it by the old name.
    const renamed = /^\s*ALTER\s+INDEX\s+(?:IF\s+EXISTS\s+)?((?:"(?:[^"]|"")+"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[\w$]+))?)\s+RENAME/i.exec(item.sql);
    const known = tables.get(renamed ? splitQualified(renamed[1]).name : item.name);
    if (!known) continue;
    item.table = known.table;
    if (known.schema !== undefined && known.schema !== 'public' && item.schema === undefined) item.schema = known.schema;
  }
  return items;
}

/**
 * The bundled engine's script for a comparison with a Prisma schema, as the project's own Prisma major writes it
 * (prismaVersion.ts): the engine's empty-migration comment is no script.
 */
function asProjectPrisma(script: string, project: PrismaProject): string {
  return adaptScriptToPrismaMajor(normalizeScript(script), judgePrismaVersion(project.prismaVersion ?? {}).major);
}

/** The engine prints `-- This is an empty migration.` for an empty diff: that is no script at all. */
function normalizeScript(script: string): string {
  return /^\s*-- This is an empty migration\.\s*$/.test(script) ? '' : script;
}

function diffParams(from: DiffTarget, to: DiffTarget): DiffParams {
  return { from, to, script: true, exitCode: null, filters: FILTERS };
}

function requireLockFileOrFolder(project: PrismaProject): void {
  if (!project.migrationsDirExists) {
    throw new EngineError({ code: 'missing-migrations-folder', message: l10n.t('The migrations folder {0} does not exist.', project.migrationsDir) });
  }
}

function migrationFailure(migration: LocalMigration, error: unknown, statementOffset?: number): EngineError {
  const e = error as { message?: string; code?: string; position?: string; where?: string };
  const position = e.position ? positionAt(migration.sql, Number(e.position) - 1) : statementOffset !== undefined ? positionAt(migration.sql, statementOffset) : undefined;
  const where = position ? l10n.t(' (line {0})', position.line) : '';
  return new EngineError({
    code: 'migration-failed',
    migration: migration.name,
    location: { file: migration.sqlPath, line: position?.line ?? 1, character: position?.character ?? 1 },
    message: l10n.t('Migration {0} failed on the shadow database{1}: {2}', migration.name, where, `${e.message ?? String(error)}${e.code ? ` [${e.code}]` : ''}`),
    detail: e.where,
  });
}
