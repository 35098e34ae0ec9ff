/**
 * Getting the real database's schema for a rehearsal: the local `pg_dump` through the URL (or its SSH
 * tunnel), or the environment's own command run on its SSH server (the seed's
 * `docker exec nexus-postgres-db pg_dump -U nexus_admin --schema-only nexus_prod`). Both only read.
 * `pg_dump` is spawned with an argv array and the connection in `PG*` variables: no shell, and the
 * password never appears in a process list.
 */
import { execFile } from 'node:child_process';
import * as l10n from '@vscode/l10n';
import type { ExecOptions, ExecResult } from '../remote';
import { type RehearsalSource } from './report';
import { DriftGuardError } from '../util/errors';

/** A dump and where it came from. */
export interface DumpResult {
  sql: string;
  source: RehearsalSource;
}

/** The codes of {@link DumpError}. */
export type DumpErrorCode =
  | 'pg-dump-missing'
  | 'version-mismatch'
  | 'dump-failed'
  | 'not-a-dump'
  | 'too-large'
  | 'cancelled';

/** Why a dump could not be taken; `message` is one clear sentence for the user. */
export class DumpError extends DriftGuardError<DumpErrorCode> {
  override readonly name = 'DumpError';
  constructor(code: DumpErrorCode, message: string) {
    super(code, message);
  }
}

/** Largest dump accepted (a schema is kilobytes; a full dump with rows can be big). */
const MAX_DUMP_BYTES = 512 * 1024 * 1024;

/** Options of {@link dumpWithPgDump}. */
export interface PgDumpOptions {
  /** The `pg_dump` executable (default `pg_dump` from PATH). */
  pgDump?: string;
  signal?: AbortSignal;
  /** Overall limit (default 120 s). */
  timeoutMs?: number;
}

/** The `PG*` variables libpq reads, from a `postgresql://` URL (Prisma-only parameters left out). */
export function libpqEnvironment(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = {};
  const host = u.searchParams.get('host') ?? u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host) env.PGHOST = host;
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) {
    env.PGSSLMODE =
      sslmode === 'prefer' ||
      sslmode === 'require' ||
      sslmode === 'disable' ||
      sslmode === 'verify-full' ||
      sslmode === 'verify-ca' ||
      sslmode === 'allow'
        ? sslmode
        : 'prefer';
  }
  const timeout = u.searchParams.get('connect_timeout');
  env.PGCONNECT_TIMEOUT = timeout && /^\d+$/.test(timeout) ? timeout : '15';
  env.PGAPPNAME = 'prisma-drift-guard rehearsal (read-only)';
  return env;
}

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
  options: { signal?: AbortSignal; timeoutMs: number },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        env: { ...process.env, ...env },
        maxBuffer: MAX_DUMP_BYTES,
        timeout: options.timeoutMs,
        windowsHide: true,
        encoding: 'utf8',
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error as Error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** `pg_dump --version`, e.g. `15.18`; undefined when it does not run. */
export async function pgDumpVersion(pgDump = 'pg_dump'): Promise<string | undefined> {
  try {
    const { stdout } = await run(pgDump, ['--version'], {}, { timeoutMs: 10_000 });
    return /(\d+(?:\.\d+)+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * `pg_dump --schema-only --no-owner --no-privileges` of the database at `url` (a tunnel's local URL for SSH
 * environments), run here.
 */
export async function dumpWithPgDump(url: string, options: PgDumpOptions = {}): Promise<DumpResult> {
  const pgDump = options.pgDump?.trim() || 'pg_dump';
  const started = performance.now();
  const version = await pgDumpVersion(pgDump);
  if (!version) {
    throw new DumpError(
      'pg-dump-missing',
      l10n.t(
        'pg_dump was not found (tried "{0}"): install the PostgreSQL client tools, point driftGuard.pgDumpPath (or --pg-dump) at it, or give the environment an ssh.rehearseDumpCommand that dumps on the server.',
        pgDump,
      ),
    );
  }
  let result: { stdout: string; stderr: string };
  try {
    result = await run(pgDump, ['--schema-only', '--no-owner', '--no-privileges'], libpqEnvironment(url), {
      ...(options.signal ? { signal: options.signal } : {}),
      timeoutMs: options.timeoutMs ?? 120_000,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (e.name === 'AbortError' || options.signal?.aborted) {
      throw new DumpError('cancelled', l10n.t('The dump was cancelled.'));
    }
    const stderr = (e.stderr ?? '').trim();
    if (/server version mismatch/i.test(stderr)) {
      const server = /server version:\s*([\d.]+)/i.exec(stderr)?.[1];
      throw new DumpError(
        'version-mismatch',
        server
          ? l10n.t(
              'pg_dump {0} cannot dump a PostgreSQL {1} server: install pg_dump {2} or newer (driftGuard.pgDumpPath / --pg-dump), or dump on the server with ssh.rehearseDumpCommand.',
              version,
              server,
              server.split('.')[0],
            )
          : l10n.t(
              'pg_dump {0} cannot dump a newer PostgreSQL server: install pg_dump of the server version or newer (driftGuard.pgDumpPath / --pg-dump), or dump on the server with ssh.rehearseDumpCommand.',
              version,
            ),
      );
    }
    if (e.killed) {
      throw new DumpError(
        'dump-failed',
        l10n.t('pg_dump did not finish within {0} s.', Math.round((options.timeoutMs ?? 120_000) / 1000)),
      );
    }
    if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
      throw new DumpError('too-large', l10n.t('The dump is larger than {0} MB.', MAX_DUMP_BYTES / 1024 / 1024));
    }
    throw new DumpError('dump-failed', l10n.t('{0} failed: {1}', 'pg_dump', lastLines(stderr) || e.message));
  }
  checkPlainDump(result.stdout, 'pg_dump');
  return {
    sql: result.stdout,
    source: {
      kind: 'pg_dump',
      description: l10n.t('{0} (run here)', `pg_dump ${version} --schema-only`),
      bytes: Buffer.byteLength(result.stdout),
      ms: performance.now() - started,
    },
  };
}

/** The part of an SSH session a remote dump needs. */
export interface RemoteExec {
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
}

/**
 * Runs the environment's dump command on its SSH server and keeps its output. The command comes from
 * the user's settings and runs in their login shell, as they would type it after `ssh`.
 */
export async function dumpOverSsh(
  session: RemoteExec,
  command: string,
  options: { signal?: AbortSignal; host?: string } = {},
): Promise<DumpResult> {
  const started = performance.now();
  const chunks: string[] = [];
  let bytes = 0;
  let stderr = '';
  let tooLarge = false;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let result: ExecResult;
  try {
    result = await session.exec(command, {
      signal: controller.signal,
      onStdout: (text) => {
        bytes += Buffer.byteLength(text);
        if (bytes > MAX_DUMP_BYTES) {
          tooLarge = true;
          controller.abort();
          return;
        }
        chunks.push(text);
      },
      onStderr: (text) => {
        stderr = (stderr + text).slice(-4000);
      },
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const what = options.host ? l10n.t('The dump command on {0}', options.host) : l10n.t('The dump command');
  if (tooLarge) {
    throw new DumpError(
      'too-large',
      l10n.t('{0} printed more than {1} MB: dump the schema only (--schema-only).', what, MAX_DUMP_BYTES / 1024 / 1024),
    );
  }
  if (result.cancelled) throw new DumpError('cancelled', l10n.t('The dump was cancelled.'));
  if (result.exitCode !== 0) {
    throw new DumpError(
      'dump-failed',
      result.exitCode === null
        ? l10n.t(
            '{0} exited with signal {1}: {2} (command: {3})',
            what,
            result.signal ?? '?',
            lastLines(stderr) || l10n.t('no error output'),
            command,
          )
        : l10n.t(
            '{0} exited with code {1}: {2} (command: {3})',
            what,
            result.exitCode,
            lastLines(stderr) || l10n.t('no error output'),
            command,
          ),
    );
  }
  const sql = chunks.join('');
  checkPlainDump(sql, what);
  return {
    sql,
    source: {
      kind: 'command',
      description: options.host ? l10n.t('`{0}` on {1}', command, options.host) : `\`${command}\``,
      bytes,
      ms: performance.now() - started,
    },
  };
}

/** Refuses output that is not a plain SQL dump (custom format, an error page, nothing). */
export function checkPlainDump(text: string, what: string): void {
  if (text.startsWith('PGDMP')) {
    throw new DumpError(
      'not-a-dump',
      l10n.t('{0} produced a custom-format archive (pg_dump -Fc): use the plain format (the default, or -Fp).', what),
    );
  }
  if (!/\bCREATE\s+|PostgreSQL database dump/i.test(text.slice(0, 1_000_000))) {
    throw new DumpError(
      'not-a-dump',
      text.trim()
        ? l10n.t('{0} printed no SQL dump (it printed: {1}).', what, text.trim().slice(0, 200))
        : l10n.t('{0} printed no SQL dump (no output).', what),
    );
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ').trim();
}
