import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Extension } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { EngineError } from './errors';
import { stripSqlComments } from '../drift/sqlText';

/** A `CREATE EXTENSION` found in a migration. */
export interface ExtensionRequest {
  name: string;
  migration: string;
  /** 1-based line of the statement in migration.sql. */
  line: number;
}

/** Extensions compiled into PGlite itself: nothing to load. */
const BUILT_IN = new Set(['plpgsql']);

/**
 * Finds every `CREATE EXTENSION [IF NOT EXISTS] name` in the migrations (comments ignored),
 * in order of first appearance.
 */
export function findExtensionRequests(migrations: ReadonlyArray<{ name: string; sql: string }>): ExtensionRequest[] {
  const found: ExtensionRequest[] = [];
  const seen = new Set<string>();
  for (const migration of migrations) {
    const code = stripSqlComments(migration.sql);
    const pattern = /\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"((?:[^"]|"")+)"|([A-Za-z_][\w-]*))/gi;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(code)) !== null) {
      const name = (match[1] ?? match[2]).replace(/""/g, '"').toLowerCase();
      if (seen.has(name)) continue;
      seen.add(name);
      found.push({ name, migration: migration.name, line: code.slice(0, match.index).split('\n').length });
    }
  }
  return found;
}

/**
 * PGlite contrib extensions for the requests, built from the tarballs in `pgliteDir` (so the
 * same code works from node_modules and from the bundle's dist/). Throws `extension-unavailable`
 * naming the migration and the extension when PGlite does not ship one.
 */
export function pgliteExtensionsFor(requests: readonly ExtensionRequest[], pgliteDir: string): Record<string, Extension> {
  const extensions: Record<string, Extension> = {};
  for (const request of requests) {
    if (BUILT_IN.has(request.name)) continue;
    const bundle = path.join(pgliteDir, `${request.name}.tar.gz`);
    if (!existsSync(bundle)) {
      throw new EngineError({
        code: 'extension-unavailable',
        message: `Migration ${request.migration} (line ${request.line}) creates the extension "${request.name}", which the embedded shadow database (PGlite) does not provide: set a shadow database URL to a PostgreSQL server that has it.`,
        migration: request.migration,
      });
    }
    const bundlePath = pathToFileURL(bundle);
    extensions[request.name] = { name: request.name, setup: () => Promise.resolve({ bundlePath }) };
  }
  return extensions;
}
