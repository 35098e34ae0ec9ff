import { createHash } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import { compareMigrationNames } from '../project/migrationOrder';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type {
  MigrationList,
  SchemaContainer,
} from '@prisma/schema-engine-wasm/schema_engine_bg' with { 'resolution-mode': 'import' };
import { type LocalMigration, type PrismaProject, type SchemaFile, type SourcePosition } from '../project/types';
import { EngineError } from './engineError';
import { schemaBlockSpans, scanSchema } from '../project/schemaScanner';

/** Datasource properties the 7.x engine rejects (P1012) but Prisma 5/6 schemas carry. */
const URL_PROPERTIES = new Set(['url', 'directUrl', 'shadowDatabaseUrl']);

/**
 * Preview features that Prisma 5 or 6 accepted and the bundled 7.x engine rejects ("The preview feature … is not
 * known", P1012). None of them changes the SQL of a migration: they are removed from the schema the engine sees.
 * Found by trying every preview feature Prisma 5, 6 and 7 ever listed against the bundled engine
 * (test/node/engine/prismaVersion.engine.test.ts keeps this list exact).
 */
export const PREVIEW_FEATURES_UNKNOWN_TO_ENGINE: readonly string[] = ['metrics', 'esm'];

/** A preview feature of the project's schema that the analysis ignores (the bundled engine does not know it). */
export interface IgnoredPreviewFeature {
  name: string;
  location: SourcePosition;
}

/** What the engine gets from a project's schema: the files with URL lines blanked. */
export interface EngineSchema {
  files: SchemaContainer[];
  /** Preview features removed from the schema the engine sees. */
  ignoredPreviewFeatures: IgnoredPreviewFeature[];
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
  const ignoredPreviewFeatures: IgnoredPreviewFeature[] = [];
  let provider: string | undefined;
  let providerLocation: SourcePosition | undefined;
  let datasourceFound = false;
  const files = schemaFiles.map((file) => {
    const lines = file.content.split('\n');
    for (const datasource of scanSchema(file.path, file.content).blocks.filter((b) => b.kind === 'datasource')) {
      datasourceFound = true;
      for (const assignment of datasource.assignments) {
        const i = assignment.location.line - 1;
        if (URL_PROPERTIES.has(assignment.key)) {
          lines[i] = lines[i].endsWith('\r') ? '\r' : '';
        } else if (assignment.key === 'provider' && provider === undefined) {
          provider = /^"([^"]*)"/.exec(assignment.value)?.[1] ?? assignment.value;
          providerLocation = assignment.location;
        }
      }
    }
    const stripped = withoutUnknownPreviewFeatures(withoutViewKeys(lines.join('\n')), file.path);
    ignoredPreviewFeatures.push(...stripped.ignored);
    return { path: file.path, content: stripped.content };
  });
  if (!datasourceFound) {
    throw new EngineError({
      code: 'no-datasource',
      message: l10n.t(
        'The Prisma schema has no datasource block: add {0}.',
        '`datasource db { provider = "postgresql" }`',
      ),
    });
  }
  if (provider !== 'postgresql' && provider !== 'postgres') {
    throw new EngineError({
      code: 'unsupported-provider',
      message: l10n.t(
        'The datasource provider is "{0}": only PostgreSQL is supported yet.',
        provider ?? l10n.t('(none)'),
      ),
      location: providerLocation,
    });
  }
  return { files, ignoredPreviewFeatures, provider, providerLocation };
}

/**
 * Blanks the `@id`, `@@id` and `@@index` attributes of `view` blocks, which Prisma 5 and 6 up to 6.12 accepted and
 * the engine rejects since 6.13 ("Views cannot have primary keys", "Views cannot have indexes";
 * langfuse's Prisma 5 schema has `id String @id` in its views). Views give no SQL to a migration, so nothing the
 * analysis compares changes. Each attribute is replaced by spaces: every line and column the engine reports is still
 * one of the user's file.
 */
export function withoutViewKeys(content: string): string {
  const out = content.split('');
  for (const { start, end } of schemaBlockSpans(content, ['view'])) {
    const attribute = /@@id\b|@@index\b|@id\b/g;
    attribute.lastIndex = start;
    for (let a = attribute.exec(content); a && a.index < end; a = attribute.exec(content)) {
      const lineStart = content.lastIndexOf('\n', a.index) + 1;
      const before = content.slice(lineStart, a.index);
      if (before.includes('//') || (before.match(/"/g) ?? []).length % 2 === 1) continue;
      let stop = a.index + a[0].length;
      if (content[stop] === '(') {
        // The argument list, brackets and strings included: up to its matching parenthesis on the same attribute.
        let depth = 0;
        let inString = false;
        for (; stop < end; stop++) {
          const ch = content[stop];
          if (inString) {
            if (ch === '\\') stop++;
            else if (ch === '"') inString = false;
          } else if (ch === '"') inString = true;
          else if (ch === '(') depth++;
          else if (ch === ')' && --depth === 0) {
            stop++;
            break;
          }
        }
      }
      for (let i = a.index; i < stop; i++) if (out[i] !== '\n' && out[i] !== '\r') out[i] = ' ';
      attribute.lastIndex = stop;
    }
  }
  return out.join('');
}

/** The note said for each ignored preview feature. */
export function ignoredPreviewFeatureNote(feature: IgnoredPreviewFeature): string {
  return l10n.t(
    'preview feature "{0}" is ignored by the analysis (the bundled Prisma 7 engine does not know it; it does not change the SQL of migrations)',
    feature.name,
  );
}

/**
 * Removes the preview features the bundled engine rejects from every `previewFeatures = [...]` of a generator
 * block. Only the characters of the removed names and their commas are taken out: newlines stay, so every line
 * number the engine reports is still a line number of the user's file.
 */
export function withoutUnknownPreviewFeatures(
  content: string,
  file: string,
): { content: string; ignored: IgnoredPreviewFeature[] } {
  const unknown = new Set(PREVIEW_FEATURES_UNKNOWN_TO_ENGINE.map((f) => f.toLowerCase()));
  const ignored: IgnoredPreviewFeature[] = [];
  const cut = new Uint8Array(content.length);
  for (const { start, end } of schemaBlockSpans(content, ['generator'])) {
    const assignment = /\bpreviewFeatures\s*=\s*\[/.exec(content.slice(start, end));
    if (!assignment) continue;
    const open = start + assignment.index + assignment[0].length;
    const close = content.indexOf(']', open);
    if (close < 0) continue;
    // Elements with their spans; comments inside the array are left alone.
    const elements: Array<{ name: string; start: number; end: number }> = [];
    const element = /"([^"]*)"/g;
    const body = content.slice(open, close);
    for (let e = element.exec(body); e; e = element.exec(body)) {
      const lineStart = body.lastIndexOf('\n', e.index) + 1;
      if (body.slice(lineStart, e.index).includes('//')) continue;
      elements.push({ name: e[1], start: open + e.index, end: open + e.index + e[0].length });
    }
    const removed = elements.map((e) => unknown.has(e.name.toLowerCase()));
    if (!removed.some(Boolean)) continue;
    // Cut each removed element up to the next element (its comma), the last one from the kept element before it.
    elements.forEach((e, i) => {
      if (!removed[i]) return;
      const next = elements[i + 1];
      const previousKept = [...elements.slice(0, i)].reverse().find((_, k) => !removed[i - 1 - k]);
      const [from, to] = next ? [e.start, next.start] : [previousKept ? previousKept.end : e.start, e.end];
      cut.fill(1, from, to);
      const line = content.slice(0, e.start).split('\n').length;
      ignored.push({
        name: e.name,
        location: { file, line, character: e.start - content.lastIndexOf('\n', e.start - 1) },
      });
    });
  }
  if (ignored.length === 0) return { content, ignored };
  // Newlines are never cut: line numbers stay those of the user's file.
  let result = '';
  for (let i = 0; i < content.length; i++) if (!cut[i] || content[i] === '\n') result += content[i];
  return { content: result, ignored };
}

/** Lock file check: present and for PostgreSQL. */
export function requireLockFile(project: PrismaProject): { path: string; content: string } {
  if (!project.migrationsDirExists) {
    throw new EngineError({
      code: 'missing-migrations-folder',
      message: l10n.t('The migrations folder {0} does not exist.', project.migrationsDir),
    });
  }
  if (!project.lockFile) {
    throw new EngineError({
      code: 'missing-lock-file',
      message: l10n.t(
        '{0} is missing: Prisma Migrate needs it (it records the provider, e.g. provider = "postgresql").',
        path.join(project.migrationsDir, 'migration_lock.toml'),
      ),
    });
  }
  const provider = project.lockFile.provider ?? /provider\s*=\s*"([^"]*)"/.exec(project.lockFile.content)?.[1];
  if (provider && provider !== 'postgresql' && provider !== 'postgres') {
    throw new EngineError({
      code: 'unsupported-provider',
      message: l10n.t('{0} says provider = "{1}": only PostgreSQL is supported yet.', project.lockFile.path, provider),
      location: { file: project.lockFile.path, line: 1, character: 1 },
    });
  }
  return { path: project.lockFile.path, content: project.lockFile.content };
}

/** Reads every migration.sql of the project, in name order. Throws `unreadable-migration`. */
export async function readLocalMigrations(project: PrismaProject): Promise<LocalMigration[]> {
  const sorted = [...project.migrations].sort((a, b) => compareMigrationNames(a.name, b.name));
  const withoutSql = sorted.filter((m) => !m.hasSql);
  if (withoutSql.length === 1) {
    throw new EngineError({
      code: 'unreadable-migration',
      message: l10n.t(
        'Migration {0} has no migration.sql: restore the file or delete the folder {1}.',
        withoutSql[0].name,
        withoutSql[0].dir,
      ),
      migration: withoutSql[0].name,
    });
  }
  if (withoutSql.length > 1) {
    // Often not a migrations folder at all (seeds, exports next to migrations): say so once, with the count.
    const names = withoutSql.map((m) => m.name);
    const list =
      names.length <= 4 ? names.join(', ') : l10n.t('{0} and {1} more', names.slice(0, 3).join(', '), names.length - 3);
    const sql = sorted.length - withoutSql.length;
    throw new EngineError({
      code: 'unreadable-migration',
      message:
        sql > 0
          ? l10n.t(
              '{0} has {1} folders without migration.sql ({2}) besides {3} migration(s): Prisma cannot apply them either. Is it the migrations folder? Restore each migration.sql or move those folders out.',
              project.migrationsDir,
              withoutSql.length,
              list,
              sql,
            )
          : l10n.t(
              '{0} has {1} folders without migration.sql ({2}): Prisma cannot apply them either. Is it the migrations folder? Restore each migration.sql or move those folders out.',
              project.migrationsDir,
              withoutSql.length,
              list,
            ),
      migration: withoutSql[0].name,
    });
  }
  return Promise.all(
    sorted.map(async (migration) => {
      try {
        return { name: migration.name, sqlPath: migration.sqlPath, sql: await readFile(migration.sqlPath, 'utf8') };
      } catch (error) {
        throw new EngineError({
          code: 'unreadable-migration',
          message: l10n.t(
            'Cannot read {0}: {1}.',
            migration.sqlPath,
            (error as NodeJS.ErrnoException).code ?? String(error),
          ),
          migration: migration.name,
        });
      }
    }),
  );
}

/** The engine's `MigrationList` for the given migrations (already in name order). */
export function migrationList(
  migrationsDir: string,
  lockFile: { path: string; content: string },
  migrations: readonly LocalMigration[],
): MigrationList {
  return {
    baseDir: migrationsDir,
    lockfile: { path: path.relative(migrationsDir, lockFile.path) || 'migration_lock.toml', content: lockFile.content },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } },
    })),
  };
}

/** Identity of a set of migrations (names + exact bytes): the key of a migrated shadow. */
export function migrationsKey(migrations: readonly LocalMigration[]): string {
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(`${m.name}\0${m.sql}\0`);
  return hash.digest('hex');
}
