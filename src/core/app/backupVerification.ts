/**
 * A verified backup: after the backup step's dump succeeded, where it was taken (this machine or the SSH
 * server, through the same runner as the step):
 * 1. its size and sha256 (`wc -c`, `sha256sum`);
 * 2. a scratch database created by us on the same PostgreSQL (`createdb drift_guard_verify_…`, with the dump
 *    command's own prefix — `docker exec …` — and connection options), the dump restored into it with
 *    `psql -v ON_ERROR_STOP=1 --single-transaction` (or `pg_restore --exit-on-error`), its tables, row counts and
 *    `_prisma_migrations` rows compared with the source's (read in a read-only transaction), and the scratch
 *    database dropped — always, and only it.
 * Safety: the scratch name is ours and differs from the source's; `createdb` fails on a name that exists, so
 * nothing we restore can land in a database that existed before; `dropdb` runs only after our `createdb`
 * succeeded. Dumps that carry their own `CREATE DATABASE` / `\connect` (`pg_dump -C`, `pg_dumpall`) would
 * reconnect to the source: they are not restored, and the verification says why.
 * After a restore step the environment is compared with the backup's census the same way (read-only).
 */
import * as l10n from '@vscode/l10n';
import { quoteShellArg } from '../remote/shellQuote';
import { type DatabaseCensus, type DumpRecipe } from '../runbook/gates';

export type { DatabaseCensus, DumpRecipe } from '../runbook/gates';

/** Runs a shell command where the backup step ran (this machine, or the environment's SSH server). */
export interface ShellRunner {
  run(
    command: string,
    options?: { cwd?: string },
  ): Promise<{ exitCode: number | null; stdout: string; stderr: string }>;
}

export interface BackupVerification {
  status: 'verified' | 'failed';
  /** Where it was restored: `scratch database drift_guard_verify_… on the server of the backup`. */
  where?: string;
  /** One line for the step and the run log. */
  summary: string;
  /** What differs between the source and the restored copy. */
  differences: string[];
  sizeBytes?: number;
  sha256?: string;
  /** The source's census (what a restore of this backup must give back). */
  census?: DatabaseCensus;
  recipe?: DumpRecipe;
}

/** Reads the prefix, connection options, database and format of the first `pg_dump` in a backup command. */
export function dumpRecipe(backupCommand: string): DumpRecipe | undefined {
  const text = backupCommand.replace(/\\\n/g, ' ');
  if (/\bpg_dumpall\b/.test(text)) return undefined;
  const at = /\bpg_dump\b/.exec(text);
  if (!at) return undefined;
  let prefix = text.slice(0, at.index).trim();
  // A `cd dir &&` or an earlier command before the dump is not part of how to reach the database.
  prefix = prefix.replace(/^.*(?:&&|;|\|\|)\s*/, '');
  const rest = text.slice(at.index + 'pg_dump'.length).split(/\s(?:>|-f|--file[=\s])|[|;&]/)[0];
  const words = rest.trim().split(/\s+/).filter(Boolean);
  const conn: string[] = [];
  let database: string | undefined;
  let format: DumpRecipe['format'] = 'plain';
  let createsDatabase = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (/^-[hpU]$/.test(w) && words[i + 1]) conn.push(w, words[++i]);
    else if (/^--(?:host|port|username)=/.test(w) || /^-[hpU]\S+$/.test(w)) conn.push(w);
    else if (w === '-d' || w === '--dbname') database = words[++i];
    else if (/^--dbname=/.test(w)) database = w.slice('--dbname='.length);
    else if (/^-F[ct]$|^--format=(?:c|custom|t|tar)$/.test(w) || (w === '-F' && /^[ct]/.test(words[i + 1] ?? ''))) {
      format = 'custom';
      if (w === '-F') i++;
    } else if (/^-Fd$|^--format=(?:d|directory)$/.test(w) || (w === '-F' && /^d/.test(words[i + 1] ?? ''))) {
      format = 'directory';
      if (w === '-F') i++;
    } else if (w === '-C' || w === '--create') createsDatabase = true;
    else if (/^-[nNtT]$|^-[jZ]$|^--(?:schema|table|exclude-table|exclude-schema|compress|jobs)$/.test(w)) i++;
    else if (!w.startsWith('-')) database = w;
  }
  if (!database || /[$`"']/.test(database) || /:\/\//.test(database)) return undefined;
  return {
    prefix: prefix.replace(/\bdocker\s+exec\s+(?!-i\b|-it\b|-ti\b)/, 'docker exec -i '),
    conn,
    database,
    format,
    createsDatabase,
  };
}

function tool(recipe: DumpRecipe, argv: string[]): string {
  return `${recipe.prefix ? `${recipe.prefix} ` : ''}${argv.map(quoteShellArg).join(' ')}`;
}

/** The read-only census query: `t|schema.table|count` per table, `m|name|` per applied migration. */
export const CENSUS_SQL = [
  'SET TRANSACTION READ ONLY;',
  "SELECT 't', table_schema || '.' || table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text",
  "FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
  'UNION ALL',
  "SELECT 'm', (xpath('/row/n/text()', r))[1]::text, '' FROM unnest(CASE WHEN to_regclass('_prisma_migrations') IS NULL THEN ARRAY[]::xml[]",
  "ELSE xpath('/table/row', query_to_xml('SELECT migration_name AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL', false, false, '')) END) AS r;",
].join(' ');

/** The command printing the census of `database` (the source's by default). */
export function censusCommand(recipe: DumpRecipe, database = recipe.database): string {
  return tool(recipe, [
    'psql',
    '-X',
    '-q',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    ...recipe.conn,
    '-d',
    database,
    '-c',
    CENSUS_SQL,
  ]);
}

/** Parses {@link censusCommand}'s output. */
export function parseCensus(stdout: string): DatabaseCensus {
  const tables: Record<string, number> = {};
  const migrations: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^([tm])\|(.*)$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const bar = m[2].lastIndexOf('|');
    if (m[1] === 'm') {
      migrations.push(bar < 0 ? m[2] : m[2].slice(0, bar));
      continue;
    }
    if (bar < 0) continue;
    tables[m[2].slice(0, bar)] = Number(m[2].slice(bar + 1));
  }
  migrations.sort();
  return { tables, migrations };
}

/** What differs from `expected` in `actual`: missing or extra tables, row counts, applied migrations. */
export function compareCensus(
  expected: DatabaseCensus,
  actual: DatabaseCensus,
  names: { expected: string; actual: string },
): string[] {
  const out: string[] = [];
  for (const [table, rows] of Object.entries(expected.tables)) {
    if (!(table in actual.tables)) {
      out.push(l10n.t('table {0} ({1} rows in {2}) is missing in {3}', table, rows, names.expected, names.actual));
    } else if (actual.tables[table] !== rows) {
      out.push(
        l10n.t('{0}: {1} rows in {2}, {3} in {4}', table, rows, names.expected, actual.tables[table], names.actual),
      );
    }
  }
  for (const table of Object.keys(actual.tables)) {
    if (!(table in expected.tables)) {
      out.push(l10n.t('table {0} is in {1} but not in {2}', table, names.actual, names.expected));
    }
  }
  const missing = expected.migrations.filter((m) => !actual.migrations.includes(m));
  const extra = actual.migrations.filter((m) => !expected.migrations.includes(m));
  if (missing.length) {
    out.push(
      l10n.t('_prisma_migrations: {0} applied in {1}, not in {2}', missing.join(', '), names.expected, names.actual),
    );
  }
  if (extra.length) {
    out.push(
      l10n.t('_prisma_migrations: {0} applied in {1}, not in {2}', extra.join(', '), names.actual, names.expected),
    );
  }
  return out;
}

/** The first three differences, and how many more. */
function someDifferences(differences: readonly string[]): string {
  const first = differences.slice(0, 3).join('; ');
  return differences.length > 3 ? l10n.t('{0}; … {1} more', first, differences.length - 3) : first;
}

function describeCensus(census: DatabaseCensus): string {
  const rows = Object.values(census.tables).reduce((a, b) => a + b, 0);
  const tables = Object.keys(census.tables).length;
  const migrations = census.migrations.length;
  return [
    tables === 1 ? l10n.t('1 table') : l10n.t('{0} tables', tables),
    rows === 1 ? l10n.t('1 row') : l10n.t('{0} rows', rows),
    migrations === 1 ? l10n.t('1 applied migration') : l10n.t('{0} applied migrations', migrations),
  ].join(', ');
}

/** The error a command printed: its `ERROR:` / `error:` line when there is one, else its last line. */
function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return (lines.find((l) => /\b(?:ERROR|FATAL|error):/.test(l)) ?? lines.at(-1) ?? '').trim();
}

/** A scratch database name of ours: `drift_guard_verify_20260217104205_k3x9`. */
export function scratchDatabaseName(now: Date, random: string = Math.random().toString(36).slice(2, 6)): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `drift_guard_verify_${stamp}_${random.replace(/[^a-z0-9]/g, '')}`;
}

/** Size (`wc -c`) and sha256 (`sha256sum`) of the dump file where it was written. */
export async function fingerprintFile(
  runner: ShellRunner,
  path: string,
  cwd?: string,
): Promise<{ sizeBytes?: number; sha256?: string }> {
  const file = path.startsWith('~/') ? `~/${quoteShellArg(path.slice(2))}` : quoteShellArg(path);
  const opts = cwd ? { cwd } : {};
  const [size, sum] = await Promise.all([
    runner.run(`wc -c < ${file}`, opts),
    runner.run(`sha256sum ${file} 2>/dev/null || shasum -a 256 ${file}`, opts),
  ]);
  const out: { sizeBytes?: number; sha256?: string } = {};
  const bytes = Number(size.stdout.trim());
  if (size.exitCode === 0 && Number.isFinite(bytes)) out.sizeBytes = bytes;
  const hash = /^([0-9a-f]{64})\b/.exec(sum.stdout.trim());
  if (sum.exitCode === 0 && hash) out.sha256 = hash[1];
  return out;
}

/**
 * Verifies the backup written by `backupCommand` at `path` (see the module comment). Never throws for what
 * the commands report: a failure is a `failed` verification saying why.
 */
export async function verifyBackup(
  runner: ShellRunner,
  input: { backupCommand: string; path: string; cwd?: string; now?: Date; scratchName?: string },
): Promise<BackupVerification> {
  const opts = input.cwd ? { cwd: input.cwd } : {};
  const facts = await fingerprintFile(runner, input.path, input.cwd);
  const base = { ...facts, differences: [] as string[] };
  const recipe = dumpRecipe(input.backupCommand);
  if (!recipe) {
    return {
      ...base,
      status: 'failed',
      summary: l10n.t(
        'Not verified: the database this backup dumps could not be read from its command (pg_dump with the database name as a plain word is needed; pg_dumpall and URLs in variables are not verified).',
      ),
    };
  }
  if (recipe.createsDatabase) {
    return {
      ...base,
      recipe,
      status: 'failed',
      summary: l10n.t(
        'Not verified: this dump creates and connects to its own database (pg_dump -C), so restoring it anywhere would write to the source database. Dump without -C.',
      ),
    };
  }
  if (facts.sizeBytes === undefined) {
    return {
      ...base,
      recipe,
      status: 'failed',
      summary: l10n.t('Not verified: the backup file {0} could not be read.', input.path),
    };
  }
  const source = await runner.run(censusCommand(recipe), opts);
  if (source.exitCode !== 0) {
    return {
      ...base,
      recipe,
      status: 'failed',
      summary: l10n.t(
        'Not verified: the source database {0} could not be read: {1}',
        recipe.database,
        lastLine(source.stderr) || l10n.t('exit {0}', String(source.exitCode)),
      ),
    };
  }
  const census = parseCensus(source.stdout);
  const scratch = input.scratchName ?? scratchDatabaseName(input.now ?? new Date());
  if (scratch === recipe.database) throw new Error('The scratch database must not be the source database.');
  const where = l10n.t('scratch database {0} on the server of the backup', scratch);
  const created = await runner.run(tool(recipe, ['createdb', ...recipe.conn, scratch]), opts);
  if (created.exitCode !== 0) {
    return {
      ...base,
      recipe,
      census,
      status: 'failed',
      summary: l10n.t(
        'Not verified: the scratch database {0} could not be created (it needs CREATEDB and room for one more copy): {1}',
        scratch,
        lastLine(created.stderr) || l10n.t('exit {0}', String(created.exitCode)),
      ),
    };
  }
  try {
    const file = input.path.startsWith('~/') ? `~/${quoteShellArg(input.path.slice(2))}` : quoteShellArg(input.path);
    const pgRestore = tool(recipe, [
      'pg_restore',
      '--exit-on-error',
      '--single-transaction',
      '--no-owner',
      ...recipe.conn,
      '-d',
      scratch,
    ]);
    const restore =
      recipe.format === 'plain'
        ? `${tool(recipe, ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', ...recipe.conn, '-d', scratch])} < ${file} > /dev/null`
        : recipe.format === 'custom'
          ? `${pgRestore} < ${file}`
          : `${pgRestore} ${file}`;
    // What every outcome from here on says: the recipe, the source's census and where the copy was restored.
    const restoredInto = { ...base, recipe, census, where };
    const restored = await runner.run(restore, opts);
    if (restored.exitCode !== 0) {
      return {
        ...restoredInto,
        status: 'failed',
        summary: l10n.t(
          'Not verified: the dump did not restore into {0}: {1}',
          scratch,
          lastLine(restored.stderr) || l10n.t('exit {0}', String(restored.exitCode)),
        ),
        differences: [],
      };
    }
    const copy = await runner.run(censusCommand(recipe, scratch), opts);
    if (copy.exitCode !== 0) {
      return {
        ...restoredInto,
        status: 'failed',
        summary: l10n.t('Not verified: the restored copy could not be read: {0}', lastLine(copy.stderr)),
      };
    }
    const differences = compareCensus(census, parseCensus(copy.stdout), {
      expected: recipe.database,
      actual: l10n.t('the restored copy'),
    });
    return differences.length === 0
      ? {
          ...restoredInto,
          status: 'verified',
          summary: l10n.t(
            'Verified: restored into {0}; {1} — identical to {2}.',
            where,
            describeCensus(census),
            recipe.database,
          ),
        }
      : {
          ...restoredInto,
          differences,
          status: 'failed',
          summary: l10n.t(
            'Not verified: the restored copy differs from {0}: {1}',
            recipe.database,
            someDifferences(differences),
          ),
        };
  } finally {
    // Only the database created above, whatever happened in between.
    await runner.run(tool(recipe, ['dropdb', '--if-exists', ...recipe.conn, scratch]), opts).catch(() => undefined);
  }
}

/** After a restore step: the database compared with the backup's census (read-only). Undefined when it matches. */
export async function verifyRestore(
  runner: ShellRunner,
  backup: { recipe: DumpRecipe; census: DatabaseCensus; path: string },
  cwd?: string,
): Promise<{ ok: boolean; summary: string; differences: string[] }> {
  const now = await runner.run(censusCommand(backup.recipe), cwd ? { cwd } : {});
  if (now.exitCode !== 0) {
    return {
      ok: false,
      summary: l10n.t(
        'The restored database {0} could not be read: {1}',
        backup.recipe.database,
        lastLine(now.stderr) || l10n.t('exit {0}', String(now.exitCode)),
      ),
      differences: [],
    };
  }
  const differences = compareCensus(backup.census, parseCensus(now.stdout), {
    expected: l10n.t('the backup'),
    actual: backup.recipe.database,
  });
  return differences.length === 0
    ? {
        ok: true,
        summary: l10n.t(
          'Restore verified: {0} matches the backup ({1}).',
          backup.recipe.database,
          describeCensus(backup.census),
        ),
        differences,
      }
    : {
        ok: false,
        summary: l10n.t(
          'The restored database differs from the backup {0}: {1}',
          backup.path,
          someDifferences(differences),
        ),
        differences,
      };
}
