import { type DriftItem } from '../drift/diffItems';
import { type MissingChange, type PresentChange } from './resolveProof';
import { type CheckedDatabase } from './shadowSafety';
import { type RehearsalInput } from '../rehearsal/rehearse';
import { type RehearsalReport } from '../rehearsal/report';
import { type HistoryStatus } from '../history/status';
import { type PrismaProject, type SchemaFile } from '../project/types';

/** Where the shadow database for "schema vs migrations" comes from. */
export type ShadowChoice =
  /** Embedded PGlite (default): created once, kept migrated between analyses. */
  | { kind: 'embedded' }
  /**
   * A dedicated shadow database (`shadowDatabaseUrl`): emptied, then migrated. Refused before any statement
   * when it designates one of `protect` (the datasource URL, `--url`, the configured environments) or holds
   * objects drift-guard did not create.
   */
  | { kind: 'url'; url: string; protect?: CheckedDatabase[] }
  /** A temporary database created on the server of `url` (unique name), dropped afterwards. */
  | { kind: 'server'; url: string };

/** Options of {@link EngineApi.diffMigrationsToSchema}. */
export interface SchemaDiffOptions {
  shadow?: ShadowChoice;
  /** Schema contents to use instead of the project's files (unsaved editor buffers). Same paths. */
  schemaFiles?: SchemaFile[];
  /**
   * The script will be written as a migration: it comes from the migrated shadow itself, rendered exactly as
   * `prisma migrate diff` renders it, never from the cached datamodel (same changes, other spelling).
   */
  forWriting?: boolean;
}

/** The result of a diff: the engine's SQL script and the items parsed from it. */
export interface DriftReport {
  /** The script as `prisma migrate diff --script` prints it (empty string when there is nothing). */
  script: string;
  /** One item per table / column / enum / enum value / index / key, in database names. */
  items: DriftItem[];
  /** True when the engine found nothing to change. */
  empty: boolean;
  /**
   * How the source side was obtained, for logs and benchmarks: `embedded-datamodel` the migrations' end state as
   * a verified datamodel (no database), `embedded-cached` the embedded shadow already holding the migrations,
   * `embedded-migrated` the embedded shadow migrated for this call, `url` a shadow database URL, `none` no shadow.
   */
  shadow: 'embedded-datamodel' | 'embedded-cached' | 'embedded-migrated' | 'url' | 'none';
  timings: { totalMs: number; migrateMs?: number; diffMs: number };
}

/** Options of {@link EngineApi.createBaseline}. */
export interface BaselineOptions {
  /** Folder name suffix, e.g. `baseline_invoicing`; sanitised to `[a-z0-9_]`. Default `baseline`. */
  name?: string;
  /** Clock for the timestamp (tests); default now (UTC). */
  now?: string;
  /**
   * A draft to verify and install instead of a new one (e.g. `.drift-guard/drafts/<name>/migration.sql`
   * after an edit), relative to the project root or absolute. Its folder name is kept when it is
   * `<timestamp>_<name>` and no `name` is given.
   */
  from?: string;
  /**
   * `migration`: a normal named migration (the `prisma migrate dev --create-only` equivalent: a new change no
   * database has, to be deployed), written and verified exactly like a baseline; only the words differ and a
   * name is required. Default `baseline`.
   */
  kind?: 'baseline' | 'migration';
  /**
   * Only these items of the schema-vs-migrations diff (`driftItemKey`s), for some objects: the draft must apply on
   * the shadow and leave exactly the other items still to do. Not with `from`.
   */
  only?: string[];
}

export interface BaselineResult {
  created: boolean;
  /** Folder name, e.g. `20260217093000_baseline_invoicing` (when created). */
  migrationName?: string;
  /** Absolute path of the written migration.sql (when created). */
  sqlPath?: string;
  /** The SQL written (or that would have been written). */
  script: string;
  items: DriftItem[];
  /** Migrations + baseline diff empty against the schema (checked after writing). */
  verified: boolean;
  /**
   * Statements left out because the engine asks for them again however often they are applied (an index with a
   * non-default operator class, prisma/prisma#16275): `check` keeps listing them after this baseline.
   */
  leftOut?: string[];
  message: string;
}

/** Options of {@link EngineApi.resolve}. */
export interface ResolveOptions {
  /** Record this migration as applied (after the safety proof). */
  applied?: string;
  /** Record this (failed) migration as rolled back. */
  rolledBack?: string;
  /** Record even when the database lacks changes the migration makes. */
  force?: boolean;
}

export interface ResolveResult {
  migration: string;
  action: 'applied' | 'rolledBack';
  /** True when something was written to `_prisma_migrations`. */
  recorded: boolean;
  /** Engine items about what the migration changes that the database lacks (empty when the proof passed). */
  missing: DriftItem[];
  /** Every change the migration makes that the database lacks, engine items and CHECK constraints, in model terms. */
  missingChanges: MissingChange[];
  forced: boolean;
  message: string;
}

/** Both sides of the resolve proof of one migration on one database (see `proofOf` in ./resolveProof.ts). */
export interface MigrationProof {
  migration: string;
  /** Changes the migration makes that the database already has. */
  present: PresentChange[];
  /** Changes the migration makes that the database lacks (empty: `resolve --applied` passes its proof). */
  missing: MissingChange[];
}

export interface DeployResult {
  applied: string[];
  message: string;
}

/** Memory and state of a long-lived engine (session or worker). */
export interface EngineStats {
  engineVersion?: string;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  embeddedShadowRunning: boolean;
  /** Start mode and time of the embedded shadow, when started. */
  embeddedStart?: { ms: number; source: string };
}

/**
 * The engine layer's API, the same in-process ({@link EngineSession}) and across a process
 * boundary ({@link EngineWorkerClient}). Plain data in, plain data out; failures reject with
 * an `EngineError` (code + one clear message + optional location).
 */
export interface EngineApi {
  /** Migrations applied to a shadow database, diffed to the schema ("schema vs migrations"). */
  diffMigrationsToSchema(project: PrismaProject, options?: SchemaDiffOptions): Promise<DriftReport>;
  /** Migrations (embedded shadow) diffed to a live database: `added` = in the database, in no migration. */
  diffMigrationsToDatabase(project: PrismaProject, url: string): Promise<DriftReport>;
  /** A live database diffed to the schema: `added` = in the schema, not in the database. */
  diffDatabaseToSchema(project: PrismaProject, url: string): Promise<DriftReport>;
  /** Every migration's state on a database, and ordering hazards. */
  historyStatus(project: PrismaProject, url: string): Promise<HistoryStatus>;
  /** Writes `<migrations>/<timestamp>_<name>/migration.sql` from the schema-vs-migrations SQL (a baseline, or a migration: `options.kind`). */
  createBaseline(project: PrismaProject, options?: BaselineOptions): Promise<BaselineResult>;
  /** `migrate resolve --applied/--rolled-back` with the safety proof. */
  resolve(project: PrismaProject, url: string, options: ResolveOptions): Promise<ResolveResult>;
  /**
   * The resolve proof of each of `migrations` (local names) on the database, read-only: what each one changes that
   * the database already has and lacks, each judged on top of every migration before it. The deploy plan's input.
   */
  migrationProofs(project: PrismaProject, url: string, migrations: string[]): Promise<MigrationProof[]>;
  /** `migrate deploy` (apply pending migrations). Callers must keep it away from production. */
  deploy(project: PrismaProject, url: string): Promise<DeployResult>;
  /**
   * Deploy rehearsal: loads the real database's dump into a fresh embedded PostgreSQL, recreates its
   * `_prisma_migrations` there (read from `input.url` in a read-only session) and applies the pending
   * migrations one by one, as `migrate deploy` would. Never writes to the real database.
   */
  rehearse(project: PrismaProject, input: RehearsalInput): Promise<RehearsalReport>;
  stats(): Promise<EngineStats>;
  dispose(): Promise<void>;
}
