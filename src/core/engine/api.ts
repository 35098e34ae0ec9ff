import { type CheckedDatabase } from './shadowSafety';
import { type LocalMigration, type SchemaFile } from '../project/types';

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

/** Options of {@link EngineSession.diffMigrationsToSchema}. */
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

/**
 * A diff as the engine computes it: its SQL script, not yet parsed into items (drift/driftReport.ts does that, in
 * model terms, with the migrations below).
 */
export interface EngineDiff {
  /** The script as `prisma migrate diff --script` prints it (empty string when there is nothing). */
  script: string;
  /** True when the engine found nothing to change. */
  empty: boolean;
  /**
   * How the source side was obtained, for logs and benchmarks: `embedded-datamodel` the migrations' end state as
   * a verified datamodel (no database), `embedded-cached` the embedded shadow already holding the migrations,
   * `embedded-migrated` the embedded shadow migrated for this call, `url` a shadow database URL, `none` no shadow.
   */
  shadow: 'embedded-datamodel' | 'embedded-cached' | 'embedded-migrated' | 'url' | 'none';
  timings: { totalMs: number; migrateMs?: number; diffMs: number };
  /**
   * The migrations one side of the diff stands for (in name order), to place what the script removes where the
   * migrations created it; undefined when no migration is involved (database vs schema). In-process only.
   */
  migrations?: readonly LocalMigration[];
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
