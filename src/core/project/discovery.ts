import * as l10n from '@vscode/l10n';
import { type Dirent, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { expandEnv, parseEnvFile } from './envFile';
import { compareMigrationNames } from './migrationOrder';
import { CONFIG_FILE_NAMES, type ConfigValue, type PrismaConfigFile, parsePrismaConfig } from './prismaConfig';
import { type SchemaBlock, scanSchema } from './schemaScanner';
import {
  type DatasourceInfo,
  type MigrationFolder,
  type PrismaProject,
  type PrismaVersionInfo,
  type ProjectProblem,
  type SchemaFile,
  type SourcePosition,
  type UrlSource,
} from './types';

/** Options that override what is read from the project itself (settings or CLI flags). */
export interface LoadProjectOptions {
  /** Schema file or folder, absolute or relative to the project root. */
  schemaPath?: string;
  schemaSource?: 'setting' | 'argument';
  /** Migrations folder, absolute or relative to the project root. */
  migrationsPath?: string;
  migrationsSource?: 'setting' | 'argument';
  /** The process environment; it wins over `.env` files, as in Prisma. Defaults to none. */
  env?: Record<string, string | undefined>;
}

const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'dist',
  'out',
  'build',
  '.next',
  '.nuxt',
  '.turbo',
  '.cache',
  'coverage',
  '.vscode-test',
  'test-results',
]);
const SUPPORTED_PROVIDERS = new Set(['postgresql', 'postgres']);

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function statKind(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const st = await fs.stat(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** The error code when `p` exists but cannot be read (permissions, symlink loop…); undefined when absent or fine. */
async function statError(p: string): Promise<string | undefined> {
  try {
    await fs.stat(p);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return code === 'ELOOP'
      ? l10n.t('ELOOP (symbolic link loop)')
      : code === 'EACCES'
        ? l10n.t('EACCES (permission denied)')
        : (code ?? String(err));
  }
}

interface PackageJson {
  name?: unknown;
  prisma?: { schema?: unknown };
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  workspaces?: unknown;
}

async function readPackageJson(dir: string): Promise<PackageJson | undefined> {
  const text = await readText(path.join(dir, 'package.json'));
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function findConfigFile(root: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = path.join(root, name);
    if ((await statKind(candidate)) === 'file') return candidate;
  }
  return undefined;
}

/** All `.prisma` files under a schema folder, skipping migrations and dependency folders. */
async function listSchemaFolder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'migrations' && !SKIP_DIRS.has(e.name)) await walk(full);
      } else if (e.isFile() && e.name.endsWith('.prisma')) {
        out.push(full);
      }
    }
  };
  await walk(dir);
  return out;
}

function relative(root: string, p: string): string {
  const r = path.relative(root, p);
  return r === '' ? '.' : r.split(path.sep).join('/');
}

/** Reads the `.env` files Prisma would read for this project and merges them under the process env. */
async function loadEnv(
  root: string,
  schemaDir: string,
  processEnv: Record<string, string | undefined>,
): Promise<{ values: Record<string, string | undefined>; origin: Record<string, string>; files: string[] }> {
  const files: string[] = [];
  const raw: Record<string, string> = {};
  const origin: Record<string, string> = {};
  const candidates = [...new Set([path.join(root, '.env'), path.join(schemaDir, '.env')])];
  for (const file of candidates) {
    const text = await readText(file);
    if (text === undefined) continue;
    files.push(file);
    for (const entry of parseEnvFile(text)) {
      if (raw[entry.key] === undefined) {
        raw[entry.key] = entry.value;
        origin[entry.key] = `${relative(root, file)}:${entry.line}`;
      }
    }
  }
  const expanded = expandEnv(raw, processEnv);
  const values: Record<string, string | undefined> = { ...expanded };
  for (const [k, v] of Object.entries(processEnv)) {
    if (v !== undefined) {
      values[k] = v;
      origin[k] = 'process environment';
    }
  }
  return { values, origin, files };
}

function assignment(block: SchemaBlock, key: string): SchemaBlock['assignments'][number] | undefined {
  return block.assignments.find((a) => a.key === key);
}

function stringValue(raw: string): string | undefined {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(raw.trim());
  return m ? m[1].replace(/\\(.)/g, '$1') : undefined;
}

function urlFromSchema(
  block: SchemaBlock,
  key: string,
  env: { values: Record<string, string | undefined>; origin: Record<string, string> },
): UrlSource | undefined {
  const a = assignment(block, key);
  if (!a) return undefined;
  const envMatch = /^env\(\s*"([^"]+)"\s*\)$/.exec(a.value);
  if (envMatch) {
    const variable = envMatch[1];
    const value = env.values[variable];
    return value !== undefined
      ? { kind: 'env', variable, declaredIn: a.valueLocation, value, valueFrom: env.origin[variable] ?? 'environment' }
      : { kind: 'env', variable, declaredIn: a.valueLocation };
  }
  const literal = stringValue(a.value);
  if (literal !== undefined) return { kind: 'literal', declaredIn: a.valueLocation, value: literal };
  return { kind: 'unresolved', declaredIn: a.valueLocation, reason: l10n.t('cannot read {0} = {1}', key, a.value) };
}

function urlFromConfig(
  config: PrismaConfigFile,
  value: ConfigValue,
  env: { values: Record<string, string | undefined>; origin: Record<string, string> },
): UrlSource {
  const p = config.positionOf(value.offset);
  const declaredIn: SourcePosition = { file: config.file, line: p.line, character: p.character };
  if (value.kind === 'string') {
    return { kind: 'config', declaredIn, value: value.value, expression: JSON.stringify(value.value) };
  }
  if (value.kind === 'env') {
    const v = env.values[value.variable] ?? value.fallback;
    const from =
      env.values[value.variable] !== undefined
        ? (env.origin[value.variable] ?? 'environment')
        : value.fallback !== undefined
          ? 'default in config'
          : undefined;
    return v !== undefined
      ? {
          kind: 'config',
          variable: value.variable,
          declaredIn,
          value: v,
          valueFrom: from ?? 'environment',
          expression: value.expression,
        }
      : { kind: 'config', variable: value.variable, declaredIn, expression: value.expression };
  }
  return {
    kind: 'unresolved',
    declaredIn,
    reason: l10n.t(
      '{0} computes the URL ({1}); set it in an environment variable instead',
      path.basename(config.file),
      value.expression,
    ),
  };
}

function problem(
  severity: ProjectProblem['severity'],
  code: string,
  message: string,
  location?: SourcePosition,
): ProjectProblem {
  return location ? { severity, code, message, location } : { severity, code, message };
}

/**
 * The project's Prisma version: the range its package.json declares for `prisma` / `@prisma/client` (a `catalog:`
 * reference resolved in the workspace root's pnpm-workspace.yaml or package.json; no declaration here → the nearest
 * package.json between the schema and the project root, then the nearest parent package.json that has one, as in
 * a monorepo with Prisma at its root), and the version installed in
 * node_modules here or in a parent folder (hoisted installs). The installed version wins.
 */
async function prismaVersion(
  root: string,
  pkg: PackageJson | undefined,
  schemaPath?: string,
): Promise<PrismaVersionInfo> {
  const info: PrismaVersionInfo = {};
  let dir = root;
  let manifest = pkg;
  // A schema in a workspace package under the root (a root prisma.config pointing at packages/database/schema, as in
  // formbricks): that package declares the Prisma it is migrated with, when the root does not.
  if (!declaredPrisma(pkg) && schemaPath) {
    for (let at = path.dirname(schemaPath); at.startsWith(root + path.sep); at = path.dirname(at)) {
      const inner = await readPackageJson(at);
      if (declaredPrisma(inner)) {
        dir = at;
        manifest = inner;
        break;
      }
    }
  }
  for (;;) {
    const found = declaredPrisma(manifest);
    if (found) {
      const where = path.relative(root, path.join(dir, 'package.json')).split(path.sep).join('/');
      info.declared = found.range;
      info.declaredIn = `${where} ${found.field}`;
      if (/^catalog:/.test(found.range)) {
        const resolved = await catalogEntry(dir, found.name, found.range.slice('catalog:'.length).trim() || 'default');
        if (resolved) {
          info.declared = resolved.range;
          info.declaredIn = `${path.relative(root, resolved.file).split(path.sep).join('/')} catalog (${info.declaredIn})`;
        }
      }
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
    manifest = await readPackageJson(dir);
  }
  for (const name of ['prisma', '@prisma/client']) {
    for (let at = root; ; ) {
      const file = path.join(at, 'node_modules', ...name.split('/'), 'package.json');
      const text = await readText(file);
      if (text !== undefined) {
        try {
          const v = (JSON.parse(text) as { version?: unknown }).version;
          if (typeof v === 'string') {
            info.installed = v;
            info.installedIn = path.relative(root, path.dirname(file)).split(path.sep).join('/');
          }
        } catch {
          // An unreadable package.json is treated as not installed.
        }
        break;
      }
      const parent = path.dirname(at);
      if (parent === at) break;
      at = parent;
    }
    if (info.installed !== undefined) break;
  }
  const source = info.installed ?? info.declared;
  const major = source !== undefined ? /(\d+)(?:\.|$)/.exec(source) : null;
  if (major) info.major = Number(major[1]);
  return info;
}

/** `prisma` / `@prisma/client` in dependencies or devDependencies (prisma first: the CLI runs the migrations). */
function declaredPrisma(pkg: PackageJson | undefined): { name: string; range: string; field: string } | undefined {
  for (const name of ['prisma', '@prisma/client']) {
    for (const field of ['devDependencies', 'dependencies'] as const) {
      const v = pkg?.[field]?.[name];
      if (typeof v === 'string') return { name, range: v.trim(), field: `${field}.${name}` };
    }
  }
  return undefined;
}

/**
 * A `catalog:` version: the nearest pnpm-workspace.yaml (`catalog:` / `catalogs: <name>:`) or package.json
 * (`catalog`, `catalogs`, or the same under `workspaces`, as Bun reads them) at or above `dir` that lists `name`.
 * pnpm-workspace.yaml is read with a small line scanner for these two maps only (no YAML dependency for that).
 */
async function catalogEntry(
  dir: string,
  name: string,
  catalog: string,
): Promise<{ range: string; file: string } | undefined> {
  for (let at = dir; ; ) {
    const yamlFile = path.join(at, 'pnpm-workspace.yaml');
    const yaml = await readText(yamlFile);
    if (yaml !== undefined) {
      const range = pnpmCatalogEntry(yaml, name, catalog);
      if (range !== undefined) return { range, file: yamlFile };
    }
    const pkg = (await readPackageJson(at)) as (PackageJson & Record<string, unknown>) | undefined;
    for (const holder of [pkg, pkg?.workspaces]) {
      if (typeof holder !== 'object' || holder === null) continue;
      const h = holder as {
        catalog?: Record<string, unknown>;
        catalogs?: Record<string, Record<string, unknown> | undefined>;
      };
      const v =
        catalog === 'default' ? (h.catalog?.[name] ?? h.catalogs?.default?.[name]) : h.catalogs?.[catalog]?.[name];
      if (typeof v === 'string') return { range: v, file: path.join(at, 'package.json') };
    }
    const parent = path.dirname(at);
    if (parent === at) return undefined;
    at = parent;
  }
}

/** `name`'s version in pnpm-workspace.yaml's `catalog:` (default) or `catalogs:` → `<catalog>:` map. */
export function pnpmCatalogEntry(yaml: string, name: string, catalog: string): string | undefined {
  const lines = yaml.split(/\r?\n/);
  const unquote = (s: string): string => s.trim().replace(/^(['"])(.*)\1$/, '$2');
  const keyOf = (line: string): { indent: number; key: string; value: string } | undefined => {
    const m = /^(\s*)("[^"]+"|'[^']+'|[^\s:#][^:#]*?)\s*:(?:\s+(.*?))?\s*(?:#.*)?$/.exec(line);
    return m ? { indent: m[1].length, key: unquote(m[2]), value: m[3] ?? '' } : undefined;
  };
  // The path of keys leading to the map that lists the catalog's packages.
  const wanted = catalog === 'default' ? [['catalog'], ['catalogs', 'default']] : [['catalogs', catalog]];
  const stack: Array<{ indent: number; key: string }> = [];
  for (const line of lines) {
    if (/^\s*(?:#.*)?$/.test(line)) continue;
    const entry = keyOf(line);
    if (!entry) continue;
    while (stack.length > 0 && stack[stack.length - 1].indent >= entry.indent) stack.pop();
    const parents = stack.map((s) => s.key);
    if (
      entry.key === name &&
      entry.value !== '' &&
      wanted.some((w) => w.length === parents.length && w.every((k, i) => k === parents[i]))
    ) {
      return unquote(entry.value);
    }
    if (entry.value === '') stack.push({ indent: entry.indent, key: entry.key });
  }
  return undefined;
}

/** The temporary folder a baseline or migration is written in before its rename (src/core/app/baseline.ts). */
export const OWN_TEMP_FOLDER = /^\.drift-guard-[0-9a-f]+\.tmp$/;

async function listMigrations(dir: string): Promise<MigrationFolder[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  // Our own folder being written (a baseline or migration renamed into place a moment later) is not a migration.
  const folders = entries.filter((e) => e.isDirectory() && !OWN_TEMP_FOLDER.test(e.name)).map((e) => e.name);
  folders.sort(compareMigrationNames);
  const out: MigrationFolder[] = [];
  for (const name of folders) {
    const folder = path.join(dir, name);
    const sqlPath = path.join(folder, 'migration.sql');
    out.push({ name, dir: folder, sqlPath, hasSql: (await statKind(sqlPath)) === 'file' });
  }
  return out;
}

function resolveConfigPath(
  config: PrismaConfigFile,
  value: ConfigValue | undefined,
  what: string,
  problems: ProjectProblem[],
): string | undefined {
  if (!value) return undefined;
  if (value.kind === 'string') return path.resolve(path.dirname(config.file), value.value);
  const p = config.positionOf(value.offset);
  problems.push(
    problem(
      'warning',
      'config-not-static',
      what === 'schema'
        ? l10n.t(
            '{0} computes schema ({1}); Drift Guard cannot run the file — using the default instead, or set driftGuard.{2}',
            path.basename(config.file),
            value.expression,
            'schemaPath',
          )
        : l10n.t(
            '{0} computes migrations ({1}); Drift Guard cannot run the file — using the default instead, or set driftGuard.{2}',
            path.basename(config.file),
            value.expression,
            'migrationsPath',
          ),
      {
        file: config.file,
        line: p.line,
        character: p.character,
      },
    ),
  );
  return undefined;
}

/**
 * Loads one Prisma project rooted at `root` (the directory Prisma commands run from).
 * Never throws for a bad layout: problems are listed in `project.problems`.
 */
export async function loadProject(root: string, options: LoadProjectOptions = {}): Promise<PrismaProject> {
  root = path.resolve(root);
  const problems: ProjectProblem[] = [];
  const pkg = await readPackageJson(root);
  const configFile = await findConfigFile(root);
  let config: PrismaConfigFile | undefined;
  if (configFile) {
    const text = await readText(configFile);
    if (text === undefined) {
      problems.push(
        problem('error', 'unreadable-config', l10n.t('Cannot read {0}', relative(root, configFile)), {
          file: configFile,
          line: 1,
          character: 1,
        }),
      );
    } else {
      config = parsePrismaConfig(configFile, text);
      if (config.problem) {
        problems.push(
          problem('warning', 'config-not-static', config.problem, { file: configFile, line: 1, character: 1 }),
        );
      }
    }
  }

  // 1. Where the schema is.
  let schemaPath: string | undefined;
  let schemaSource: PrismaProject['schemaSource'] = 'default';
  if (options.schemaPath) {
    schemaPath = path.resolve(root, options.schemaPath);
    schemaSource = options.schemaSource ?? 'argument';
  } else if (config && (schemaPath = resolveConfigPath(config, config.schema, 'schema', problems))) {
    schemaSource = 'prisma.config.ts';
  } else if (typeof pkg?.prisma?.schema === 'string') {
    schemaPath = path.resolve(root, pkg.prisma.schema);
    schemaSource = 'package.json';
  } else {
    for (const candidate of ['prisma/schema.prisma', 'schema.prisma', 'prisma/schema']) {
      const full = path.join(root, candidate);
      const kind = await statKind(full);
      if (
        (kind === 'file' && candidate.endsWith('.prisma')) ||
        (kind === 'dir' && (await listSchemaFolder(full)).length > 0)
      ) {
        schemaPath = full;
        break;
      }
    }
  }
  const fallbackSchema = schemaPath ?? path.join(root, 'prisma', 'schema.prisma');
  const kind = await statKind(fallbackSchema);
  const statFailure = kind === undefined ? await statError(fallbackSchema) : undefined;
  const schemaKind: PrismaProject['schemaKind'] = kind === 'dir' ? 'folder' : 'file';
  const schemaFiles: SchemaFile[] = [];
  if (statFailure !== undefined) {
    problems.push(
      problem(
        'error',
        'unreadable-schema',
        l10n.t('Cannot read schema {0}: {1}', relative(root, fallbackSchema), statFailure),
        { file: fallbackSchema, line: 1, character: 1 },
      ),
    );
  } else if (kind === undefined) {
    problems.push(
      problem(
        'error',
        'no-schema',
        schemaPath
          ? l10n.t('Schema not found: {0} (from {1})', relative(root, fallbackSchema), schemaSource)
          : l10n.t(
              'No Prisma schema in {0} (looked for prisma/schema.prisma, schema.prisma and a prisma/schema folder)',
              root,
            ),
      ),
    );
  } else {
    const files = kind === 'dir' ? await listSchemaFolder(fallbackSchema) : [fallbackSchema];
    if (files.length === 0) {
      problems.push(
        problem(
          'error',
          'no-schema',
          l10n.t('The schema folder {0} has no .prisma files', relative(root, fallbackSchema)),
        ),
      );
    }
    for (const file of files) {
      try {
        schemaFiles.push({ path: file, content: await fs.readFile(file, 'utf8') });
      } catch (err) {
        problems.push(
          problem(
            'error',
            'unreadable-schema',
            l10n.t(
              'Cannot read schema {0}: {1}',
              relative(root, file),
              (err as NodeJS.ErrnoException).code ?? String(err),
            ),
            { file, line: 1, character: 1 },
          ),
        );
      }
    }
  }
  const schemaDir = schemaKind === 'folder' ? fallbackSchema : path.dirname(fallbackSchema);

  // 2. Environment and datasource.
  const env = await loadEnv(root, schemaDir, options.env ?? {});
  let datasource: DatasourceInfo | undefined;
  const blocks = schemaFiles.flatMap((f) => scanSchema(f.path, f.content).blocks);
  const datasources = blocks.filter((b) => b.kind === 'datasource');
  if (schemaFiles.length > 0 && datasources.length === 0) {
    problems.push(
      problem(
        'error',
        'no-datasource',
        l10n.t('No datasource block in {0}', schemaFiles.map((f) => relative(root, f.path)).join(', ')),
      ),
    );
  }
  if (datasources.length > 1) {
    const second = datasources[1];
    problems.push(
      problem(
        'error',
        'several-datasources',
        l10n.t('Prisma allows one datasource; found {0} (second: {1})', datasources.length, second.name),
        second.location,
      ),
    );
  }
  const ds = datasources[0];
  if (ds) {
    const providerAssignment = assignment(ds, 'provider');
    const provider = providerAssignment ? (stringValue(providerAssignment.value) ?? providerAssignment.value) : '';
    const schemas = assignment(ds, 'schemas');
    datasource = {
      name: ds.name,
      provider,
      providerLocation: providerAssignment?.valueLocation ?? ds.location,
      blockLocation: ds.start,
    };
    if (schemas) {
      datasource.schemas = [...schemas.value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
    }
    if (!providerAssignment) {
      problems.push(problem('error', 'no-provider', l10n.t('datasource {0} has no provider', ds.name), ds.location));
    } else if (!SUPPORTED_PROVIDERS.has(provider)) {
      problems.push(
        problem(
          'error',
          'unsupported-provider',
          l10n.t('Provider "{0}" is not supported yet: Prisma Drift Guard works with PostgreSQL only', provider),
          providerAssignment.valueLocation,
        ),
      );
    }
    for (const key of ['url', 'directUrl', 'shadowDatabaseUrl'] as const) {
      const fromSchema = urlFromSchema(ds, key, env);
      const configValue = config?.[key];
      const source = fromSchema ?? (config && configValue ? urlFromConfig(config, configValue, env) : undefined);
      if (source) datasource[key] = source;
    }
  }

  // 3. Migrations.
  const version = await prismaVersion(root, pkg, schemaPath);
  let migrationsDir: string;
  let migrationsDirSource: PrismaProject['migrationsDirSource'] = 'default';
  const fromConfig = config ? resolveConfigPath(config, config.migrationsPath, 'migrations', problems) : undefined;
  if (options.migrationsPath) {
    migrationsDir = path.resolve(root, options.migrationsPath);
    migrationsDirSource = options.migrationsSource ?? 'argument';
  } else if (fromConfig) {
    migrationsDir = fromConfig;
    migrationsDirSource = 'prisma.config.ts';
  } else if (schemaKind === 'folder') {
    migrationsDir = await folderSchemaMigrations(fallbackSchema, ds?.location.file, version);
  } else {
    migrationsDir = path.join(schemaDir, 'migrations');
  }
  const migrationsDirExists = (await statKind(migrationsDir)) === 'dir';
  const migrations = migrationsDirExists ? await listMigrations(migrationsDir) : [];
  if (!migrationsDirExists) {
    problems.push(
      problem(
        'error',
        'no-migrations-folder',
        migrationsDirSource === 'default'
          ? l10n.t(
              'No migrations folder at {0}: this project has no migration history yet',
              relative(root, migrationsDir),
            )
          : l10n.t(
              'No migrations folder at {0} (from {1}): this project has no migration history yet',
              relative(root, migrationsDir),
              migrationsDirSource,
            ),
      ),
    );
  }
  // One warning for every folder without migration.sql (a folder of seeds or exports holds dozens of them).
  const withoutSql = migrations.filter((m) => !m.hasSql);
  if (withoutSql.length === 1) {
    problems.push(
      problem('warning', 'migration-without-sql', l10n.t('Migration {0} has no migration.sql', withoutSql[0].name), {
        file: withoutSql[0].dir,
        line: 1,
        character: 1,
      }),
    );
  } else if (withoutSql.length > 1) {
    const names = withoutSql.map((m) => m.name);
    const list =
      names.length <= 4 ? names.join(', ') : l10n.t('{0} and {1} more', names.slice(0, 3).join(', '), names.length - 3);
    problems.push(
      problem(
        'warning',
        'migration-without-sql',
        l10n.t(
          '{0} folders of {1} have no migration.sql ({2})',
          withoutSql.length,
          relative(root, migrationsDir),
          list,
        ),
        {
          file: withoutSql[0].dir,
          line: 1,
          character: 1,
        },
      ),
    );
  }

  // 4. Lock file.
  let lockFile: PrismaProject['lockFile'];
  if (migrationsDirExists) {
    const lockPath = path.join(migrationsDir, 'migration_lock.toml');
    const content = await readText(lockPath);
    if (content === undefined) {
      if (migrations.length > 0) {
        problems.push(
          problem(
            'error',
            'no-lock-file',
            l10n.t(
              "No migration_lock.toml in {0}: Prisma needs it to know the migrations' provider",
              relative(root, migrationsDir),
            ),
          ),
        );
      }
    } else {
      const match = /^\s*provider\s*=\s*"([^"]*)"/m.exec(content);
      lockFile = match ? { path: lockPath, provider: match[1], content } : { path: lockPath, content };
      if (!match) {
        problems.push(
          problem('error', 'bad-lock-file', l10n.t('{0} has no provider line', relative(root, lockPath)), {
            file: lockPath,
            line: 1,
            character: 1,
          }),
        );
      } else if (
        datasource &&
        datasource.provider &&
        normaliseProvider(match[1]) !== normaliseProvider(datasource.provider)
      ) {
        const line = content.slice(0, match.index + match[0].indexOf('provider')).split('\n').length;
        problems.push(
          problem(
            'error',
            'lock-provider-mismatch',
            l10n.t(
              'migration_lock.toml says provider "{0}" but the schema\'s datasource uses "{1}": these migrations were written for another database',
              match[1],
              datasource.provider,
            ),
            { file: lockPath, line, character: 1 },
          ),
        );
      }
    }
  }

  const name = typeof pkg?.name === 'string' && pkg.name.length > 0 ? pkg.name : path.basename(root);
  const project: PrismaProject = {
    root,
    name,
    schemaPath: fallbackSchema,
    schemaKind,
    schemaSource,
    schemaFiles,
    migrationsDir,
    migrationsDirSource,
    migrationsDirExists,
    migrations,
    envFiles: env.files,
    prismaVersion: version,
    problems,
  };
  if (datasource) project.datasource = datasource;
  if (lockFile) project.lockFile = lockFile;
  if (configFile) project.configFile = configFile;
  return project;
}

/**
 * The default migrations folder of a multi-file schema. Prisma 6.6 and later put it next to the file holding the
 * datasource block; the `prismaSchemaFolder` preview before it (5.15–6.5) put it next to the schema folder
 * (`prisma/schema/` → `prisma/migrations/`). When the version is unknown or only a range is declared, the folder
 * that exists wins, the version's own first.
 */
async function folderSchemaMigrations(
  folder: string,
  datasourceFile: string | undefined,
  version: PrismaVersionInfo,
): Promise<string> {
  const modern = path.join(datasourceFile ? path.dirname(datasourceFile) : folder, 'migrations');
  const legacy = path.join(path.dirname(folder), 'migrations');
  const m = /(\d+)\.(\d+)/.exec(version.installed ?? version.declared ?? '');
  const preferLegacy = m !== null && (Number(m[1]) < 6 || (Number(m[1]) === 6 && Number(m[2]) < 6));
  const [first, second] = preferLegacy ? [legacy, modern] : [modern, legacy];
  if ((await statKind(first)) === 'dir') return first;
  if ((await statKind(second)) === 'dir') return second;
  return first;
}

function normaliseProvider(p: string): string {
  return p === 'postgres' ? 'postgresql' : p;
}

/**
 * Finds the files that mark Prisma projects under `root`: schema files, schema folders, prisma
 * config files and package.json files with a `prisma` section. The extension passes the result of
 * `workspace.findFiles` instead; the CLI walks the disk with this.
 */
export async function findProjectMarkers(root: string, maxDepth = 6): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth && !SKIP_DIRS.has(e.name) && !(e.name.startsWith('.') && e.name !== '.config')) {
          await walk(full, depth + 1);
        }
      } else if (e.isFile() && isMarkerName(e.name, dir)) {
        out.push(full);
      }
    }
  };
  await walk(path.resolve(root), 0);
  return out.sort();
}

function isMarkerName(name: string, dir: string): boolean {
  if (name === 'schema.prisma' || name === 'package.json') return true;
  if (CONFIG_FILE_NAMES.includes(name)) return true;
  if (name === 'prisma.ts' && path.basename(dir) === '.config') return true;
  // Multi-file schemas without a schema.prisma: any .prisma file under a `schema` folder.
  return name.endsWith('.prisma') && path.basename(dir) === 'schema';
}

/**
 * Turns marker files into projects, one per schema. A project is rooted where its config file
 * or package.json says; a lone schema is rooted above its `prisma/` folder (or next to it).
 */
export async function discoverProjects(markers: string[], options: LoadProjectOptions = {}): Promise<PrismaProject[]> {
  const roots = new Set<string>();
  for (const marker of markers) {
    const base = path.basename(marker);
    const dir = path.dirname(marker);
    if (CONFIG_FILE_NAMES.includes(base) || (base === 'prisma.ts' && path.basename(dir) === '.config')) {
      roots.add(base === 'prisma.ts' ? path.dirname(dir) : dir);
    } else if (base === 'package.json') {
      const pkg = await readPackageJson(dir);
      if (typeof pkg?.prisma?.schema === 'string') roots.add(dir);
    }
  }
  const projects: PrismaProject[] = [];
  const claimed = (file: string): boolean =>
    projects.some(
      (p) =>
        p.schemaFiles.some((f) => f.path === file) ||
        (p.schemaKind === 'folder' && file.startsWith(p.schemaPath + path.sep)),
    );
  for (const root of [...roots].sort()) {
    projects.push(await loadProject(root, options));
  }
  for (const marker of markers) {
    if (!marker.endsWith('.prisma') || claimed(marker)) continue;
    const dir = path.dirname(marker);
    let root: string;
    let schemaPath: string | undefined;
    if (path.basename(dir) === 'prisma' && (await statKind(path.join(dir, 'package.json'))) !== 'file') {
      root = path.dirname(dir);
    } else if (path.basename(dir) === 'prisma') {
      // A monorepo's `packages/prisma` package: its scripts run Prisma from there, where ./schema.prisma is found.
      root = dir;
    } else if (path.basename(dir) === 'schema' && path.basename(path.dirname(dir)) === 'prisma') {
      root = path.dirname(path.dirname(dir));
    } else {
      root = dir;
      if (path.basename(marker) !== 'schema.prisma') schemaPath = dir;
    }
    const project = await loadProject(
      root,
      schemaPath ? { ...options, schemaPath, schemaSource: options.schemaSource ?? 'argument' } : options,
    );
    if (
      project.schemaFiles.some((f) => f.path === marker) ||
      (project.schemaKind === 'folder' && marker.startsWith(project.schemaPath + path.sep))
    ) {
      projects.push(project);
    } else {
      // The root's default schema is another file: load this one explicitly.
      projects.push(await loadProject(root, { ...options, schemaPath: marker, schemaSource: 'argument' }));
    }
  }
  const seen = new Set<string>();
  return projects.filter((p) => {
    const key = p.schemaPath;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export { redactUrl } from '../util/pgUrl';
