import { existsSync } from 'node:fs';
import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Extension } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { EngineError } from './engineError';
import { stripSqlComments } from '../sql/sqlText';

/** A `CREATE EXTENSION` found in a migration. */
export interface ExtensionRequest {
  /** PostgreSQL's name of the extension, lower case (`uuid-ossp`, `vector`). */
  name: string;
  migration: string;
  /** 1-based line of the statement in migration.sql (0 when not from a migration). */
  line: number;
  /** The migration.sql file, for the message's location. */
  file?: string;
}

/** Extensions compiled into PGlite itself: nothing to load. */
const BUILT_IN = new Set(['plpgsql']);

/**
 * Every extension the pinned PGlite (0.5.16) and `@electric-sql/pglite-pgvector` can load, with the
 * tarball that holds it (its `.control` file) and the extensions it requires (loaded with it, so a
 * `CREATE EXTENSION earthdistance CASCADE` finds `cube`). Checked against the packages' tarballs by
 * test/unit/engine/extensions.test.ts: a PGlite upgrade that adds or moves one fails that test.
 */
export const PGLITE_EXTENSIONS: Readonly<Record<string, { bundle: string; requires?: readonly string[] }>> = {
  amcheck: { bundle: 'amcheck' },
  autoinc: { bundle: 'spi' },
  bloom: { bundle: 'bloom' },
  btree_gin: { bundle: 'btree_gin' },
  btree_gist: { bundle: 'btree_gist' },
  citext: { bundle: 'citext' },
  cube: { bundle: 'cube' },
  dict_int: { bundle: 'dict_int' },
  dict_xsyn: { bundle: 'dict_xsyn' },
  earthdistance: { bundle: 'earthdistance', requires: ['cube'] },
  file_fdw: { bundle: 'file_fdw' },
  fuzzystrmatch: { bundle: 'fuzzystrmatch' },
  hstore: { bundle: 'hstore' },
  insert_username: { bundle: 'spi' },
  intarray: { bundle: 'intarray' },
  isn: { bundle: 'isn' },
  lo: { bundle: 'lo' },
  ltree: { bundle: 'ltree' },
  moddatetime: { bundle: 'spi' },
  pageinspect: { bundle: 'pageinspect' },
  pg_buffercache: { bundle: 'pg_buffercache' },
  pg_freespacemap: { bundle: 'pg_freespacemap' },
  pg_logicalinspect: { bundle: 'pg_logicalinspect' },
  pg_stat_statements: { bundle: 'pg_stat_statements' },
  pg_surgery: { bundle: 'pg_surgery' },
  pg_trgm: { bundle: 'pg_trgm' },
  pg_visibility: { bundle: 'pg_visibility' },
  pg_walinspect: { bundle: 'pg_walinspect' },
  pgcrypto: { bundle: 'pgcrypto' },
  refint: { bundle: 'spi' },
  seg: { bundle: 'seg' },
  tablefunc: { bundle: 'tablefunc' },
  tcn: { bundle: 'tcn' },
  tsm_system_rows: { bundle: 'tsm_system_rows' },
  tsm_system_time: { bundle: 'tsm_system_time' },
  unaccent: { bundle: 'unaccent' },
  'uuid-ossp': { bundle: 'uuid-ossp' },
  vector: { bundle: 'vector' },
};

/** Whether the embedded PostgreSQL (PGlite) can create this extension. */
export function pgliteHasExtension(name: string): boolean {
  return BUILT_IN.has(name) || Object.hasOwn(PGLITE_EXTENSIONS, name);
}

/**
 * Finds every `CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]` in the
 * migrations (comments ignored, any case, quoted or not), in order of first appearance.
 */
export function findExtensionRequests(
  migrations: ReadonlyArray<{ name: string; sql: string; sqlPath?: string }>,
): ExtensionRequest[] {
  const found: ExtensionRequest[] = [];
  const seen = new Set<string>();
  for (const migration of migrations) {
    const code = stripSqlComments(migration.sql);
    const pattern = /\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$-]*))/gi;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(code)) !== null) {
      // Quoted names are case-sensitive in PostgreSQL, but every extension name is lower case:
      // `"PG_TRGM"` fails on a real server as on PGlite, so folding it changes nothing we report.
      const name = (match[1] ?? match[2]).replace(/""/g, '"').toLowerCase();
      if (seen.has(name)) continue;
      seen.add(name);
      const request: ExtensionRequest = {
        name,
        migration: migration.name,
        line: code.slice(0, match.index).split('\n').length,
      };
      if (migration.sqlPath) request.file = migration.sqlPath;
      found.push(request);
    }
  }
  return found;
}

/** The error for an extension the embedded shadow cannot create, naming the migration file and line. */
export function extensionUnavailable(request: ExtensionRequest): EngineError {
  const where = `${request.migration}/migration.sql:${request.line}`;
  const dashed = request.name.replace(/_/g, '-');
  const message =
    dashed !== request.name && Object.hasOwn(PGLITE_EXTENSIONS, dashed)
      ? l10n.t(
          '{0} creates the extension "{1}", which no PostgreSQL has: its name is "{2}" (write CREATE EXTENSION IF NOT EXISTS "{2}").',
          where,
          request.name,
          dashed,
        )
      : l10n.t(
          '{0} creates the extension "{1}", which the embedded shadow database (PGlite) does not provide: set a shadow database URL (--shadow-url, or the driftGuard.shadowDatabaseUrl setting) to a PostgreSQL server that has it.',
          where,
          request.name,
        );
  return new EngineError({
    code: 'extension-unavailable',
    message,
    migration: request.migration,
    ...(request.file ? { location: { file: request.file, line: Math.max(1, request.line), character: 1 } } : {}),
  });
}

/**
 * PGlite extensions for the requests (and what they require), built from the tarballs found in
 * `dirs` (the bundle's dist/, or the packages in node_modules). One entry per tarball: `moddatetime`
 * and `refint` share `spi`. Throws `extension-unavailable` naming the migration file and line for
 * the first extension PGlite does not ship.
 */
export function pgliteExtensionsFor(
  requests: readonly ExtensionRequest[],
  dirs: readonly string[],
): Record<string, Extension> {
  const extensions: Record<string, Extension> = {};
  const add = (name: string, request: ExtensionRequest): void => {
    if (BUILT_IN.has(name)) return;
    const known = Object.hasOwn(PGLITE_EXTENSIONS, name) ? PGLITE_EXTENSIONS[name] : undefined;
    if (!known) throw extensionUnavailable(request);
    if (!Object.hasOwn(extensions, known.bundle)) {
      const file = dirs
        .map((dir) => path.join(dir, `${known.bundle}.tar.gz`))
        .find((candidate) => existsSync(candidate));
      if (!file) {
        // A packaging fault, not the user's: say which file is missing where.
        throw new EngineError({
          code: 'engine-error',
          message: l10n.t(
            'The PGlite bundle {0} (extension "{1}") is missing from {2}.',
            `${known.bundle}.tar.gz`,
            name,
            dirs.join(', '),
          ),
        });
      }
      const bundlePath = pathToFileURL(file);
      extensions[known.bundle] = { name: known.bundle, setup: () => Promise.resolve({ bundlePath }) };
    }
    for (const required of known.requires ?? []) add(required, request);
  };
  for (const request of requests) add(request.name, request);
  return extensions;
}
