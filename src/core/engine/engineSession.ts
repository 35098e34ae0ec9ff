import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import type {
  DiffParams,
  DiffTarget,
  MigrationList,
  SchemaContainer,
  SchemaEngine,
} from '@prisma/schema-engine-wasm/schema_engine_bg' with { 'resolution-mode': 'import' };
import { positionAt } from '../sql/sqlText';
import { type LocalMigration, type PrismaProject } from '../project/types';
import { type EngineDiff, type EngineStats, type SchemaDiffOptions } from './api';
import { DATAMODEL_CACHE_FORMAT, datamodelLoses, SHADOW_FEATURES_BEYOND_DATAMODEL_SQL } from './datamodelFidelity';
import { EmbeddedPostgres } from './embeddedShadow';
import { failingStatementOffset, scriptFailureOf, withStatementLocation } from './failingStatement';
import { fromEngineError } from './schemaEngineErrors';
import { EngineError } from './engineError';
import { findExtensionRequests } from './extensions';
import { type AbandonReason, EngineCallQueue, runEngineCall } from './callLimit';
import { adaptScriptToPrismaMajor, judgePrismaVersion } from '../project/prismaVersion';
import {
  OperationConnections,
  PgAdapterFactory,
  type ScriptError,
  describeCancellations,
  openPgClient,
  parsePgUrl,
  runWithConnections,
  type QueryLimits,
} from './pgAdapter';
import { schemaConfigText } from '../project/schemaScanner';
import { assertShadowIsSafe } from './shadowSafety';
import { ComposedAdapterFactory, OfflineDriverAdapter, PgliteDriverAdapter } from './pgliteAdapter';
import {
  type EngineSchema,
  migrationList,
  migrationsKey,
  prepareSchema,
  readLocalMigrations,
  requireLockFile,
} from './projectInput';
import { DEFAULT_ENGINE_TIMEOUTS, type EngineTimeouts } from './timeouts';
import { loadSchemaEngine, type SchemaEngineRuntime } from './wasmLoader';
import { writeFileAtomically } from '../util/atomicWrite';

export type { EngineTimeouts } from './timeouts';

/**
 * Server-side limits of a read (and of recording one migration row): PostgreSQL cancels the statement itself
 * a little before the operation's own limit, and stops waiting for a lock sooner (at most 5 s).
 */
export function readLimits(operationMs: number): QueryLimits {
  return {
    statementTimeoutMs: Math.max(1, Math.floor(operationMs * 0.8)),
    lockTimeoutMs: Math.max(1, Math.min(5_000, Math.floor(operationMs / 2))),
  };
}

/** Server-side limits of a deploy: its own limit for each statement and each lock wait, cancelled by PostgreSQL just before it. */
function writeLimits(operationMs: number): QueryLimits {
  const ms = Math.max(1, Math.floor(operationMs * 0.95));
  return { statementTimeoutMs: ms, lockTimeoutMs: ms };
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

/** A project read and validated for the engine ({@link EngineCall.prepare}). */
export interface PreparedProject {
  schema: EngineSchema;
  lockFile: { path: string; content: string };
  migrations: LocalMigration[];
  list: MigrationList;
  /** Identity of the migrations (+ lock file): the migrated shadow's key. */
  key: string;
  /** `key` + the datasource/generator blocks: the key of the cached end-state datamodel. */
  datamodelKey: string;
}

/** What {@link EngineCall.applyMigrations} did: the migrations applied, or the failure and the script PostgreSQL rejected. */
export type ApplyOutcome =
  | { ok: true; applied: string[] }
  | { ok: false; error: unknown; scriptError: ScriptError | undefined };

/**
 * The engine's primitives within one call of the session ({@link EngineSession.exclusive}), on which core/app
 * builds its use cases (resolve, deploy, migration proofs, history status, rehearsal). Valid only while that
 * call runs.
 */
export interface EngineCall {
  /** The engine assets folder of the session (undefined: the default). */
  readonly assetsDir: string | undefined;
  /** Schema + lock file + migrations of a project, validated and read. */
  prepare(project: PrismaProject): Promise<PreparedProject>;
  /** Connects to `url` once: a precise message (wrong password, unreachable host, missing database) before the engine runs. */
  preflight(url: string, purpose: string): Promise<void>;
  /** Records `name` as rolled back in `_prisma_migrations` (the engine's `markMigrationRolledBack`). */
  markRolledBack(prepared: PreparedProject, url: string, name: string): Promise<void>;
  /** Records `name` as applied in `_prisma_migrations` (the engine's `markMigrationApplied`), nothing else. */
  markApplied(prepared: PreparedProject, url: string, name: string): Promise<void>;
  /** Applies the pending migrations to `url` (the engine's `applyMigrations`, `migrate deploy`). */
  applyMigrations(prepared: PreparedProject, url: string): Promise<ApplyOutcome>;
  /**
   * The script from the database `url` to the first `count` migrations (empty string when none), with the
   * embedded shadow as the engine's shadow: it is left migrated up to `count` (see {@link queryShadow}).
   */
  diffDatabaseToMigrations(prepared: PreparedProject, count: number, url: string, configDir: string): Promise<string>;
  /** Rows of a read-only query on the embedded shadow, as the last call left it. */
  queryShadow(prepared: PreparedProject, sql: string): Promise<Array<Record<string, unknown>>>;
  /**
   * Closes the analyses' embedded shadow (≈450 MB; it restarts from its snapshot later) and hands out a fresh
   * embedded PostgreSQL with the session's options, which the caller closes.
   */
  freshEmbedded(): Promise<EmbeddedPostgres>;
  log(message: string): void;
}

/**
 * The engine layer in-process: one lazily loaded WASM schema engine, our own adapters, and one
 * embedded PGlite shadow kept migrated between analyses. Calls are serialised and each one is
 * guarded by a time limit. The use cases built on it live in core/app (`EngineOperations`), used
 * by the CLI and inside the engine worker process.
 */
export class EngineSession {
  /** The limits of the session's calls. */
  readonly timeouts: EngineTimeouts;
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

  /** The primitives handed to {@link exclusive} calls. */
  private readonly call: EngineCall;

  constructor(private readonly options: EngineSessionOptions = {}) {
    this.timeouts = { ...DEFAULT_ENGINE_TIMEOUTS, ...options.timeouts };
    this.embedded = this.newEmbedded();
    this.call = {
      assetsDir: this.options.assetsDir,
      prepare: (project) => this.prepare(project),
      preflight: (url, purpose) => this.preflight(url, purpose),
      markRolledBack: (prepared, url, name) => this.markRolledBack(prepared, url, name),
      markApplied: (prepared, url, name) => this.markApplied(prepared, url, name),
      applyMigrations: (prepared, url) => this.applyMigrations(prepared, url),
      diffDatabaseToMigrations: (prepared, count, url, configDir) =>
        this.diffDatabaseToMigrations(prepared, count, url, configDir),
      queryShadow: async (prepared, sql) =>
        (
          await (
            await this.embedded.instance(findExtensionRequests(prepared.migrations))
          ).query<Record<string, unknown>>(sql)
        ).rows,
      freshEmbedded: () => this.freshEmbedded(),
      log: (message) => this.log(message),
    };
  }

  /**
   * Runs `work` as one call of the session, on the engine's primitives: after the calls before it and alone,
   * within `timeoutMs` (then the engine is abandoned and the call rejects with `timeout`), every failure one
   * {@link EngineError}.
   */
  exclusive<T>(what: string, timeoutMs: number, work: (call: EngineCall) => Promise<T>): Promise<T> {
    return this.serial(what, timeoutMs, () => work(this.call));
  }

  /** Migrations applied to a shadow database, diffed to the schema ("schema vs migrations"). */
  diffMigrationsToSchema(project: PrismaProject, options: SchemaDiffOptions = {}): Promise<EngineDiff> {
    return this.serial(l10n.t('schema vs migrations'), this.timeouts.analysisMs, async () => {
      const prepared = await this.prepare(project, options.schemaFiles);
      const shadow = options.shadow ?? { kind: 'embedded' };
      const started = performance.now();
      if (shadow.kind !== 'embedded') {
        if (shadow.kind === 'url') {
          await assertShadowIsSafe(shadow.url, shadow.protect ?? [], (url) =>
            openPgClient(url, l10n.t('connecting to the shadow database'), this.timeouts.connectMs),
          );
        } else await this.preflight(shadow.url, l10n.t('connecting to the shadow database server'));
        // Only connectToShadowDb is ever used: the engine gets no "main" database at all here.
        const pgFactory =
          shadow.kind === 'url'
            ? new PgAdapterFactory({
                url: shadow.url,
                shadowUrl: shadow.url,
                connectTimeoutMs: this.timeouts.connectMs,
                allowShadowEqualsMain: true,
              })
            : new PgAdapterFactory({ url: shadow.url, connectTimeoutMs: this.timeouts.connectMs });
        // The engine probes a main connection when it starts: it gets the offline one.
        const factory = new ComposedAdapterFactory(
          () => Promise.resolve(new OfflineDriverAdapter()),
          () => pgFactory.connectToShadowDb(),
        );
        await this.validateSchema(prepared.schema);
        const script = await this.withEngine(prepared.schema, factory, (engine) =>
          engine.diff(
            diffParams(
              { tag: 'migrations', ...prepared.list },
              { tag: 'schemaDatamodel', files: prepared.schema.files },
            ),
          ),
        ).catch((error: unknown) => {
          throw withStatementLocation(error, pgFactory.lastScriptError, prepared.migrations);
        });
        return this.report(asProjectPrisma(script, project), prepared, 'url', started, undefined);
      }
      // Fast path: the migrations' end state as a verified datamodel — no database involved.
      await this.ensureRuntime();
      const datamodel =
        this.options.datamodelFastPath === false || options.forWriting
          ? undefined
          : await this.cachedDatamodel(prepared);
      if (datamodel) {
        const engine = await this.offlineEngine(prepared.schema);
        const result = await engine.diff(
          diffParams(
            { tag: 'schemaDatamodel', files: datamodel },
            { tag: 'schemaDatamodel', files: prepared.schema.files },
          ),
        );
        return this.report(
          asProjectPrisma(result.stdout ?? '', project),
          prepared,
          'embedded-datamodel',
          started,
          undefined,
        );
      }
      // A schema error in seconds, not after migrating the shadow.
      if (this.embedded.holding !== prepared.key) await this.validateSchema(prepared.schema);
      const migrateStarted = performance.now();
      const { db, reused } = await this.migratedEmbedded(prepared);
      const migrateMs = performance.now() - migrateStarted;
      const engine = await this.engineOverEmbedded(prepared.schema, db);
      const result = await engine.diff(
        diffParams(
          { tag: 'schemaDatasource', files: prepared.schema.files, configDir: project.root },
          { tag: 'schemaDatamodel', files: prepared.schema.files },
        ),
      );
      if (this.options.datamodelFastPath !== false) this.scheduleDatamodelCapture(prepared, project.root);
      return this.report(
        asProjectPrisma(result.stdout ?? '', project),
        prepared,
        reused ? 'embedded-cached' : 'embedded-migrated',
        started,
        reused ? undefined : migrateMs,
      );
    });
  }

  /** Migrations (embedded shadow) diffed to a live database: `added` = in the database, in no migration. */
  diffMigrationsToDatabase(project: PrismaProject, url: string): Promise<EngineDiff> {
    return this.serial(l10n.t('database vs migrations'), this.timeouts.analysisMs, async () => {
      const prepared = await this.prepare(project);
      const target = parsePgUrl(url);
      await this.preflight(target.url, l10n.t('connecting to the database'));
      const started = performance.now();
      await this.validateSchema(prepared.schema);
      const factory = this.databaseWithEmbeddedShadow(url, prepared);
      const script = await this.withEngine(prepared.schema, factory, (engine) =>
        engine.diff(
          diffParams(
            { tag: 'migrations', ...prepared.list },
            { tag: 'schemaDatasource', files: prepared.schema.files, configDir: project.root },
          ),
        ),
      ).catch((error: unknown) => {
        throw withStatementLocation(error, factory.lastScriptFailure, prepared.migrations);
      });
      // The engine left the embedded shadow holding exactly these migrations.
      this.embedded.markHolding(prepared.key);
      this.applied = prepared.migrations;
      return this.report(script, prepared, 'embedded-migrated', started, undefined);
    });
  }

  /** A live database diffed to the schema: `added` = in the schema, not in the database. */
  diffDatabaseToSchema(project: PrismaProject, url: string): Promise<EngineDiff> {
    return this.serial(l10n.t('database vs schema'), this.timeouts.analysisMs, async () => {
      const schema = prepareSchema(project.schemaFiles);
      parsePgUrl(url);
      await this.preflight(url, l10n.t('connecting to the database'));
      const started = performance.now();
      const factory = new PgAdapterFactory({
        url,
        connectTimeoutMs: this.timeouts.connectMs,
        limits: readLimits(this.timeouts.analysisMs),
      });
      const script = asProjectPrisma(
        normalizeScript(
          await this.withEngine(schema, factory, (engine) =>
            engine.diff(
              diffParams(
                { tag: 'schemaDatasource', files: schema.files, configDir: project.root },
                { tag: 'schemaDatamodel', files: schema.files },
              ),
            ),
          ),
        ),
        project,
      );
      const totalMs = performance.now() - started;
      return { script, empty: script.trim() === '', shadow: 'none', timings: { totalMs, diffMs: totalMs } };
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
  diffMigrationsToSchemaFresh(project: PrismaProject): Promise<EngineDiff> {
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
        engine.diff(
          diffParams({ tag: 'migrations', ...prepared.list }, { tag: 'schemaDatamodel', files: prepared.schema.files }),
        ),
      );
      this.embedded.markHolding(prepared.key);
      this.applied = prepared.migrations;
      return this.report(asProjectPrisma(script, project), prepared, 'embedded-migrated', started, undefined);
    });
  }

  // ---------------------------------------------------------------------------------------------

  private newEmbedded(): EmbeddedPostgres {
    return new EmbeddedPostgres({
      assetsDir: this.options.assetsDir,
      cacheDir: this.options.cacheDir,
      log: this.options.log,
    });
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
      return await runtime.SchemaEngine.new(
        { datamodels },
        (line: string) => this.engineLog(line),
        bindMigrationAwareSqlAdapterFactory(factory),
      );
    } catch (error) {
      throw fromEngineError(error, {
        what: l10n.t('starting the schema engine'),
        schemaFiles: schema.files.map((f) => f.path),
      });
    }
  }

  private engineLog(line: string): void {
    if (!this.options.log) return;
    try {
      const parsed = JSON.parse(line) as { level?: string; fields?: { message?: string } };
      if (parsed.level === 'ERROR' || parsed.level === 'WARN') {
        this.log(`engine ${parsed.level}: ${parsed.fields?.message ?? line.trim()}`);
      }
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
      () =>
        Promise.reject(
          new EngineError({ code: 'engine-error', message: 'internal: no shadow database for a migrated-shadow diff' }),
        ),
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
    if (this.disposed) {
      throw new EngineError({ code: 'engine-error', message: l10n.t('The engine session is being disposed.') });
    }
    if (schemaFiles.length === 0) {
      throw new EngineError({
        code: 'invalid-schema',
        message: l10n.t('No Prisma schema found for {0}.', project.root),
      });
    }
    const schema = prepareSchema(schemaFiles);
    const lockFile = requireLockFile(project);
    const migrations = await readLocalMigrations(project);
    const list = migrationList(project.migrationsDir, lockFile, migrations);
    const key = createHash('sha256')
      .update(`${migrationsKey(migrations)}\0${lockFile.content}`)
      .digest('hex');
    const config = schema.files.map((f) => schemaConfigText(f.content)).join('\n');
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
      held.length > 0 &&
      held.length < prepared.migrations.length &&
      held.every((m, i) => m.name === prepared.migrations[i].name && m.sql === prepared.migrations[i].sql);
    const toApply = appendOnly ? prepared.migrations.slice(held.length) : prepared.migrations;
    if (!appendOnly) await this.embedded.reset();
    this.embedded.markHolding(undefined);
    this.applied = [];
    for (const migration of toApply) {
      try {
        await db.exec(migration.sql);
      } catch (error) {
        await db.exec('ROLLBACK').catch(() => undefined);
        throw migrationFailure(
          migration,
          error,
          await failingStatementOffset(db, migration.sql, scriptFailureOf(error)),
        );
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
    const id = createHash('sha256')
      .update(`${key}\0${this.engineVersion}\0${DATAMODEL_CACHE_FORMAT}`)
      .digest('hex')
      .slice(0, 24);
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
      const introspected = await engine.introspect({
        schema: { files: prepared.schema.files },
        baseDirectoryPath: configDir,
        force: true,
        compositeTypeDepth: 0,
        namespaces: null,
      });
      const files = introspected.schema.files;
      const shadowSide: DiffTarget = { tag: 'schemaDatasource', files: prepared.schema.files, configDir };
      const datamodelSide: DiffTarget = { tag: 'schemaDatamodel', files };
      const script = async (from: DiffTarget, to: DiffTarget): Promise<string> =>
        (await engine.diff(diffParams(from, to))).stdout ?? '';
      const beyond = (await db.query<{ feature: string }>(SHADOW_FEATURES_BEYOND_DATAMODEL_SQL)).rows.map(
        (r) => r.feature,
      );
      const rejection =
        beyond.length > 0
          ? `it has ${beyond.join(', ')}`
          : normalizeScript(await script(shadowSide, datamodelSide)).trim() !== ''
            ? 'it does not round-trip through a datamodel'
            : (datamodelLoses(
                await script({ tag: 'empty' }, shadowSide),
                await script({ tag: 'empty' }, datamodelSide),
              ) ??
              datamodelLoses(
                await script(shadowSide, { tag: 'empty' }),
                await script(datamodelSide, { tag: 'empty' }),
              ));
      const file = this.datamodelFile(prepared.datamodelKey);
      if (rejection) {
        this.log(
          `engine: the migrated shadow cannot stand as a datamodel (${rejection}); re-analyses will introspect the shadow`,
        );
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
      await engine.diff(
        diffParams({ tag: 'schemaDatamodel', files: schema.files }, { tag: 'schemaDatamodel', files: schema.files }),
      );
    } catch (error) {
      throw fromEngineError(error, {
        what: l10n.t('validating the schema'),
        schemaFiles: schema.files.map((f) => f.path),
      });
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
    const pgFactory = new PgAdapterFactory({
      url,
      connectTimeoutMs: this.timeouts.connectMs,
      limits: readLimits(this.timeouts.analysisMs),
    });
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

  private async markRolledBack(prepared: PreparedProject, url: string, name: string): Promise<void> {
    const factory = new PgAdapterFactory({
      url,
      connectTimeoutMs: this.timeouts.connectMs,
      limits: readLimits(this.timeouts.analysisMs),
    });
    await this.withEngine(prepared.schema, factory, async (engine) => {
      await engine.markMigrationRolledBack({ migrationName: name });
      return '';
    });
  }

  private async markApplied(prepared: PreparedProject, url: string, name: string): Promise<void> {
    const factory = new PgAdapterFactory({
      url,
      connectTimeoutMs: this.timeouts.connectMs,
      limits: readLimits(this.timeouts.analysisMs),
    });
    await this.withEngine(prepared.schema, factory, async (engine) => {
      await engine.markMigrationApplied({ migrationName: name, migrationsList: prepared.list });
      return '';
    });
  }

  private async applyMigrations(prepared: PreparedProject, url: string): Promise<ApplyOutcome> {
    const factory = new PgAdapterFactory({
      url,
      connectTimeoutMs: this.timeouts.connectMs,
      limits: writeLimits(this.timeouts.deployMs),
    });
    let applied: string[] = [];
    try {
      await this.withEngine(prepared.schema, factory, async (engine) => {
        applied = (await engine.applyMigrations({ migrationsList: prepared.list, filters: FILTERS }))
          .appliedMigrationNames;
        return '';
      });
    } catch (error) {
      return { ok: false, error, scriptError: factory.lastScriptError };
    }
    return { ok: true, applied };
  }

  private async diffDatabaseToMigrations(
    prepared: PreparedProject,
    count: number,
    url: string,
    configDir: string,
  ): Promise<string> {
    const upTo = prepared.migrations.slice(0, count);
    const list = migrationList(prepared.list.baseDir, prepared.lockFile, upTo);
    const script = await this.withEngine(
      prepared.schema,
      this.databaseWithEmbeddedShadow(url, { ...prepared, migrations: upTo, list }),
      (engine) =>
        engine.diff(
          diffParams(
            { tag: 'schemaDatasource', files: prepared.schema.files, configDir },
            { tag: 'migrations', ...list },
          ),
        ),
    );
    return normalizeScript(script);
  }

  private async freshEmbedded(): Promise<EmbeddedPostgres> {
    this.dropEmbeddedEngine();
    this.applied = [];
    await this.embedded.close();
    return this.newEmbedded();
  }

  private async preflight(url: string, purpose: string): Promise<void> {
    // The engine reports some connection failures from a detached callback; checking first gives
    // the user a precise message (wrong password, unreachable host, missing database).
    const client = await openPgClient(url, purpose, this.timeouts.connectMs);
    await client.end().catch(() => undefined);
  }

  private report(
    rawScript: string,
    prepared: PreparedProject,
    shadow: EngineDiff['shadow'],
    started: number,
    migrateMs: number | undefined,
  ): EngineDiff {
    const script = normalizeScript(rawScript);
    const totalMs = performance.now() - started;
    const timings: EngineDiff['timings'] = { totalMs, diffMs: totalMs - (migrateMs ?? 0) };
    if (migrateMs !== undefined) timings.migrateMs = migrateMs;
    return { script, empty: script.trim() === '', shadow, timings, migrations: prepared.migrations };
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
  const valid = entry.files.every(
    (f: unknown) =>
      typeof f === 'object' &&
      f !== null &&
      typeof (f as SchemaContainer).path === 'string' &&
      typeof (f as SchemaContainer).content === 'string',
  );
  return valid ? (entry.files as SchemaContainer[]) : undefined;
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

function migrationFailure(migration: LocalMigration, error: unknown, statementOffset?: number): EngineError {
  const e = error as { message?: string; code?: string; position?: string; where?: string };
  const position = e.position
    ? positionAt(migration.sql, Number(e.position) - 1)
    : statementOffset !== undefined
      ? positionAt(migration.sql, statementOffset)
      : undefined;
  const where = position ? l10n.t(' (line {0})', position.line) : '';
  return new EngineError({
    code: 'migration-failed',
    migration: migration.name,
    location: { file: migration.sqlPath, line: position?.line ?? 1, character: position?.character ?? 1 },
    message: l10n.t(
      'Migration {0} failed on the shadow database{1}: {2}',
      migration.name,
      where,
      `${e.message ?? String(error)}${e.code ? ` [${e.code}]` : ''}`,
    ),
    detail: e.where,
  });
}
