import * as l10n from '@vscode/l10n';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkRehearsalGate } from '../core/app/rehearsals';
import { type ReplayBlocked, replayBlockedMessage } from '../core/app/deletedMigrations';
import { checkProject } from '../core/app/driftCheck';
import {
  deletedAppliedMigrations,
  gatherGuardRailInputs,
  guardInputFinding,
  guardRailFindings,
} from '../core/app/guardRailInputs';
import { describeAction, listNames, presentInFor } from '../core/app/driftActions';
import {
  computeDeployPlan,
  type DeployPlan,
  deployPlanJson,
  deployPlanText,
  migrationsToMarkApplied,
} from '../core/app/deployPlan';
import { FileRunLogStore, findRunLogRoot, recordWrite, runLogPath, type WriteInput } from '../core/app/runLog';
import { attributeToSchema } from '../core/drift/attribution';
import { type AttributedItem, type DriftFinding, groupFindings } from '../core/drift/driftFindings';
import { countDriftedObjects, driftedObjects } from '../core/drift/counts';
import { type CiFinding, levelOf, toGithubCommands, toSarif } from '../core/app/ciReport';
import { type OpenedEnvironment } from '../core/app/environments';
import { cliEnvironmentDatabases, openCliEnvironment } from './cliEnvironments';
import { type EnvironmentKind } from '../core/environments/config';
import { appliedIndex, appliedViolationFinding, deletedViolation } from '../core/guards/appliedMigrations';
import { type GuardFinding } from '../core/guards/guardFindings';
import { repositoryRoot } from '../core/guards/git';
import { type HistoryStatus } from '../core/history/status';
import { checkPlainDump, type DumpResult, dumpOverSsh, dumpWithPgDump } from '../core/rehearsal/dumpSource';
import { rehearsalExitCode, rehearsalText } from '../core/rehearsal/report';
import { rehearsalRecord, saveRehearsal } from '../core/app/rehearsals';
import { type CheckedDatabase, isEngineError } from '../core/engine';
import { runBenchmark } from '../core/app/engineBench';
import { EngineOperations } from '../core/app/engineOperations';
import { describeJudgement, judgePrismaVersion, type PrismaJudgement } from '../core/project/prismaVersion';
import { ignoredPreviewFeatureNote, withoutUnknownPreviewFeatures } from '../core/engine/projectInput';
import { benchHistoryStatus } from '../core/history/historyBench';
import { benchLargeInitText } from '../core/app/largeInitBench';
import { discoverProjects, findProjectMarkers, loadProject, redactUrl } from '../core/project/discovery';
import { safeText } from '../core/util/controlChars';
import { describeUrlSource, formatProjectSummary, redactedProject } from '../core/project/projectSummary';
import { type PrismaProject, type UrlSource } from '../core/project/types';
import { pickLanguage } from '../core/util/language';
import { DriftGuardError } from '../core/util/errors';
import {
  type CheckItem,
  type Direction,
  at,
  displayPath,
  formatFindings,
  formatStatus,
  statusExitCode,
  toCheckItem,
} from './format';
import { runInterruptible } from './interrupt';
import { useLanguage } from './cliLanguage';
import { cmdReview } from './review';

/** Bad input: printed as one line on stderr, exit code 2, no stack trace. */
export class UsageError extends DriftGuardError<'usage'> {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('usage', message);
  }
}

/** The --help text, in the CLI's language; each paragraph is one message, wrapped here. */
function helpText(): string {
  const cmd = (name: string, text: string): string => wrap(text, `  ${name.padEnd(11)}`, ' '.repeat(13));
  const opt = (flag: string, text: string): string => wrap(text, `  ${flag.padEnd(18)}`, ' '.repeat(20));
  return [
    l10n.t('drift-guard — drift between schema.prisma, your migrations and PostgreSQL databases'),
    '',
    l10n.t('Usage:'),
    '  drift-guard check    [--project DIR] [--schema PATH] [--migrations DIR] [--url URL | --env NAME] [--shadow-url URL] [--strict] [--json | --format FORMAT]',
    '  drift-guard status   [--project DIR] [--url URL | --env NAME] [--strict] [--json]',
    '  drift-guard baseline [--project DIR] [--name NAME] [--from FILE] [--json]',
    '  drift-guard migrate  --name NAME [--project DIR] [--from FILE] [--json]',
    '  drift-guard resolve  [--project DIR] [--url URL | --env NAME] (--applied NAME | --rolled-back NAME) [--force]',
    '  drift-guard bench    [--project DIR] [--runs N] [--json]',
    '  drift-guard projects [--project DIR] [--json]',
    '  drift-guard rehearse [--project DIR] [--url URL | --env NAME] [--dump FILE] [--pg-dump PATH] [--strict] [--json]',
    '  drift-guard deploy   [--project DIR] [--url URL | --env NAME] [--dry-run] [--yes] [--json]',
    '  drift-guard review   [--project DIR] [--url URL | --env NAME] [--format text|json|markdown|sarif|github] [--fail-on warning|error]',
    '',
    cmd(
      'check',
      l10n.t(
        "schema vs migrations (on an embedded shadow database, or --shadow-url), and the database at --url (default: the project's datasource URL) vs migrations",
      ),
    ),
    cmd(
      'status',
      l10n.t(
        "every migration's state on the database: applied, pending, failed, rolled back, modified after apply, missing locally; and ordering hazards",
      ),
    ),
    cmd(
      'baseline',
      l10n.t(
        'writes <migrations>/<timestamp>_<name>/migration.sql with what the migrations lack, only once it applies on the shadow and reproduces the schema; otherwise it stays a draft in .drift-guard/drafts/ (the error says why and where): edit it, then --from FILE installs it',
      ),
    ),
    cmd(
      'migrate',
      l10n.t(
        'the same, as a normal named migration for new changes (prisma migrate dev --create-only): written from the diff, verified on the shadow, never recorded as applied anywhere. check says which changes are new (action "migrate") and which a database already has ("baseline")',
      ),
    ),
    cmd(
      'resolve',
      l10n.t(
        'records a migration as applied (only if the database already has every change it makes, unless --force) or as rolled back',
      ),
    ),
    cmd(
      'bench',
      l10n.t(
        'measures cold, warm and fresh-shadow analysis times on the project, and the migration status of 500 synthetic migrations',
      ),
    ),
    cmd('projects', l10n.t('finds the Prisma projects under DIR and describes them')),
    cmd(
      'rehearse',
      l10n.t(
        "deploy rehearsal on a copy: the database's schema (pg_dump --schema-only here, through the --env tunnel, or the environment's ssh.rehearseDumpCommand on its server, or --dump) loaded into an embedded PostgreSQL with its _prisma_migrations history, then every pending migration applied there one by one, with its error and timing, and warnings for destructive statements. Nothing is written to the database (its history is only read). With --env, the result is recorded in .drift-guard/rehearsals.json: a production deploy needs a passing rehearsal of the same pending migrations (rule 3).",
      ),
    ),
    cmd(
      'deploy',
      l10n.t(
        'the deploy plan of the database: each pending migration is "apply" (the database has none of its changes), "markApplied" (it has them all: record it with resolve --applied, deploying it would fail) or "blocked" (it has part of them; failed rows block too). Without --dry-run, applies the pending migrations as migrate deploy does, only when every one is "apply"; otherwise prints the plan, writes nothing and exits 1. A production environment (--env with "kind": "production") needs --yes and a passing rehearsal of the same pending migrations (drift-guard rehearse --env NAME, rule 3).',
      ),
    ),
    cmd(
      'review',
      l10n.t(
        "reviews the pending migrations without running them: data loss (DROP TABLE/COLUMN, enum values removed, narrower types, TRUNCATE/DELETE), statements failing on existing rows (SET NOT NULL, required columns without default, new unique indexes), long locks (CREATE INDEX without CONCURRENTLY, table rewrites, foreign keys without NOT VALID) and Prisma traps, each with its safe rewrite. Pending: not in the main branch (origin/main, main or master), or not applied on --url/--env (with the tables' row estimates). Waive a rule for one statement with a comment saying why: -- drift-guard-ignore <rule>: <reason>. --format markdown is a pull-request comment. Exit 1 when a finding is at or above --fail-on (default: error).",
      ),
    ),
    '',
    wrap(
      l10n.t(
        'check also reports guard rails (JSON key "guardRails"): meaningless migration names, names without a time part, duplicate timestamps, same-day migrations applied or committed in another order than their names sort in, migrations using what a later one creates, applied migrations edited or deleted, and (in git) migrations whose adding commit\'s message does not describe them (team rule 4, a note).',
      ),
      '  ',
      '  ',
    ),
    '',
    l10n.t('Options:'),
    opt('--project DIR', l10n.t('project root, or a folder with exactly one project below (default: .)')),
    opt('--schema PATH', l10n.t('schema file or folder (default: found like Prisma does)')),
    opt('--migrations DIR', l10n.t('migrations folder (default: prisma.config.ts, else next to the schema)')),
    opt('--url URL', l10n.t('database URL (default: the datasource url, from env/.env/prisma.config.ts)')),
    opt(
      '--env NAME',
      l10n.t(
        'an environment of driftGuard.environments in .vscode/settings.json, through its SSH tunnel if it has one (URL from its variable or --url; SSH password and key passphrase from DRIFT_GUARD_SSH_PASSWORD / DRIFT_GUARD_SSH_PASSPHRASE; host keys from known_hosts or DRIFT_GUARD_KNOWN_HOSTS, unknown hosts refused)',
      ),
    ),
    opt('--shadow-url URL', l10n.t('use this (emptied) database as the shadow instead of the embedded one')),
    opt('--dump FILE', l10n.t('rehearse: a plain SQL dump to load instead of dumping the database')),
    opt('--pg-dump PATH', l10n.t('rehearse: the pg_dump to run (default: pg_dump on PATH)')),
    opt('--strict', l10n.t('check, status, rehearse: warnings count as findings (exit 1)')),
    opt('--dry-run', l10n.t('deploy: print the plan only, write nothing')),
    opt('--yes', l10n.t('deploy: confirm a deploy to a production environment')),
    opt('--json', l10n.t('machine-readable output on stdout')),
    opt(
      '--format FORMAT',
      l10n.t(
        'check: text (default), json (= --json), sarif (SARIF 2.1.0, for code scanning) or github (GitHub Actions annotations: ::warning file=…,line=…::message); same exit codes',
      ),
    ),
    opt('--lang en|fr', l10n.t('language of the human text (default: from LC_ALL, LC_MESSAGES, LANG)')),
    opt('-h, --help', l10n.t('this help')),
    opt('-v, --version', l10n.t('the version')),
    '',
    wrap(
      l10n.t(
        'Exit codes: 0 nothing found, 1 drift / non-applied or problem migrations found (check: guard-rail errors, and warnings with --strict; status: a migration not applied, and ordering hazards with --strict; rehearse: a migration failed on the copy or the deploy would be refused, and warnings with --strict; deploy: the plan is not all "apply", nothing written), 2 bad input or failure (one line on stderr, no stack trace). deploy exits 0 when deployed or nothing is pending.',
      ),
      '',
      '',
    ),
  ].join('\n');
}

/** `text` in lines of at most 100 characters, the first after `first`, the others after `rest`. */
function wrap(text: string, first: string, rest: string, width = 100): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

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

function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true }>>['values'] {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(
      l10n.t('{0}. Run drift-guard --help.', (err as Error).message.replace(/\. To specify.*$/s, '')),
    );
  }
}

/** Loads the project at `dir`, or the projects found below it when `dir` is not itself a project. */
export async function projectsAt(dir: string, env: Record<string, string | undefined>): Promise<PrismaProject[]> {
  const direct = await loadProject(dir, { env });
  // A schema declared by the folder's config or package.json is this folder's project, even when it is missing.
  if (!direct.problems.some((p) => p.code === 'no-schema') || direct.configFile || direct.schemaSource !== 'default') {
    return [direct];
  }
  return discoverProjects(await findProjectMarkers(dir), { env });
}

/**
 * The projects under `dir` worth naming: those with a schema, and those whose package.json or Prisma config
 * declares a schema that is missing (a generated schema not built yet must be said, not skipped in silence).
 */
async function declaredProjectsAt(dir: string, env: Record<string, string | undefined>): Promise<PrismaProject[]> {
  return (await projectsAt(dir, env)).filter(
    (p) => p.schemaFiles.length > 0 || p.schemaSource !== 'default' || !p.problems.some((x) => x.code === 'no-schema'),
  );
}

/** The one project a command works on; fails clearly on none, several, or a broken layout. */
async function selectProject(
  values: { project?: string; schema?: string; migrations?: string },
  io: Io,
): Promise<PrismaProject> {
  const dir = path.resolve(io.cwd, values.project ?? '.');
  if (!existsSync(dir)) {
    throw new UsageError(l10n.t('--project {0}: no such folder ({1}).', values.project ?? '.', dir));
  }
  let project: PrismaProject;
  if (values.schema || values.migrations) {
    project = await loadProject(dir, {
      env: io.env,
      ...(values.schema ? { schemaPath: path.resolve(io.cwd, values.schema), schemaSource: 'argument' as const } : {}),
      ...(values.migrations
        ? { migrationsPath: path.resolve(io.cwd, values.migrations), migrationsSource: 'argument' as const }
        : {}),
    });
  } else {
    const found = await declaredProjectsAt(dir, io.env);
    if (found.length === 0) {
      throw new UsageError(
        l10n.t(
          'No Prisma project in {0} (looked for prisma/schema.prisma, schema.prisma, prisma/schema/, prisma.config.ts). Pass --project or --schema.',
          dir,
        ),
      );
    }
    if (found.length > 1) {
      throw new UsageError(
        l10n.t(
          '{0} Prisma projects under {1} ({2}): pass --project DIR or --schema PATH.',
          found.length,
          dir,
          found.map((p) => displayPath(p.schemaPath, io.cwd)).join(', '),
        ),
      );
    }
    project = found[0];
  }
  const error = project.problems.find((p) => p.severity === 'error');
  if (error) throw new UsageError(`${error.message}${error.location ? ` (${at(error.location, io.cwd)})` : ''}`);
  for (const w of project.problems.filter((p) => p.severity === 'warning')) {
    io.err(`drift-guard: ${l10n.t('warning: {0}', `${w.message}${w.location ? ` (${at(w.location, io.cwd)})` : ''}`)}`);
  }
  return project;
}

/** The database URL: `--url`, else the datasource's (direct URL first: migrations need a direct connection). */
function databaseUrl(
  project: PrismaProject,
  explicit: string | undefined,
  io: Io,
): { url: string; label: string } | { missing: string } {
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
  return {
    missing: ds?.url
      ? l10n.t('the datasource url is {0}', describeUrlSource(project, ds.url))
      : l10n.t('{0} has no datasource url', displayPath(project.schemaPath, io.cwd)),
  };
}

function engineSession(io: Io): EngineOperations {
  const cacheDir =
    io.env.DRIFT_GUARD_CACHE_DIR ??
    path.join(io.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'prisma-drift-guard');
  return new EngineOperations({ cacheDir });
}

/**
 * How the project is judged (JSON key `prisma`): the Prisma major the analysis imitates, from what, and notes (no
 * version found, preview features the analysis ignores). In text mode the preview-feature notes go to stderr; the
 * judgement is the first line of the output ({@link judgedLine}).
 */
function prismaJudgement(
  project: PrismaProject,
  io: Io,
  json: boolean | undefined,
): { major: 5 | 6 | 7; source: string; note?: string; notes: string[] } {
  const judgement = judgePrismaVersion(project.prismaVersion);
  const notes: string[] = [];
  for (const file of project.schemaFiles) {
    for (const feature of withoutUnknownPreviewFeatures(file.content, file.path).ignored) {
      notes.push(`${ignoredPreviewFeatureNote(feature)} (${at(feature.location, io.cwd)})`);
    }
  }
  if (!json) for (const note of notes) io.err(`drift-guard: ${l10n.t('note: {0}', note)}`);
  return { ...judgement, notes: judgement.note ? [judgement.note, ...notes] : notes };
}

function judgedLine(judgement: PrismaJudgement): string {
  return judgement.note
    ? l10n.t('· Judged as {0} — {1}', describeJudgement(judgement), judgement.note)
    : l10n.t('· Judged as {0}', describeJudgement(judgement));
}

/** Each count's singular and plural, as messages of their own (languages do not plural by adding an s). */
const COUNTED = {
  migration: [() => l10n.t('1 migration'), (n: number) => l10n.t('{0} migrations', n)],
  change: [() => l10n.t('1 change'), (n: number) => l10n.t('{0} changes', n)],
  difference: [() => l10n.t('1 difference'), (n: number) => l10n.t('{0} differences', n)],
  'failed migration': [() => l10n.t('1 failed migration'), (n: number) => l10n.t('{0} failed migrations', n)],
  'schema file': [() => l10n.t('1 schema file'), (n: number) => l10n.t('{0} schema files', n)],
  error: [() => l10n.t('1 error'), (n: number) => l10n.t('{0} errors', n)],
  warning: [() => l10n.t('1 warning'), (n: number) => l10n.t('{0} warnings', n)],
  note: [() => l10n.t('1 note'), (n: number) => l10n.t('{0} notes', n)],
} as const;

function plural(n: number, word: keyof typeof COUNTED): string {
  const [one, many] = COUNTED[word];
  return n === 1 ? one() : many(n);
}

function cliVersion(): string {
  return typeof __DRIFT_GUARD_VERSION__ === 'string' ? __DRIFT_GUARD_VERSION__ : 'dev';
}

const CHECK_FORMATS = ['text', 'json', 'sarif', 'github'] as const;
type CheckFormat = (typeof CHECK_FORMATS)[number];

/** `--format text|json|sarif|github`; `--json` is `--format json`. */
function checkFormat(values: { json?: boolean; format?: string }): CheckFormat {
  const format = values.format ?? (values.json ? 'json' : 'text');
  if (!(CHECK_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(l10n.t('--format {0}: expected one of {1}.', format, CHECK_FORMATS.join(', ')));
  }
  if (values.json && format !== 'json') {
    throw new UsageError(l10n.t('--json and --format {0} ask for two outputs: pass one of them.', format));
  }
  return format as CheckFormat;
}

/**
 * What `check` found, one entry per drifted object (the indexes and keys of a new table folded into it, as in the
 * editor), failed migration and guard-rail finding, located where the editor shows them: drift on the schema's model
 * or field line (or the migration.sql line of something the schema no longer has), guard rails on their migration.sql.
 */
function ciFindings(
  project: PrismaProject,
  input: {
    schema: readonly AttributedItem[];
    database: { name: string; label: string; items: readonly AttributedItem[] } | null;
    failed: readonly HistoryStatus['migrations'][number][];
    guards: readonly GuardFinding[];
  },
): CiFinding[] {
  const out: CiFinding[] = [];
  const checked = input.database ? [input.database.name] : [];
  const at = (
    location: { file: string; line: number; character: number } | undefined,
  ): Pick<CiFinding, 'file' | 'line' | 'column'> =>
    location ? { file: location.file, line: location.line, column: location.character } : {};
  for (const f of groupFindings(input.schema, 'schemaVsMigrations')) {
    const presentIn = input.database
      ? presentInFor(f.primary, [{ name: input.database.name, items: input.database.items }])
      : [];
    const action = describeAction(
      {
        action: presentIn.length > 0 ? 'baseline' : 'migrate',
        presentIn,
        absentFrom: checked.filter((n) => !presentIn.includes(n)),
      },
      checked,
    );
    out.push({
      ruleId: 'schema-drift',
      level: 'warning',
      title: l10n.t('Schema drift: {0}', f.label),
      message: `${f.message} — ${action}`,
      ...at(f.location),
    });
  }
  if (input.database) {
    for (const f of groupFindings(input.database.items, 'databaseVsMigrations')) {
      out.push({
        ruleId: 'database-drift',
        level: 'warning',
        title: l10n.t('Database drift ({0}): {1}', input.database.name, f.label),
        message: `[${input.database.name}] ${f.message}`,
        ...at(f.location),
      });
    }
    for (const m of input.failed) {
      const folder = project.migrations.find((x) => x.name === m.name && x.hasSql);
      out.push({
        ruleId: 'migration-failed',
        level: 'error',
        title: l10n.t('Failed migration: {0}', m.name),
        message: `${l10n.t('{0} is recorded as failed on {1}: migrate deploy stops on it (P3009).', m.name, input.database.label)}${m.note ? ` ${m.note}` : ''}`,
        ...(folder ? { file: folder.sqlPath, line: 1, column: 1 } : {}),
      });
    }
  }
  for (const g of input.guards) {
    const folder = project.migrations.find((x) => x.name === g.migration && x.hasSql);
    // A deleted migration has no file left: shown on the lock file, as in the editor.
    const file = folder?.sqlPath ?? project.lockFile?.path;
    out.push({
      ruleId: g.code,
      level: levelOf(g.severity),
      title: g.migration || g.code,
      message: g.message,
      ...(file ? { file, line: folder ? (g.line ?? 1) : 1, column: 1 } : {}),
    });
  }
  return out;
}

async function cmdCheck(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, {
    ...COMMON,
    url: { type: 'string' },
    env: { type: 'string' },
    'shadow-url': { type: 'string' },
    strict: { type: 'boolean' },
    format: { type: 'string' },
  });
  const format = checkFormat(values);
  const project = await selectProject(values, io);
  const opened = values.env ? await requireDatabase(project, values, io) : undefined;
  const db = opened ?? databaseUrl(project, values.url, io);
  const prisma = prismaJudgement(project, io, format === 'json');
  const session = engineSession(io);
  try {
    const shadowUrl = values['shadow-url'];
    const protect = shadowUrl ? await checkedDatabases(project, db, io) : [];
    const dbName = values.env ?? (values.url ? redactUrl(values.url) : 'local');
    const guardEnvironment = values.env ?? (values.url ? 'the database' : 'local');
    // The schema against the migrations, the database against its applied ones; a schema check that fails because an
    // applied migration was deleted here comes back explained (`blocked`), from the database's own record.
    const result = await checkProject(session, project, {
      ...(shadowUrl ? { schema: { shadow: { kind: 'url', url: shadowUrl, protect } } } : {}),
      ...('url' in db ? { database: { url: db.url, environment: guardEnvironment } } : {}),
    });
    const history = result.history;
    const schemaBlocked = 'blocked' in result.schema ? result.schema.blocked : undefined;
    const databaseBlocked = result.database?.blocked;
    if (result.database?.report?.note) io.err(`drift-guard: ${l10n.t('note: {0}', result.database.report.note)}`);
    const databaseRaw: AttributedItem[] | null = result.database?.items ?? null;
    const databaseItems: CheckItem[] | null =
      databaseRaw === null ? null : databaseRaw.map((i) => toCheckItem(i, io.cwd));
    const schemaRaw = 'items' in result.schema ? result.schema.items : [];
    const schemaItems = schemaRaw.map((i) => toCheckItem(i, io.cwd));
    // Which checked database already has each schema change: a baseline for db push drift, a migration otherwise.
    const checked = databaseItems === null ? [] : [dbName];
    const withAction = schemaItems.map((item) => {
      const presentIn = databaseItems === null ? [] : presentInFor(item, [{ name: dbName, items: databaseItems }]);
      return { ...item, presentIn, action: presentIn.length > 0 ? ('baseline' as const) : ('migrate' as const) };
    });
    const actions = new Set(withAction.map((i) => i.action));
    const overall = actions.size === 0 ? 'none' : actions.size === 2 ? 'mixed' : [...actions][0];
    const guards = await projectGuardRails(project, history, {
      name: guardEnvironment,
      kind: opened?.setting?.kind ?? 'development',
    });
    const guardItems = guards.map((f) => toGuardItem(f, project, io.cwd));
    const failedMigrations = result.failedMigrations;
    const guardFails = guards.some(
      (f) => f.severity === 'error' || (values.strict === true && f.severity === 'warning'),
    );
    const exitCode =
      schemaItems.length > 0 ||
      (databaseItems?.length ?? 0) > 0 ||
      failedMigrations.length > 0 ||
      guardFails ||
      schemaBlocked ||
      databaseBlocked
        ? 1
        : 0;
    if (format === 'sarif' || format === 'github') {
      const findings = ciFindings(project, {
        schema: schemaRaw,
        database: databaseRaw === null || !('url' in db) ? null : { name: dbName, label: db.label, items: databaseRaw },
        failed: failedMigrations,
        guards,
      });
      const root = (await repositoryRoot(project.root).catch(() => undefined)) ?? project.root;
      if (format === 'sarif') io.out(JSON.stringify(toSarif(findings, { root, version: cliVersion() }), null, 2));
      else io.out(toGithubCommands(findings, root).join('\n'));
      return exitCode;
    }
    if (format === 'json') {
      io.out(
        JSON.stringify(
          {
            prisma,
            schemaVsMigrations: {
              checkedDatabases: checked,
              action: overall,
              objects: countDriftedObjects(schemaRaw, 'schemaVsMigrations'),
              items: withAction,
              ...(schemaBlocked
                ? { blocked: blockedJson(schemaBlocked, displayPath(project.migrationsDir, io.cwd)) }
                : {}),
            },
            databaseVsMigrations: databaseBlocked
              ? { blocked: blockedJson(databaseBlocked, displayPath(project.migrationsDir, io.cwd)) }
              : databaseRaw === null || databaseItems === null
                ? null
                : { objects: countDriftedObjects(databaseRaw, 'databaseVsMigrations'), items: databaseItems },
            failedMigrations: history
              ? failedMigrations.map((m) => ({
                  name: m.name,
                  startedAt: m.appliedAt ?? null,
                  missingLocally: m.missingLocally === true,
                  logs: m.logs ?? null,
                  note: m.note ?? null,
                }))
              : null,
            guardRails: { findings: guardItems },
          },
          null,
          2,
        ),
      );
    } else {
      const lines: string[] = [judgedLine(prisma)];
      // The deleted migration is the cause: said first, before what it prevents.
      const blocked = schemaBlocked ?? databaseBlocked;
      if (blocked) lines.push(...formatGuardItems(guardItems));
      const schemaLabel = l10n.t(
        '{0} vs {1} in {2}',
        displayPath(project.schemaPath, io.cwd),
        plural(project.migrations.length, 'migration'),
        displayPath(project.migrationsDir, io.cwd),
      );
      // Counted and listed as objects (a new table with its indexes and keys is one), as the editor does.
      const schemaFindings = 'findings' in result.schema ? result.schema.findings : [];
      const presentInOf = (f: DriftFinding): string[] =>
        databaseRaw === null ? [] : presentInFor(f.primary, [{ name: dbName, items: databaseRaw }]);
      lines.push(
        schemaBlocked
          ? l10n.t(
              '✗ Schema vs migrations ({0}): {1}',
              schemaLabel,
              replayBlockedMessage(schemaBlocked, displayPath(project.migrationsDir, io.cwd)),
            )
          : schemaFindings.length === 0
            ? l10n.t('✓ Schema matches migrations ({0})', schemaLabel)
            : l10n.t(
                '✗ Schema vs migrations ({0}): {1} not in any migration',
                schemaLabel,
                objectsText(schemaFindings.length),
              ),
      );
      lines.push(
        ...formatFindings(schemaFindings, 'schemaVsMigrations' satisfies Direction, io.cwd, (f) => {
          const presentIn = presentInOf(f);
          return describeAction(
            {
              action: presentIn.length > 0 ? 'baseline' : 'migrate',
              presentIn,
              absentFrom: checked.filter((n) => !presentIn.includes(n)),
            },
            checked,
          );
        }),
      );
      if (databaseBlocked && 'url' in db) {
        lines.push(
          l10n.t(
            '✗ Database vs migrations ({0}): {1}',
            db.label,
            schemaBlocked
              ? l10n.t('drift not computed, for the same reason ({0} deleted)', databaseBlocked.deleted.join(', '))
              : replayBlockedMessage(databaseBlocked, displayPath(project.migrationsDir, io.cwd)),
          ),
        );
      } else if (databaseRaw === null) {
        lines.push(l10n.t('· Database not checked: {0} (pass --url to check one)', 'missing' in db ? db.missing : ''));
      } else if ('url' in db) {
        const databaseFindings = result.database?.findings ?? [];
        lines.push(
          databaseFindings.length === 0
            ? l10n.t('✓ Database matches migrations ({0})', db.label)
            : l10n.t('✗ Database vs migrations ({0}): {1}', db.label, objectsText(databaseFindings.length)),
        );
        lines.push(...formatFindings(databaseFindings, 'databaseVsMigrations', io.cwd));
        if (failedMigrations.length > 0) {
          lines.push(
            failedMigrations.length === 1
              ? l10n.t('✗ Database history ({0}): 1 failed migration — migrate deploy stops on it (P3009)', db.label)
              : l10n.t(
                  '✗ Database history ({0}): {1} failed migrations — migrate deploy stops on them (P3009)',
                  db.label,
                  failedMigrations.length,
                ),
          );
          for (const m of failedMigrations) lines.push(`  ✗ ${m.name}${m.note ? ` — ${m.note}` : ''}`);
        }
      }
      const these =
        schemaFindings.length === 1
          ? l10n.t('this drifted object')
          : l10n.t('these {0}', objectsText(schemaFindings.length));
      if (overall === 'migrate') {
        lines.push(
          checked.length === 0
            ? l10n.t(
                'Run drift-guard migrate --name <what_it_does> to write {0} as a new migration (no database was checked: pass --url or --env to see whether one already has them).',
                these,
              )
            : l10n.t('Run drift-guard migrate --name <what_it_does> to write {0} as a new migration.', these),
        );
      } else if (overall === 'baseline') {
        lines.push(
          l10n.t(
            'Run drift-guard baseline to write {0} as a baseline, then drift-guard resolve --applied <it> on {1}.',
            these,
            listNames(checked),
          ),
        );
      } else if (overall === 'mixed') {
        const present = schemaFindings.filter((f) => presentInOf(f).length > 0).length;
        const fresh = schemaFindings.length - present;
        lines.push(
          `${l10n.t('Mixed: {0} already in {1} (baseline), {2} new (migration).', objectsText(present), listNames(checked), objectsText(fresh))} ${l10n.t('One migration cannot be both: a migration of all would fail where the objects exist, a baseline marked applied would record what is missing. In the editor, "Create Baseline and Migration…" writes the two in one step, each verified.')}`,
        );
      }
      if (!blocked) lines.push(...formatGuardItems(guardItems));
      io.out(lines.join('\n'));
    }
    return exitCode;
  } finally {
    await session.dispose();
    await opened?.close();
  }
}

/** A drift count in the one vocabulary (src/core/drift/counts.ts), in the CLI's language: `7 drifted objects`. */
function objectsText(n: number): string {
  return driftedObjects(n, { one: l10n.t('1 drifted object'), many: (count) => l10n.t('{0} drifted objects', count) });
}

/** `check --json`'s `blocked`: why the drift was not computed. */
function blockedJson(blocked: ReplayBlocked, migrationsDir: string): Record<string, unknown> {
  return {
    reason: 'applied-migration-deleted',
    deleted: blocked.deleted,
    environments: blocked.environments,
    failedMigration: blocked.failedMigration ?? null,
    message: replayBlockedMessage(blocked, migrationsDir),
  };
}

/** What a `--shadow-url` must not be: the database checked, the datasource URLs, every configured environment. */
async function checkedDatabases(
  project: PrismaProject,
  db: { url: string; label: string } | { missing: string },
  io: Io,
): Promise<CheckedDatabase[]> {
  const out: CheckedDatabase[] = 'url' in db ? [{ label: l10n.t('the checked database'), url: db.url }] : [];
  for (const [name, source] of [
    ['url', project.datasource?.url],
    ['directUrl', project.datasource?.directUrl],
  ] as Array<[string, UrlSource | undefined]>) {
    if (source && source.kind !== 'unresolved' && source.value !== undefined) {
      out.push({ label: l10n.t('the datasource {0}', name), url: source.value });
    }
  }
  return [...out, ...(await cliEnvironmentDatabases(project, io.env, io.err))];
}

function requireUrl(project: PrismaProject, explicit: string | undefined, io: Io): { url: string; label: string } {
  const db = databaseUrl(project, explicit, io);
  if ('missing' in db) throw new UsageError(l10n.t('No database URL: pass --url ({0}).', db.missing));
  return db;
}

/** `--env NAME` (a configured environment, tunnelled when it has `ssh`), else `--url` or the datasource URL. */
async function requireDatabase(
  project: PrismaProject,
  values: { url?: string; env?: string },
  io: Io,
): Promise<OpenedEnvironment> {
  if (values.env) {
    return openCliEnvironment(project, values.env, { env: io.env, ...(values.url ? { url: values.url } : {}) });
  }
  return { ...requireUrl(project, values.url, io), close: () => Promise.resolve() };
}

async function cmdStatus(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, {
    ...COMMON,
    url: { type: 'string' },
    env: { type: 'string' },
    strict: { type: 'boolean' },
  });
  const project = await selectProject(values, io);
  const db = await requireDatabase(project, values, io);
  const session = engineSession(io);
  try {
    const status = await session.historyStatus(project, db.url);
    const strict = values.strict === true;
    // An applied migration deleted here is said by name (the ghost row alone reads like a colleague's branch).
    const environment = {
      name: values.env ?? (values.url ? 'the database' : 'local'),
      kind: db.setting?.kind ?? ('development' as const),
    };
    const found = await deletedAppliedMigrations(project.migrationsDir, [
      { environment: environment.name, migrations: status.migrations },
    ]);
    const deleted = [
      ...found.deleted
        .map((name) =>
          deletedViolation(
            name,
            appliedIndex([
              { environment: environment.name, kind: environment.kind, migrations: status.migrations },
            ]).get(name),
          ),
        )
        .flatMap((v) => (v ? [appliedViolationFinding(v)] : [])),
      ...found.problems.map(guardInputFinding),
    ].map((f) => toGuardItem(f, project, io.cwd));
    if (values.json) {
      const migrations = status.migrations.map((m) => {
        const out: Record<string, unknown> = { name: m.name, state: m.state };
        if (m.appliedAt) out.appliedAt = m.appliedAt;
        if (m.logs) out.logs = m.logs;
        if (m.note) out.note = m.note;
        if (m.difference) out.difference = m.difference;
        return out;
      });
      io.out(
        JSON.stringify(
          { migrations, hazards: status.hazards, notes: status.notes, guardRails: { findings: deleted } },
          null,
          2,
        ),
      );
    } else {
      io.out(
        [...formatStatus(status, db.label, { strict }), ...(deleted.length > 0 ? formatGuardItems(deleted) : [])].join(
          '\n',
        ),
      );
    }
    return statusExitCode(status, strict);
  } finally {
    await session.dispose();
    await db.close();
  }
}

async function cmdMigrate(argv: string[], io: Io): Promise<number> {
  return cmdBaseline(argv, io, 'migration');
}

async function cmdBaseline(argv: string[], io: Io, kind: 'baseline' | 'migration' = 'baseline'): Promise<number> {
  const values = parse(argv, { ...COMMON, name: { type: 'string' }, from: { type: 'string' } });
  if (kind === 'migration' && !values.name && !values.from) {
    throw new UsageError(
      l10n.t('migrate needs --name NAME (what the change does, e.g. add_user_nickname). Run drift-guard --help.'),
    );
  }
  const project = await selectProject(values, io);
  const prisma = prismaJudgement(project, io, values.json);
  const session = engineSession(io);
  try {
    // The error of a failed baseline names the draft relative to the project: accept that form too.
    const from =
      values.from && !existsSync(path.resolve(io.cwd, values.from))
        ? path.resolve(project.root, values.from)
        : values.from && path.resolve(io.cwd, values.from);
    const result = await session.createBaseline(project, {
      kind,
      ...(values.name ? { name: values.name } : {}),
      ...(from ? { from } : {}),
    });
    if (values.json) {
      const items = attributeToSchema(result.items, project.schemaFiles).map((i) => toCheckItem(i, io.cwd));
      io.out(
        JSON.stringify(
          {
            prisma,
            created: result.created,
            migrationName: result.migrationName ?? null,
            sqlPath: result.sqlPath ? displayPath(result.sqlPath, io.cwd) : null,
            verified: result.verified,
            items,
            leftOut: result.leftOut ?? [],
            message: result.message,
          },
          null,
          2,
        ),
      );
    } else {
      io.out(judgedLine(prisma));
      io.out(result.message);
      if (result.created && result.migrationName && kind === 'migration') {
        io.out(l10n.t('Review it, then deploy it: it is pending on every database (nothing was recorded anywhere).'));
      } else if (result.created && result.migrationName) {
        io.out(
          `${l10n.t('Review it, then record it where the database already has these objects:')}\n  drift-guard resolve --applied ${result.migrationName} --url <database>`,
        );
      }
    }
    return 0;
  } finally {
    await session.dispose();
  }
}

/**
 * Appends a write to the run log the editor shares (`.drift-guard/run-log.jsonl` of the git top or the folder
 * that has one; `DRIFT_GUARD_RUN_LOG` names another file, or `off`). A run log that cannot be written is said on
 * stderr, not fatal: the write itself has happened.
 */
async function recordCliWrite(
  io: Io,
  project: PrismaProject,
  input: Omit<WriteInput, 'source' | 'cwd'>,
): Promise<void> {
  const setting = io.env.DRIFT_GUARD_RUN_LOG?.trim();
  if (setting === 'off') return;
  try {
    const file = setting ? path.resolve(io.cwd, setting) : runLogPath(await findRunLogRoot(project.root));
    await recordWrite(new FileRunLogStore(file), { ...input, source: 'cli', cwd: project.root });
  } catch (error) {
    io.err(`drift-guard: ${l10n.t('the run log could not be written: {0}', (error as Error).message)}`);
  }
}

async function cmdResolve(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, {
    ...COMMON,
    url: { type: 'string' },
    env: { type: 'string' },
    applied: { type: 'string' },
    'rolled-back': { type: 'string' },
    force: { type: 'boolean' },
  });
  if (!values.applied === !values['rolled-back']) {
    throw new UsageError(l10n.t('resolve needs exactly one of --applied NAME or --rolled-back NAME.'));
  }
  const project = await selectProject(values, io);
  const db = await requireDatabase(project, values, io);
  const session = engineSession(io);
  const started = Date.now();
  const name = values.applied ?? values['rolled-back'] ?? '';
  const record = (
    status: 'succeeded' | 'failed' | 'refused',
    exitCode: number,
    message: string,
    proof?: { ok: boolean; summary: string },
  ): Promise<void> =>
    recordCliWrite(io, project, {
      step: values.applied ? l10n.t('Mark {0} as applied', name) : l10n.t('Mark {0} as rolled back', name),
      command: ['drift-guard', 'resolve', ...argv].join(' '),
      environment: values.env ?? redactUrl(db.url),
      target: db.label,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      exitCode,
      status,
      message,
      ...(proof ? { proof } : {}),
    });
  try {
    if (values.force) {
      io.err(
        `drift-guard: ${l10n.t('WARNING: --force records the migration without proving the database has every change it makes.')}`,
      );
    }
    const result = await session.resolve(project, db.url, {
      ...(values.applied ? { applied: values.applied } : { rolledBack: values['rolled-back'] }),
      ...(values.force ? { force: true } : {}),
    });
    if (result.forced) io.err(`drift-guard: ${l10n.t('WARNING: {0}', result.message)}`);
    else io.out(result.message);
    await record(result.recorded ? 'succeeded' : 'failed', 0, result.message, {
      ok: result.missingChanges.length === 0 && !result.forced,
      summary:
        result.missingChanges.length === 0
          ? l10n.t('every change the migration makes is in the database')
          : result.forced
            ? l10n.t('{0} change(s) missing (forced)', result.missingChanges.length)
            : l10n.t('{0} change(s) missing', result.missingChanges.length),
    });
    return 0;
  } catch (err) {
    if (isEngineError(err) && err.code === 'refused') {
      // Only the CLI can force it: the hint belongs here, not in the engine's message the extension shows too.
      io.err(`drift-guard: ${err.message} ${l10n.t('--force records it anyway.')}`);
      await record('refused', 1, err.message, { ok: false, summary: err.message });
      return 1;
    }
    await record('failed', 2, (err as Error).message);
    throw err;
  } finally {
    await session.dispose();
    await db.close();
  }
}

async function cmdBench(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { ...COMMON, runs: { type: 'string' } });
  const runs = values.runs === undefined ? 5 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
    throw new UsageError(l10n.t('--runs must be a whole number from 1 to 100, not "{0}".', String(values.runs)));
  }
  const project = await selectProject(values, io);
  const result = await runBenchmark(project, { runs, log: (m) => io.err(m) });
  // The explorer's per-database cost besides the round trip: status of 500 synthetic migrations.
  const history = await benchHistoryStatus({ migrations: 500, runs: Math.max(5, runs) });
  // The text work on one squashed init migration of 3000 models (4.5 MB): it must stay linear.
  const largeInit = benchLargeInitText(3000, Math.min(runs, 3));
  if (values.json) {
    io.out(JSON.stringify({ ...result, historyStatus: history, largeInitText: largeInit }, null, 2));
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
        `  ${`text of a ${largeInit.models}-model init (${mb(largeInit.bytes)})`.padEnd(36)}${Math.round(largeInit.medianMs)} ms median (${largeInit.objects} objects, ${largeInit.items} items added and removed)`,
      ].join('\n'),
    );
  }
  return 0;
}

async function cmdProjects(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, { project: { type: 'string' }, json: { type: 'boolean' } });
  const dir = path.resolve(io.cwd, values.project ?? '.');
  const projects = await declaredProjectsAt(dir, io.env);
  if (projects.length === 0) {
    throw new UsageError(
      l10n.t(
        'No Prisma project in {0} (looked for prisma/schema.prisma, schema.prisma, prisma/schema/, prisma.config.ts)',
        dir,
      ),
    );
  }
  if (values.json) {
    io.out(
      JSON.stringify(
        projects.map(redactedProject).map((p) => ({
          ...p,
          prisma: judgePrismaVersion(p.prismaVersion),
          schemaFiles: p.schemaFiles.map((f) => f.path),
          lockFile: p.lockFile ? { path: p.lockFile.path, provider: p.lockFile.provider } : undefined,
        })),
        null,
        2,
      ),
    );
  } else {
    io.out(projects.map(formatProjectSummary).join('\n\n'));
  }
  return projects.some((p) => p.problems.some((x) => x.severity === 'error')) ? 1 : 0;
}

/**
 * Guard-rail findings of a project: names and ordering, plus what the database's history shows (applied order,
 * checksums), and a warning for each input that could not be read (the rules it leaves unchecked).
 */
async function projectGuardRails(
  project: PrismaProject,
  history: HistoryStatus | undefined,
  environment: { name: string; kind: EnvironmentKind },
): Promise<GuardFinding[]> {
  const histories = history
    ? [
        {
          environment: environment.name,
          kind: environment.kind,
          migrations: history.migrations,
          hazards: history.hazards,
        },
      ]
    : [];
  return guardRailFindings(await gatherGuardRailInputs(project, histories));
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
  if (items.length === 0) return [l10n.t('✓ Guard rails: migration names and order look safe')];
  const mark = { error: '✗', warning: '⚠', info: '·' } as const;
  // Notes that say the same thing of several migrations (e.g. five date-only names) fold into one line.
  const notes = new Map<string, GuardItem[]>();
  for (const item of items) {
    if (item.severity !== 'info' || !item.message.startsWith(item.migration)) continue;
    const key = `${item.code}\u0000${item.message.slice(item.migration.length)}`;
    notes.set(key, [...(notes.get(key) ?? []), item]);
  }
  const entries: Array<{ severity: GuardFinding['severity']; lines: string[] }> = [];
  const folded = new Set<GuardItem>();
  for (const item of items) {
    if (folded.has(item)) continue;
    const group = [...notes.values()].find((g) => g.length >= 3 && g[0] === item);
    if (group) {
      group.forEach((g) => folded.add(g));
      entries.push({
        severity: 'info',
        // The shared sentence after the name, its verb in the plural (English "has", French "a").
        lines: [
          `  ${mark.info} [${item.code}] ${l10n.t('{0} migrations', group.length)}${item.message
            .slice(item.migration.length)
            .replace(/^ has /, ' have ')
            .replace(/^ a /, ' ont ')}`,
          ...group.map((g) => `      ${g.file ?? g.migration}`),
        ],
      });
      continue;
    }
    // A finding about the whole folder (an input that could not be read) has no migration to name.
    const where = item.file ? `${item.file}${item.line ? `:${item.line}` : ''}` : item.migration;
    const lines = [`  ${mark[item.severity]} ${where ? `${where} ` : ''}[${item.code}] ${item.message}`];
    // A group finding (shared timestamp, same day) names its other members once, one per line.
    for (const member of item.members ?? []) if (member !== item.migration) lines.push(`      ${member}`);
    entries.push({ severity: item.severity, lines });
  }
  // The header counts what is listed: a folded group is one note.
  const count = (s: GuardFinding['severity']): number => entries.filter((e) => e.severity === s).length;
  const parts = [
    count('error') && plural(count('error'), 'error'),
    count('warning') && plural(count('warning'), 'warning'),
    count('info') && plural(count('info'), 'note'),
  ].filter(Boolean);
  return [
    `${count('error') > 0 ? '✗' : '⚠'} ${l10n.t('Guard rails: {0}', parts.join(', '))}`,
    ...entries.flatMap((e) => e.lines),
  ];
}

async function cmdRehearse(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, {
    ...COMMON,
    url: { type: 'string' },
    env: { type: 'string' },
    dump: { type: 'string' },
    'pg-dump': { type: 'string' },
    strict: { type: 'boolean' },
  });
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
        throw new UsageError(
          l10n.t(
            '--dump {0}: {1}.',
            values.dump ?? '',
            error.code === 'ENOENT' ? l10n.t('no such file') : error.message,
          ),
        );
      });
      checkPlainDump(sql, `--dump ${values.dump}`);
      dump = { sql, source: { kind: 'file', description: displayPath(file, io.cwd), bytes: Buffer.byteLength(sql) } };
    } else if (db?.setting?.ssh?.rehearseDumpCommand && db.exec) {
      const exec = db.exec;
      io.err(
        `drift-guard: ${l10n.t('dumping with {0} on {1}…', db.setting.ssh.rehearseDumpCommand, db.setting.ssh.host)}`,
      );
      dump = await dumpOverSsh(
        { exec: (command, options) => exec(command, options) },
        db.setting.ssh.rehearseDumpCommand,
        { host: db.setting.ssh.host },
      );
    } else {
      dump = await dumpWithPgDump(db!.url, values['pg-dump'] ? { pgDump: values['pg-dump'] } : {});
    }
    const target = values.env ?? db?.label ?? displayPath(path.resolve(io.cwd, values.dump ?? ''), io.cwd);
    const report = await session.rehearse(project, {
      dump: dump.sql,
      source: dump.source,
      target,
      ...(db ? { url: db.url } : {}),
    });
    // Rule 3: a production deploy (runbook, tree, `deploy --env`) opens on this record when it passed.
    if (values.env) await saveRehearsal(project.root, await rehearsalRecord(report, 'cli'));
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            ...report,
            migrations: report.migrations.map((m) => ({
              ...m,
              ...(m.sqlPath ? { sqlPath: displayPath(m.sqlPath, io.cwd) } : {}),
            })),
          },
          null,
          2,
        ),
      );
    } else {
      io.out(rehearsalText(report, (file) => displayPath(file, io.cwd)));
    }
    return rehearsalExitCode(report, values.strict === true);
  } finally {
    await session.dispose();
    await db?.close();
  }
}

async function cmdDeploy(argv: string[], io: Io): Promise<number> {
  const values = parse(argv, {
    ...COMMON,
    url: { type: 'string' },
    env: { type: 'string' },
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean' },
  });
  const project = await selectProject(values, io);
  const db = await requireDatabase(project, values, io);
  const session = engineSession(io);
  try {
    const plan = await computeDeployPlan(session, project, db.url);
    const production = db.setting?.kind === 'production';
    let applied: string[] | undefined;
    let message: string | undefined;
    if (!values['dry-run'] && plan.deployable && plan.pending.length > 0) {
      if (production && !values.yes) {
        if (!values.json) io.out(deployPlanText(plan, db.label).join('\n'));
        throw new UsageError(
          l10n.t(
            '{0} is a production environment: deploying {1} there needs --yes. Nothing was written.',
            values.env ?? db.label,
            plural(plan.pending.length, 'migration'),
          ),
        );
      }
      if (production && values.env) {
        // Rule 3: a passing rehearsal on a copy of this environment, of these very migrations (same checksums).
        const gate = await checkRehearsalGate(
          project.root,
          values.env,
          plan.pending.map((name) => ({ name, sqlPath: project.migrations.find((m) => m.name === name)?.sqlPath })),
        );
        if (!gate.ok) {
          if (values.json) {
            io.out(
              JSON.stringify(
                {
                  target: db.label,
                  deployable: false,
                  refused: 'rehearsal',
                  reason: gate.message,
                  plan: deployPlanJson(plan),
                },
                null,
                2,
              ),
            );
          } else {
            io.out(
              [
                ...deployPlanText(plan, db.label),
                l10n.t('Deploy refused: {0} Nothing was written.', gate.message),
              ].join('\n'),
            );
          }
          return 1;
        }
      }
      io.err(
        `drift-guard: ${
          production
            ? l10n.t(
                'deploying {0} to {1} (production, confirmed with --yes)…',
                plural(plan.pending.length, 'migration'),
                db.label,
              )
            : l10n.t('deploying {0} to {1}…', plural(plan.pending.length, 'migration'), db.label)
        }`,
      );
      // Every write goes into the workspace's run log, a failed one too.
      const started = Date.now();
      const record = (status: 'succeeded' | 'failed', exitCode: number, text: string): Promise<void> =>
        recordCliWrite(io, project, {
          step: l10n.t('Deploy {0}: {1}', plural(plan.pending.length, 'migration'), plan.pending.join(', ')),
          command: ['drift-guard', 'deploy', ...argv].join(' '),
          environment: values.env ?? redactUrl(db.url),
          target: db.label,
          startedAt: new Date(started).toISOString(),
          durationMs: Date.now() - started,
          exitCode,
          status,
          message: text,
        });
      let result: Awaited<ReturnType<typeof session.deploy>>;
      try {
        result = await session.deploy(project, db.url);
      } catch (error) {
        await record('failed', 2, (error as Error).message);
        throw error;
      }
      applied = result.applied;
      message = l10n.t('{0} on {1}.', result.message.replace(/\.$/, ''), db.label);
      await record('succeeded', 0, message);
    }
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            target: db.label,
            deployable: plan.deployable,
            plan: deployPlanJson(plan),
            ...(applied ? { applied } : {}),
          },
          null,
          2,
        ),
      );
    } else {
      const lines = deployPlanText(plan, db.label);
      if (message) lines.push(message);
      else if (!plan.deployable) lines.push(fixHint(plan, values));
      else if (plan.pending.length > 0) lines.push(l10n.t('Dry run: nothing was written to {0}.', db.label));
      io.out(lines.join('\n'));
    }
    return plan.deployable ? 0 : 1;
  } finally {
    await session.dispose();
    await db.close();
  }
}

/** What to run to unblock a refused deploy (the plan's markApplied steps), and that nothing was written. */
function fixHint(plan: DeployPlan, values: { url?: string; env?: string }): string {
  const where = values.env ? `--env ${values.env}` : values.url ? '--url <database>' : '';
  const marks = migrationsToMarkApplied(plan).map(
    (m) => `  drift-guard resolve --applied ${m}${where ? ` ${where}` : ''}`,
  );
  return [
    l10n.t('Deploy refused: nothing was written.'),
    ...(marks.length > 0 ? [l10n.t('Record what the database already has, then deploy again:'), ...marks] : []),
  ].join('\n');
}

const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  check: cmdCheck,
  status: cmdStatus,
  baseline: (argv, io) => cmdBaseline(argv, io),
  migrate: cmdMigrate,
  resolve: cmdResolve,
  bench: cmdBench,
  projects: cmdProjects,
  rehearse: cmdRehearse,
  deploy: cmdDeploy,
  review: (argv, io) =>
    cmdReview(argv, {
      out: io.out,
      cwd: io.cwd,
      version: cliVersion(),
      usage: (message) => new UsageError(message),
      selectProject: (values) => selectProject(values, io),
      openDatabase: (project, values) => requireDatabase(project, values, io),
    }),
};

/**
 * Takes `--lang en|fr` (or `--lang=fr`) out of the arguments, wherever it stands: it applies to every command and to
 * the errors before one runs.
 */
function takeLanguageFlag(argv: readonly string[]): { lang?: string; args: string[] } {
  const args: string[] = [];
  let lang: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--lang') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('-')) throw new UsageError(l10n.t('--lang needs a value: en or fr.'));
      lang = value;
      i++;
    } else if (arg.startsWith('--lang=')) {
      lang = arg.slice('--lang='.length);
    } else {
      args.push(arg);
    }
  }
  return lang === undefined ? { args } : { lang, args };
}

/** What the first Ctrl-C says during a deploy that writes (it is not cancelled: a migration would stop half-way). */
function deployInProgress(argv: readonly string[]): string | undefined {
  let args: string[];
  try {
    args = takeLanguageFlag(argv).args;
  } catch {
    return undefined; // a bad --lang: runIn says so before any command runs
  }
  if (args[0] !== 'deploy' || args.includes('--dry-run')) return undefined;
  return l10n.t(
    'The deploy goes on (stopping it could leave a migration partly applied). Press Ctrl-C again to quit anyway, then check the database (_prisma_migrations).',
  );
}

/**
 * Runs the CLI; returns the exit code. Never throws. Human text follows `--lang`, else the locale (`LC_ALL`,
 * `LC_MESSAGES`, `LANG`); JSON keys and codes never change. The first Ctrl-C cancels the command (exit code 130),
 * except a deploy that writes.
 */
export async function main(argv: string[], rawIo: Io): Promise<number> {
  // Every line printed may carry text read from a database: no control character reaches the terminal.
  const io: Io = { ...rawIo, out: (s) => rawIo.out(safeText(s)), err: (s) => rawIo.err(safeText(s)) };
  try {
    return await runInterruptible((cliIo) => runIn(argv, cliIo), io, { refuse: () => deployInProgress(argv) });
  } finally {
    // In-process callers (tests) get English back, as a fresh process starts.
    useLanguage('en');
  }
}

async function runIn(argv: string[], io: Io): Promise<number> {
  let args: string[];
  try {
    const taken = takeLanguageFlag(argv);
    args = taken.args;
    useLanguage(pickLanguage(io.env, taken.lang));
  } catch (err) {
    io.err(`drift-guard: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const [command, ...rest] = args;
  try {
    if (command === undefined) {
      io.err(helpText());
      return 2;
    }
    if (command === '-h' || command === '--help' || command === 'help') {
      io.out(helpText());
      return 0;
    }
    if (command === '-v' || command === '--version') {
      io.out(cliVersion());
      return 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(l10n.t('Unknown command "{0}". Run drift-guard --help.', command));
    if (rest.includes('-h') || rest.includes('--help')) {
      io.out(helpText());
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
