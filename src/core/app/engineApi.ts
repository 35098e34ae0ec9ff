import { type DriftItem } from '../drift/diffItems';
import { type DriftReport } from '../drift/driftReport';
import { type EngineStats, type SchemaDiffOptions } from '../engine/api';
import { type HistoryStatus } from '../history/status';
import { type PrismaProject } from '../project/types';
import { type RehearsalInput } from '../rehearsal/rehearse';
import { type RehearsalReport } from '../rehearsal/report';
import { type MissingChange, type PresentChange } from './resolveProof';

export type { DriftReport } from '../drift/driftReport';
export type { EngineStats, SchemaDiffOptions, ShadowChoice } from '../engine/api';

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

/** What {@link EngineApi.createBaseline} wrote (or would have written). */
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

/** What {@link EngineApi.resolve} recorded, and what the database lacks. */
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

/** The migrations {@link EngineApi.deploy} applied. */
export interface DeployResult {
  applied: string[];
  message: string;
}

/**
 * The engine's use cases, the same in-process ({@link EngineOperations}, on an `EngineSession`) and across a
 * process boundary ({@link EngineWorkerClient}). Plain data in, plain data out; failures reject with an
 * `EngineError` (code + one clear message + optional location).
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
