/**
 * Plain-data description of a Prisma project found on disk. Produced by `discoverProjects` /
 * `loadProject`, consumed by the engine, the CLI and the extension features.
 */

/** A 1-based line / 1-based character position in a file. */
export interface SourcePosition {
  file: string;
  line: number;
  character: number;
}

/** A problem with the project layout, reported to the user as one clear line. */
export interface ProjectProblem {
  severity: 'error' | 'warning' | 'info';
  /** Stable machine-readable code, e.g. `no-migrations-folder`. */
  code: string;
  message: string;
  location?: SourcePosition;
}

/** Where a datasource URL comes from — never the URL itself in logs. */
export type UrlSource =
  | { kind: 'env'; variable: string; declaredIn: SourcePosition; value?: string; valueFrom?: string }
  | { kind: 'literal'; declaredIn: SourcePosition; value: string }
  | {
      kind: 'config';
      variable?: string;
      declaredIn: SourcePosition;
      value?: string;
      valueFrom?: string;
      expression: string;
    }
  | { kind: 'unresolved'; declaredIn?: SourcePosition; reason: string };

export interface DatasourceInfo {
  name: string;
  provider: string;
  providerLocation: SourcePosition;
  blockLocation: SourcePosition;
  url?: UrlSource;
  directUrl?: UrlSource;
  shadowDatabaseUrl?: UrlSource;
  /** `schemas = ["public", "auth"]` when multiSchema is used. */
  schemas?: string[];
}

export interface SchemaFile {
  path: string;
  content: string;
}

export interface MigrationFolder {
  /** Folder name, e.g. `20260127_init`. */
  name: string;
  dir: string;
  /** Absolute path of migration.sql (may not exist: see `hasSql`). */
  sqlPath: string;
  hasSql: boolean;
}

export interface PrismaVersionInfo {
  /** Range declared in package.json (prisma or @prisma/client), e.g. `^6.19.0`. */
  declared?: string;
  declaredIn?: string;
  /** Version found in node_modules/prisma/package.json (else node_modules/@prisma/client), here or in a parent folder. */
  installed?: string;
  /** Which package.json gave `installed`, relative to the project root, e.g. `../../node_modules/prisma`. */
  installedIn?: string;
  /** Major version used to choose command vocabulary (installed, else declared). */
  major?: number;
}

export interface PrismaProject {
  /** Directory Prisma commands run from (holds package.json or prisma.config.ts). */
  root: string;
  /** Short display name: package.json name, else the root folder name. */
  name: string;
  /** The schema path as Prisma takes it: a file, or a folder for multi-file schemas. */
  schemaPath: string;
  schemaKind: 'file' | 'folder';
  schemaSource: 'default' | 'package.json' | 'prisma.config.ts' | 'setting' | 'argument';
  schemaFiles: SchemaFile[];
  datasource?: DatasourceInfo;
  migrationsDir: string;
  migrationsDirSource: 'default' | 'prisma.config.ts' | 'setting' | 'argument';
  migrationsDirExists: boolean;
  migrations: MigrationFolder[];
  lockFile?: { path: string; provider?: string; content: string };
  configFile?: string;
  /** .env files read, in precedence order. */
  envFiles: string[];
  prismaVersion: PrismaVersionInfo;
  problems: ProjectProblem[];
}

/** A local migration with its file content, as read from disk. */
export interface LocalMigration {
  name: string;
  /** Absolute path of migration.sql. */
  sqlPath: string;
  sql: string;
}
