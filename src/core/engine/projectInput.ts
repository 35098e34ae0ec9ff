import { createHash } from 'node:crypto';
import { compareMigrationNames } from '../project/migrationOrder';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { MigrationList, SchemaContainer } from '@prisma/schema-engine-wasm/schema_engine_bg' with { 'resolution-mode': 'import' };
import { type LocalMigration } from '../history/status';
import { type PrismaProject, type SchemaFile, type SourcePosition } from '../project/types';
import { EngineError } from './errors';

/** Datasource properties the 7.x engine rejects (P1012) but Prisma 5/6 schemas carry. */
const URL_PROPERTIES = new Set(['url', 'directUrl', 'shadowDatabaseUrl']);

/** What the engine gets from a project's schema: the files with URL lines blanked. */
export interface EngineSchema {
  files: SchemaContainer[];
  provider: string;
  /** Where the provider is declared. */
  providerLocation?: SourcePosition;
}

/**
 * Hands the engine the schema files with the datasource `url` / `directUrl` /
 * `shadowDatabaseUrl` lines emptied (the lines stay, so every line number the engine reports is
 * a line number in the user's file). Throws `no-datasource` / `unsupported-provider`.
 */
export function prepareSchema(schemaFiles: readonly SchemaFile[]): EngineSchema {
  let provider: string | undefined;
  let providerLocation: SourcePosition | undefined;
  let datasourceFound = false;
  const files = schemaFiles.map((file) => {
    const lines = file.content.split('\n');
    let inDatasource = false;
    let depth = 0;
    for (let i = 0; i < lines.length; i++) {
      const code = lines[i].replace(/\r$/, '').replace(/\/\/.*$/, '');
      if (!inDatasource && /^\s*datasource\s+\w+\s*\{/.test(code)) {
        inDatasource = true;
        datasourceFound = true;
        depth = 0;
      }
      if (!inDatasource) continue;
      const assignment = /^\s*(\w+)\s*=\s*(.*)$/.exec(code.replace(/^\s*datasource\s+\w+\s*\{/, ''));
      if (assignment && URL_PROPERTIES.has(assignment[1])) {
        lines[i] = lines[i].endsWith('\r') ? '\r' : '';
        continue;
      }
      if (assignment && assignment[1] === 'provider' && provider === undefined) {
        const value = /^"([^"]*)"/.exec(assignment[2].trim());
        provider = value ? value[1] : assignment[2].trim();
        providerLocation = { file: file.path, line: i + 1, character: lines[i].indexOf('provider') + 1 };
      }
      for (const ch of code) {
        if (ch === '{') depth++;
        else if (ch === '}') depth--;
      }
      if (depth <= 0) inDatasource = false;
    }
    return { path: file.path, content: lines.join('\n') };
  });
  if (!datasourceFound) {
    throw new EngineError({ code: 'no-datasource', message: 'The Prisma schema has no datasource block: add `datasource db { provider = "postgresql" }`.' });
  }
  if (provider !== 'postgresql' && provider !== 'postgres') {
    throw new EngineError({
      code: 'unsupported-provider',
      message: `The datasource provider is "${provider ?? '(none)'}": only PostgreSQL is supported yet.`,
      location: providerLocation,
    });
  }
  return { files, provider, providerLocation };
}

/** Lock file check: present and for PostgreSQL. */
export function requireLockFile(project: PrismaProject): { path: string; content: string } {
  if (!project.migrationsDirExists) {
    throw new EngineError({ code: 'missing-migrations-folder', message: `The migrations folder ${project.migrationsDir} does not exist.` });
  }
  if (!project.lockFile) {
    throw new EngineError({
      code: 'missing-lock-file',
      message: `${path.join(project.migrationsDir, 'migration_lock.toml')} is missing: Prisma Migrate needs it (it records the provider, e.g. provider = "postgresql").`,
    });
  }
  const provider = project.lockFile.provider ?? /provider\s*=\s*"([^"]*)"/.exec(project.lockFile.content)?.[1];
  if (provider && provider !== 'postgresql' && provider !== 'postgres') {
    throw new EngineError({
      code: 'unsupported-provider',
      message: `${project.lockFile.path} says provider = "${provider}": only PostgreSQL is supported yet.`,
      location: { file: project.lockFile.path, line: 1, character: 1 },
    });
  }
  return { path: project.lockFile.path, content: project.lockFile.content };
}

/** Reads every migration.sql of the project, in name order. Throws `unreadable-migration`. */
export async function readLocalMigrations(project: PrismaProject): Promise<LocalMigration[]> {
  const sorted = [...project.migrations].sort((a, b) => compareMigrationNames(a.name, b.name));
  return Promise.all(
    sorted.map(async (migration) => {
      if (!migration.hasSql) {
        throw new EngineError({
          code: 'unreadable-migration',
          message: `Migration ${migration.name} has no migration.sql: restore the file or delete the folder ${migration.dir}.`,
          migration: migration.name,
        });
      }
      try {
        return { name: migration.name, sqlPath: migration.sqlPath, sql: await readFile(migration.sqlPath, 'utf8') };
      } catch (error) {
        throw new EngineError({
          code: 'unreadable-migration',
          message: `Cannot read ${migration.sqlPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
          migration: migration.name,
        });
      }
    }),
  );
}

/** The engine's `MigrationList` for the given migrations (already in name order). */
export function migrationList(migrationsDir: string, lockFile: { path: string; content: string }, migrations: readonly LocalMigration[]): MigrationList {
  return {
    baseDir: migrationsDir,
    lockfile: { path: path.relative(migrationsDir, lockFile.path) || 'migration_lock.toml', content: lockFile.content },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({ path: m.name, migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } } })),
  };
}

/** Identity of a set of migrations (names + exact bytes): the key of a migrated shadow. */
export function migrationsKey(migrations: readonly LocalMigration[]): string {
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(`${m.name}\0${m.sql}\0`);
  return hash.digest('hex');
}
