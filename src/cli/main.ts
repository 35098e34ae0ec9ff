import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { attributeToSchema } from '../core/drift/attribution';
import { diffDatabaseToHistory } from '../core/history/applied';
import { openEnvironment, type OpenedEnvironment } from '../core/environments/cliEnvironment';
import { type EnvironmentKind } from '../core/environments/config';
import { type GuardFinding } from '../core/guards/findings';
import { isCommitted, writtenOrder } from '../core/guards/git';
import { projectGuardFindings } from '../core/guards/projectGuards';
import { type HistoryStatus } from '../core/history/status';
import { checkPlainDump, type DumpResult, dumpOverSsh, dumpWithPgDump } from '../core/rehearsal/dumpSource';
import { rehearsalExitCode, rehearsalText } from '../core/rehearsal/report';
import { type DriftReport, EngineSession, isEngineError, runBenchmark } from '../core/engine';
import { benchHistoryStatus } from '../core/history/bench';
import { discoverProjects, findProjectMarkers, loadProject, redactUrl } from '../core/project/discovery';
import { describeUrlSource, formatProjectSummary } from '../core/project/summary';
import { type PrismaProject, type UrlSource } from '../core/project/types';
import { type CheckItem, type Direction, at, displayPath, formatItems, formatStatus, toCheckItem } from './format';

/** Bad input: printed as one line on stderr, exit code 2, no stack trace. */
export class UsageError extends Error {}

const HELP = `drift-guard — drift between schema.prisma, your migrations and PostgreSQL databases

Usage:
  drift-guard check    [--project DIR] [--schema PATH] [--migrations DIR] [--url URL | --env NAME] [--shadow-url URL] [--json]
  drift-guard status   [--project DIR] [--url URL | --env NAME] [--json]
  drift-guard baseline [--project DIR] [--name NAME] [--json]
  drift-guard resolve  [--project DIR] [--url URL | --env NAME] (--applied NAME | --rolled-back NAME) [--force]
  drift-guard bench    [--project DIR] [--runs N] [--json]
  drift-guard projects [--project DIR] [--json]
  drift-guard rehearse [--project DIR] [--url URL | --env NAME] [--dump FILE] [--pg-dump PATH] [--strict] [--json]

  check      schema vs migrations (on an embedded shadow database, or --shadow-url), and the
             database at --url (default: the project's datasource URL) vs migrations
  status     every migration's state on the database: applied, pending, failed, rolled back,
             modified after apply, missing locally; and ordering hazards
  baseline   writes <migrations>/<timestamp>_<name>/migration.sql with what the migrations lack
  resolve    records a migration as applied (only if the database already has what it creates,
             unless --force) or as rolled back
  bench      measures cold, warm and fresh-shadow analysis times on the project, and the
             migration status of 500 synthetic migrations
  projects   finds the Prisma projects under DIR and describes them
  rehearse   deploy rehearsal on a copy: the database's schema (pg_dump --schema-only here, through
             the --env tunnel, or the environment's ssh.rehearseDumpCommand on its server, or --dump)
             loaded into an embedded PostgreSQL with its _prisma_migrations history, then every pending
             migration applied there one by one, with its error and timing, and warnings for
             destructive statements. Nothing is written to the database (its history is only read).

  check also reports guard rails (JSON key "guardRails"): meaningless migration names, names without
  a time part, duplicate timestamps, same-day migrations applied or committed in another order than
  their names sort in, migrations using what a later one creates, applied migrations edited or deleted.

Options:
  --project DIR     project root, or a folder with exactly one project below (default: .)
  --schema PATH     schema file or folder (default: found like Prisma does)
  --migrations DIR  migrations folder (default: prisma.config.ts, else next to the schema)
  --url URL         database URL (default: the datasource url, from env/.env/prisma.config.ts)
  --env NAME        an environment of driftGuard.environments in .vscode/settings.json, through its
                    SSH tunnel if it has one (URL from its variable or --url; SSH password and key
                    passphrase from DRIFT_GUARD_SSH_PASSWORD / DRIFT_GUARD_SSH_PASSPHRASE; host keys
                    from known_hosts or DRIFT_GUARD_KNOWN_HOSTS, unknown hosts refused)
  --shadow-url URL  use this (emptied) database as the shadow instead of the embedded one
  --dump FILE       rehearse: a plain SQL dump to load instead of dumping the database
  --pg-dump PATH    rehearse: the pg_dump to run (default: pg_dump on PATH)
  --strict          check, rehearse: warnings count as findings (exit 1)
  --json            machine-readable output on stdout
  -h, --help        this help;  -v, --version  the version

Exit codes: 0 nothing found, 1 drift / non-applied or problem migrations found (check: guard-rail
errors, and warnings with --strict; rehearse: a migration failed on the copy or the deploy would be
refused, and warnings with --strict), 2 bad input or failure (one line on stderr, no stack trace).`;

declare const __DRIFT_GUARD_VERSION__: string | undefined;

/** Where the CLI writes and what it reads from its environment. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
}

const COMMON = {
  project: { type: 'string' },
  schema: { type: 'string' },
  migrations: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true }>>['values'] {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}. Run drift-guard --help.`);
  }
}

/** Loads the project at `dir`, or the projects found below it when `dir` is not itself a project. */
export async function projectsAt(dir: string, env: Record<string, string | undefined>): Promise<PrismaProject[]> {
  const direct = await loadProject(dir, { env });
  if (!direct.problems.some((p) => p.code === 'no-schema') || direct.configFile) return [direct];
  return discoverProjects(await findProjectMarkers(dir), { env });
}

/** The one project a command works on; fails clearly on none, several, or a broken layout. */
async function selectProject(values: { project?: string; schema?: string; migrations?: string }, io: Io): Promise<PrismaProject> {
  const dir = path.resolve(io.cwd, values.project ?? '.');
  if (!existsSync(dir)) throw new UsageError(`--project ${values.project ?? '.'}: no such folder (${dir}).`);
  let project: PrismaProject;
  if (values.schema || values.migrations) {
    project = await loadProject(dir, {
      env: io.env,
      ...(values.schema ? { schemaPath: path.resolve(io.cwd, values.schema), schemaSource: 'argument' as const } : {}),
      ...(values.migrations ? { migrationsPath: path.resolve(io.cwd, values.migrations), migrationsSource: 'argument' as const } : {}),
    });
  } else {
    const found = (await projectsAt(dir, io.env)).filter((p) => p.schemaFiles.length > 0 || !p.problems.some((x) => x.code === 'no-schema'));
    if (found.length === 0) throw new UsageError(`No Prisma project in ${dir} (looked for prisma/schema.prisma, schema.prisma, prisma/schema/, prisma.config.ts). Pass --project or --schema.`);
    if (found.length > 1) {
      throw new UsageError(`${found.length} Prisma projects under ${dir} (${found.map((p) => displayPath(p.schemaPath, io.cwd)).join(', ')}): pass --project DIR or --schema PATH.`);
    }
    project = found[0];
  }
  const error = project.problems.find((p) => p.severity === 'error');
  if (error) throw new UsageError(`${error.message}${error.location ? ` (${at(error.location, io.cwd)})` : ''}`);
  for (const w of project.problems.filter((p) => p.severity === 'warning')) {
    io.err(`drift-guard: warning: ${w.message}${w.location ? ` (${at(w.location, io.cwd)})` : ''}`);
  }
  return project;
}

/** The database URL: `--url`, else the datasource's (direct URL first: migrations need a direct connection). */
function databaseUrl(project: PrismaProject, explicit: string | undefined, io: Io): { url: string; label: string } | { missing: string } {
  if (explicit) return { url: explicit, label: redactUrl(explicit) };
  const ds = project.datasource;
  for (const [name, source] of [
    ['directUrl', ds?.directUrl],
    ['url', ds?.url],
  ] as Array<[string, UrlSource | undefined]>) {
    if (source && source.kind !== 'unresolved' && source.value !== undefined) {
      const variable = source.kind === 'env' ? source.variable : source.kind === 'config' ? source.variable : undefined;
      return { url: source.value, label: `${variable ?? name} → ${redactUrl(source.value)}` };
    }
  }
  return { missing: ds?.url ? `the datasource url is ${describeUrlSource(project, ds.url)}` : `${displayPath(project.schemaPath, io.cwd)} has no datasource url` };
}

function engineSession(io: Io): EngineSession {
  const cacheDir = io.env.DRIFT_GUARD_CACHE_DIR ?? path.join(io.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'prisma-drift-guard');
  return new EngineSession({ cacheDir });
}

function attributed(report: DriftReport, project: PrismaProject, io: Io): CheckItem[] {
  return attributeToSchema(report.items, project.schemaFiles).map((i) => toCheckItem(i, io.cwd));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function cmdCheck(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { ...COMMON, url: { type: 'string' }, env: { type: 'string' }, 'shadow-url': { type: 'string' }, strict: { type: 'boolean' } });
  const project = await selectProject(values, io);
  const opened = values.env ? await requireDatabase(project, values, io) : undefined;
  const db = opened ?? databaseUrl(project, values.url, io);
  const session = engineSession(io);
  try {
    const shadowUrl = values['shadow-url'];
    const schemaReport = await session.diffMigrationsToSchema(project, shadowUrl ? { shadow: { kind: 'url', url: shadowUrl } } : {});
    const schemaItems = attributed(schemaReport, project, io);
    let databaseItems: CheckItem[] | null = null;
    let history: HistoryStatus | undefined;
    if ('url' in db) {
      // Against the migrations this database recorded as applied: pending ones are not drift.
      history = await session.historyStatus(project, db.url);
      const report = await diffDatabaseToHistory(session, project, history, db.url);
      if (report.note) io.err(`drift-guard: note: ${report.note}`);
      databaseItems = attributed(report, project, io);
    }
    const guards = await guardRailFindings(project, history, { name: values.env ?? (values.url ? 'the database' : 'local'), kind: opened?.setting?.kind ?? 'development' });
    const guardItems = guards.map((f) => toGuardItem(f, project, io.cwd));
    if (values.json) {
      io.out(
        JSON.stringify(
          { schemaVsMigrations: { items: schemaItems }, databaseVsMigrations: databaseItems === null ? null : { items: databaseItems }, guardRails: { findings: guardItems } },
          null,
          2,
        ),
      );
    } else {
      const lines: string[] = [];
      const schemaLabel = `${displayPath(project.schemaPath, io.cwd)} vs ${plural(project.migrations.length, 'migration')} in ${displayPath(project.migrationsDir, io.cwd)}`;
      lines.push(schemaItems.length === 0 ? `✓ Schema matches migrations (${schemaLabel})` : `✗ Schema vs migrations (${schemaLabel}): ${plural(schemaItems.length, 'change')} not in any migration`);
      lines.push(...formatItems(schemaItems, 'schemaVsMigrations' satisfies Direction, io.cwd));
      if (databaseItems === null) {
        lines.push(`· Database not checked: ${'missing' in db ? db.missing : ''} (pass --url to check one)`);
      } else if ('url' in db) {
        lines.push(databaseItems.length === 0 ? `✓ Database matches migrations (${db.label})` : `✗ Database vs migrations (${db.label}): ${plural(databaseItems.length, 'difference')}`);
        lines.push(...formatItems(databaseItems, 'databaseVsMigrations', io.cwd));
      }
      if (schemaItems.length > 0) lines.push(`Run drift-guard baseline to write these ${plural(schemaItems.length, 'change')} as a migration.`);
      lines.push(...formatGuardItems(guardItems));
      io.out(lines.join('\n'));
    }
    const guardFails = guards.some((f) => f.severity === 'error' || (values.strict === true && f.severity === 'warning'));
    return schemaItems.length > 0 || (databaseItems?.length ?? 0) > 0 || guardFails ? 1 : 0;
  } finally {
    await session.dispose();
    await opened?.close();
  }
}

function requireUrl(project: PrismaProject, explicit: string | undefined, io: Io): { url: string; label: string } {
  const db = databaseUrl(project, explicit, io);
  if ('missing' in db) throw new UsageError(`No database URL: pass --url (${db.missing}).`);
  return db;
}

/** `--env NAME` (a configured environment, tunnelled when it has `ssh`), else `--url` or the datasource URL. */
async function requireDatabase(project: PrismaProject, values: { url?: string; env?: string }, io: Io): Promise<OpenedEnvironment> {
  if (values.env) return openEnvironment(project, values.env, { env: io.env, ...(values.url ? { url: values.url } : {}) });
  return { ...requireUrl(project, values.url, io), close: () => Promise.resolve() };
}

async function cmdStatus(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { ...COMMON, url: { type: 'string' }, env: { type: 'string' } });
  const project = await selectProject(values, io);
  const db = await requireDatabase(project, values, io);
  const session = engineSession(io);
  try {
    const status = await session.historyStatus(project, db.url);
    if (values.json) {
      const migrations = status.migrations.map((m) => {
        const out: Record<string, unknown> = { name: m.name, state: m.state };
        if (m.appliedAt) out.appliedAt = m.appliedAt;
        if (m.logs) out.logs = m.logs;
        if (m.note) out.note = m.note;
        if (m.difference) out.difference = m.difference;
        return out;
      });
      io.out(JSON.stringify({ migrations, hazards: status.hazards, notes: status.notes }, null, 2));
    } else {
      io.out(formatStatus(status, db.label).join('\n'));
    }
    return status.migrations.some((m) => m.state !== 'applied') || status.hazards.length > 0 ? 1 : 0;
  } finally {
    await session.dispose();
    await db.close();
  }
}

async function cmdBaseline(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { ...COMMON, name: { type: 'string' } });
  const project = await selectProject(values, io);
  const session = engineSession(io);
  try {
    const result = await session.createBaseline(project, values.name ? { name: values.name } : {});
    if (values.json) {
      const items = attributeToSchema(result.items, project.schemaFiles).map((i) => toCheckItem(i, io.cwd));
      io.out(
        JSON.stringify(
          {
            created: result.created,
            migrationName: result.migrationName ?? null,
            sqlPath: result.sqlPath ? displayPath(result.sqlPath, io.cwd) : null,
            verified: result.verified,
            items,
            message: result.message,
          },
          null,
          2,
        ),
      );
    } else {
      io.out(result.message);
      if (result.created && result.migrationName) {
        io.out(`Review it, then record it where the database already has these objects:\n  drift-guard resolve --applied ${result.migrationName} --url <database>`);
      }
    }
    return 0;
  } finally {
    await session.dispose();
  }
}

async function cmdResolve(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { ...COMMON, url: { type: 'string' }, env: { type: 'string' }, applied: { type: 'string' }, 'rolled-back': { type: 'string' }, force: { type: 'boolean' } });
  if (!values.applied === !values['rolled-back']) throw new UsageError('resolve needs exactly one of --applied NAME or --rolled-back NAME.');
  const project = await selectProject(values, io);
  const db = await requireDatabase(project, values, io);
  const session = engineSession(io);
  try {
    if (values.force) io.err(`drift-guard: WARNING: --force records the migration without proving the database has what it creates.`);
    const result = await session.resolve(project, db.url, {
      ...(values.applied ? { applied: values.applied } : { rolledBack: values['rolled-back'] }),
      ...(values.force ? { force: true } : {}),
    });
    if (result.forced) io.err(`drift-guard: WARNING: ${result.message}`);
    else io.out(result.message);
    return 0;
  } catch (err) {
    if (isEngineError(err) && err.code === 'refused') {
      // Only the CLI can force it: the hint belongs here, not in the engine's message the extension shows too.
      io.err(`drift-guard: ${err.message} --force records it anyway.`);
      return 1;
    }
    throw err;
  } finally {
    await session.dispose();
    await db.close();
  }
}

async function cmdBench(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { ...COMMON, runs: { type: 'string' } });
  const runs = values.runs === undefined ? 5 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new UsageError(`--runs must be a whole number from 1 to 100, not "${values.runs}".`);
  const project = await selectProject(values, io);
  const result = await runBenchmark(project, { runs, log: (m) => io.err(m) });
  // The explorer's per-database cost besides the round trip: status of 500 synthetic migrations.
  const history = await benchHistoryStatus({ migrations: 500, runs: Math.max(5, runs) });
  if (values.json) {
    io.out(JSON.stringify({ ...result, historyStatus: history }, null, 2));
  } else {
    const mb = (b: number): string => `${Math.round(b / 1024 / 1024)} MB`;
    io.out(
      [
        `Benchmark on ${project.name}: ${plural(result.migrations, 'migration')}, ${plural(result.schemaFiles, 'schema file')}, ${runs} run(s)`,
        `  cold (new process, cache present)   ${Math.round(result.coldMs)} ms`,
        `  cold (new process, empty cache)     ${Math.round(result.coldUncachedMs)} ms`,
        `  warm median (schema edited)         ${result.warmMedianMs.toFixed(1)} ms`,
        `  fresh shadow median                 ${Math.round(result.freshShadowMedianMs)} ms  (${result.speedup.toFixed(1)}× slower than warm)`,
        `  memory: session ${mb(result.rssBytes)}, worker ${mb(result.workerRssBytes)}`,
        `  ${`status of ${history.migrations} migrations`.padEnd(36)}${history.medianMs.toFixed(1)} ms median (max ${history.maxMs.toFixed(1)} ms; target ≤ 150 ms)`,
      ].join('\n'),
    );
  }
  return 0;
}

async function cmdProjects(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { project: { type: 'string' }, json: { type: 'boolean' } });
  const dir = path.resolve(io.cwd, values.project ?? '.');
  const projects = (await projectsAt(dir, io.env)).filter((p) => p.schemaFiles.length > 0 || !p.problems.some((x) => x.code === 'no-schema'));
  if (projects.length === 0) {
    throw new UsageError(`No Prisma project in ${dir} (looked for prisma/schema.prisma, schema.prisma, prisma/schema/, prisma.config.ts)`);
  }
  if (values.json) {
    io.out(
      JSON.stringify(
        projects.map((p) => ({ ...p, schemaFiles: p.schemaFiles.map((f) => f.path), lockFile: p.lockFile ? { path: p.lockFile.path, provider: p.lockFile.provider } : undefined })),
        null,
        2,
      ),
    );
  } else {
    io.out(projects.map(formatProjectSummary).join('\n\n'));
  }
  return projects.some((p) => p.problems.some((x) => x.severity === 'error')) ? 1 : 0;
}

/** Guard-rail findings of a project: names and ordering, plus what the database's history shows (applied order, checksums). */
async function guardRailFindings(project: PrismaProject, history: HistoryStatus | undefined, environment: { name: string; kind: EnvironmentKind }): Promise<GuardFinding[]> {
  const migrations = await Promise.all(
    project.migrations.map(async (m) => ({ name: m.name, sqlPath: m.sqlPath, ...(m.hasSql ? { sql: await readFile(m.sqlPath, 'utf8').catch(() => undefined) } : {}) })),
  );
  const written = await writtenOrder(project.migrationsDir).catch(() => undefined);
  // Recorded as applied, gone from the folder while git still has it: deleted here.
  const deleted: string[] = [];
  for (const m of history?.migrations ?? []) {
    if (m.state === 'missingLocally' && (await isCommitted(path.join(project.migrationsDir, m.name, 'migration.sql')).catch(() => false))) deleted.push(m.name);
  }
  return projectGuardFindings({
    migrations: migrations.map((m) => (m.sql === undefined ? { name: m.name, sqlPath: m.sqlPath } : m)),
    ...(history ? { histories: [{ environment: environment.name, kind: environment.kind, migrations: history.migrations, hazards: history.hazards }] } : {}),
    ...(written ? { written } : {}),
    deleted,
  });
}

/** A guard-rail finding as `check --json` prints it (`file`: the migration.sql, relative to the working directory). */
interface GuardItem extends GuardFinding {
  file?: string;
}

function toGuardItem(finding: GuardFinding, project: PrismaProject, cwd: string): GuardItem {
  const folder = project.migrations.find((m) => m.name === finding.migration);
  return { ...finding, ...(folder?.hasSql ? { file: displayPath(folder.sqlPath, cwd) } : {}) };
}

function formatGuardItems(items: readonly GuardItem[]): string[] {
  if (items.length === 0) return ['✓ Guard rails: migration names and order look safe'];
  const count = (s: GuardFinding['severity']): number => items.filter((i) => i.severity === s).length;
  const parts = [count('error') && plural(count('error'), 'error'), count('warning') && plural(count('warning'), 'warning'), count('info') && plural(count('info'), 'note')].filter(Boolean);
  const mark = { error: '✗', warning: '⚠', info: '·' } as const;
  const lines = [`${count('error') > 0 ? '✗' : '⚠'} Guard rails: ${parts.join(', ')}`];
  // Notes that say the same thing of several migrations (e.g. five date-only names) fold into one line.
  const notes = new Map<string, GuardItem[]>();
  for (const item of items) {
    if (item.severity !== 'info' || !item.message.startsWith(item.migration)) continue;
    const key = `${item.code}\u0000${item.message.slice(item.migration.length)}`;
    notes.set(key, [...(notes.get(key) ?? []), item]);
  }
  const folded = new Set<GuardItem>();
  for (const item of items) {
    if (folded.has(item)) continue;
    const group = [...notes.values()].find((g) => g.length >= 3 && g[0] === item);
    if (group) {
      group.forEach((g) => folded.add(g));
      lines.push(`  ${mark.info} [${item.code}] ${group.length} migrations${item.message.slice(item.migration.length).replace(/^ has /, ' have ')}`);
      lines.push(...group.map((g) => `      ${g.file ?? g.migration}`));
      continue;
    }
    lines.push(`  ${mark[item.severity]} ${item.file ?? item.migration} [${item.code}] ${item.message}`);
  }
  return lines;
}

async function cmdRehearse(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { ...COMMON, url: { type: 'string' }, env: { type: 'string' }, dump: { type: 'string' }, 'pg-dump': { type: 'string' }, strict: { type: 'boolean' } });
  const project = await selectProject(values, io);
  let db: OpenedEnvironment | undefined;
  if (values.env || values.url || !values.dump) {
    db = await requireDatabase(project, values, io);
  } else {
    const fallback = databaseUrl(project, undefined, io);
    if ('url' in fallback) db = { ...fallback, close: () => Promise.resolve() };
  }
  const session = engineSession(io);
  try {
    let dump: DumpResult;
    if (values.dump) {
      const file = path.resolve(io.cwd, values.dump);
      const sql = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`--dump ${values.dump}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
      });
      checkPlainDump(sql, `--dump ${values.dump}`);
      dump = { sql, source: { kind: 'file', description: displayPath(file, io.cwd), bytes: Buffer.byteLength(sql) } };
    } else if (db?.setting?.ssh?.rehearseDumpCommand && db.exec) {
      const exec = db.exec;
      io.err(`drift-guard: dumping with ${db.setting.ssh.rehearseDumpCommand} on ${db.setting.ssh.host}…`);
      dump = await dumpOverSsh({ exec: (command, options) => exec(command, options) }, db.setting.ssh.rehearseDumpCommand, { host: db.setting.ssh.host });
    } else {
      dump = await dumpWithPgDump(db!.url, values['pg-dump'] ? { pgDump: values['pg-dump'] } : {});
    }
    const target = values.env ?? db?.label ?? displayPath(path.resolve(io.cwd, values.dump ?? ''), io.cwd);
    const report = await session.rehearse(project, { dump: dump.sql, source: dump.source, target, ...(db ? { url: db.url } : {}) });
    if (values.json) {
      io.out(JSON.stringify({ ...report, migrations: report.migrations.map((m) => ({ ...m, ...(m.sqlPath ? { sqlPath: displayPath(m.sqlPath, io.cwd) } : {}) })) }, null, 2));
    } else {
      io.out(rehearsalText(report, (file) => displayPath(file, io.cwd)));
    }
    return rehearsalExitCode(report, values.strict === true);
  } finally {
    await session.dispose();
    await db?.close();
  }
}

const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  check: cmdCheck,
  status: cmdStatus,
  baseline: cmdBaseline,
  resolve: cmdResolve,
  bench: cmdBench,
  projects: cmdProjects,
  rehearse: cmdRehearse,
};

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.err(HELP);
      return 2;
    }
    if (command === '-h' || command === '--help' || command === 'help') {
      io.out(HELP);
      return 0;
    }
    if (command === '-v' || command === '--version') {
      io.out(typeof __DRIFT_GUARD_VERSION__ === 'string' ? __DRIFT_GUARD_VERSION__ : 'dev');
      return 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`Unknown command "${command}". Run drift-guard --help.`);
    if (rest.includes('-h') || rest.includes('--help')) {
      io.out(HELP);
      return 0;
    }
    return await run(rest, io);
  } catch (err) {
    io.err(`drift-guard: ${oneLine(err, io.cwd)}`);
    return 2;
  }
}

/** One line for any failure: engine errors with their location and migration, never a stack. */
function oneLine(err: unknown, cwd: string): string {
  if (isEngineError(err)) {
    const where = err.location ? ` (${at(err.location, cwd)})` : '';
    return `${err.message}${where}`.replace(/\s*\n\s*/g, ' ');
  }
  if (err instanceof UsageError) return err.message;
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    cwd: process.cwd(),
    env: process.env,
  }).then((code) => {
    // The embedded database and engine may keep handles open; the answer is written, so leave.
    process.stdout.write('', () => process.exit(code));
  });
}
