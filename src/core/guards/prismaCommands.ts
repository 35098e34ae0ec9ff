/**
 * "Never `db push` in production" (the team's rule 1), for any place a command line shows up: an
 * integrated terminal (shell integration's start event), a runbook step, a task. Finds the Prisma
 * commands that change a database without a migration or may reset it — `prisma db push`,
 * `prisma migrate reset`, `prisma migrate dev` — through the usual wrappers (npx, pnpm, yarn, bunx,
 * npm exec, dotenv, env, sudo, `sh -c`, `docker exec`, `ssh host …`, package.json scripts), with the
 * database they would use when the command line says it (`DATABASE_URL=… npx prisma db push`,
 * `--url`). {@link matchProductionTarget} then says whether that database is a production environment.
 * Pure: strings in, plain data out; no shell is ever run.
 */

import * as l10n from '@vscode/l10n';
import { splitCommands } from '../util/shellWords';
import { LOOPBACK, canonicalHost, tryParsePostgresUrl } from '../util/pgUrl';

export type RiskyPrismaCommandKind = 'dbPush' | 'migrateReset' | 'migrateDev';

/** One risky Prisma invocation found in a command line. */
export interface RiskyPrismaCommand {
  kind: RiskyPrismaCommandKind;
  /** `prisma db push` / `prisma migrate reset` / `prisma migrate dev`, for messages. */
  command: string;
  /** Variables assigned on the command line before it (`DATABASE_URL=… npx prisma db push`, `env X=…`). */
  env: Record<string, string>;
  /** `--url` (Prisma 7) when given. */
  url?: string;
  /** `--schema` when given. */
  schema?: string;
  /** `--accept-data-loss` / `--force` / `--skip-seed`…: the flags, for messages. */
  flags: string[];
  /** Runs over `ssh user@host …`: the host as written. */
  sshHost?: string;
  /** Runs inside a container (`docker exec NAME …`, `docker compose exec SERVICE …`). */
  container?: string;
  /** Reached through a package.json script (`npm run db:push`): its name. */
  viaScript?: string;
  /** `dotenv -e FILE` / `--env-file FILE`: env files the command loads. */
  envFiles: string[];
}

/** Options of {@link findRiskyPrismaCommands}. */
export interface FindOptions {
  /** package.json `scripts`, to see through `npm run db:push`. */
  scripts?: Record<string, string>;
}

const KINDS: Array<[RiskyPrismaCommandKind, string[]]> = [
  ['dbPush', ['db', 'push']],
  ['migrateReset', ['migrate', 'reset']],
  ['migrateDev', ['migrate', 'dev']],
];

/** Every risky Prisma command in a shell command line (several with `&&`, `;`, pipes, subshells). */
export function findRiskyPrismaCommands(commandLine: string, options: FindOptions = {}): RiskyPrismaCommand[] {
  const out: RiskyPrismaCommand[] = [];
  visit(commandLine, { env: {}, envFiles: [] }, options, 0, out);
  return out;
}

/** What the wrappers around a command contributed. */
interface Context {
  env: Record<string, string>;
  envFiles: string[];
  sshHost?: string;
  container?: string;
  viaScript?: string;
}

const MAX_DEPTH = 4;

function visit(
  commandLine: string,
  context: Context,
  options: FindOptions,
  depth: number,
  out: RiskyPrismaCommand[],
): void {
  if (depth > MAX_DEPTH) return;
  for (const words of splitCommands(commandLine)) {
    examine(words, { ...context, env: { ...context.env }, envFiles: [...context.envFiles] }, options, depth, out);
  }
}

function examine(
  input: string[],
  context: Context,
  options: FindOptions,
  depth: number,
  out: RiskyPrismaCommand[],
): void {
  let words = [...input];
  const takeAssignments = (): void => {
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
      const eq = words[0].indexOf('=');
      context.env[words[0].slice(0, eq)] = words[0].slice(eq + 1);
      words = words.slice(1);
    }
  };
  for (let guard = 0; guard < 20 && words.length > 0; guard++) {
    takeAssignments();
    if (words.length === 0) return;
    const head = basename(words[0]);
    const rest = words.slice(1);
    // Wrappers that just run the rest.
    if (['sudo', 'time', 'nohup', 'exec', 'command', 'builtin', 'nice', 'stdbuf'].includes(head)) {
      words = skipOptions(rest, head === 'sudo' ? ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U'] : ['-n']);
      continue;
    }
    if (head === 'env') {
      words = skipOptions(rest, ['-u', '-C', '-S']);
      continue;
    }
    if (head === 'dotenv' || head === 'dotenvx') {
      // dotenv -e .env.production -- prisma db push / dotenvx run -f .env -- prisma …
      let i = head === 'dotenvx' && rest[0] === 'run' ? 1 : 0;
      for (; i < rest.length && rest[i] !== '--'; i++) {
        if ((rest[i] === '-e' || rest[i] === '-f' || rest[i] === '--env-file') && rest[i + 1]) {
          context.envFiles.push(rest[++i]);
        } else if (/^--env-file=/.test(rest[i])) context.envFiles.push(rest[i].slice('--env-file='.length));
        else if (!rest[i].startsWith('-')) break;
      }
      words = rest.slice(rest[i] === '--' ? i + 1 : i);
      continue;
    }
    if (head === 'node' && rest.some((w) => /^--env-file(=|$)/.test(w))) {
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === '--env-file' && rest[i + 1]) context.envFiles.push(rest[i + 1]);
        else if (rest[i].startsWith('--env-file=')) context.envFiles.push(rest[i].slice('--env-file='.length));
      }
    }
    if ((head === 'sh' || head === 'bash' || head === 'zsh' || head === 'dash') && rest.includes('-c')) {
      const script = rest[rest.indexOf('-c') + 1];
      if (script !== undefined) visit(script, context, options, depth + 1, out);
      return;
    }
    if (head === 'ssh') {
      const { host, command } = sshParts(rest);
      if (host && command.length > 0) {
        visit(command.join(' '), { ...context, env: {}, sshHost: host }, { ...options, scripts: {} }, depth + 1, out);
      }
      return;
    }
    if (head === 'docker' || head === 'podman') {
      const inner = containerCommand(rest);
      if (inner) {
        examine(
          inner.command,
          { ...context, env: { ...context.env, ...inner.env }, container: inner.container },
          { ...options, scripts: {} },
          depth + 1,
          out,
        );
      }
      return;
    }
    if (head === 'docker-compose') {
      const inner = containerCommand(['compose', ...rest]);
      if (inner) {
        examine(inner.command, { ...context, container: inner.container }, { ...options, scripts: {} }, depth + 1, out);
      }
      return;
    }
    // Package runners.
    if (head === 'npx' || head === 'bunx' || head === 'pnpx') {
      words = skipOptions(rest, ['-p', '--package', '-c', '--call']);
      continue;
    }
    if (head === 'npm' || head === 'pnpm' || head === 'yarn' || head === 'bun') {
      const sub = rest.find((w) => !w.startsWith('-'));
      const after = sub === undefined ? [] : rest.slice(rest.indexOf(sub) + 1);
      if (sub === 'exec' || sub === 'x' || sub === 'dlx') {
        words = skipOptions(after[0] === '--' ? after.slice(1) : after, ['-p', '--package', '-c', '--call']);
        if (words[0] === '--') words = words.slice(1);
        continue;
      }
      const script =
        sub === 'run' || sub === 'run-script'
          ? after.find((w) => !w.startsWith('-'))
          : head !== 'npm'
            ? sub
            : undefined;
      const body = script !== undefined ? options.scripts?.[script] : undefined;
      if (script !== undefined && body !== undefined) {
        visit(body, { ...context, viaScript: context.viaScript ?? script }, options, depth + 1, out);
        return;
      }
      if (head !== 'npm' && sub !== undefined && isPrisma(sub)) {
        words = rest.slice(rest.indexOf(sub));
        continue;
      }
      return;
    }
    if (isPrisma(words[0])) {
      const found = prismaInvocation(rest, context);
      if (found) out.push(found);
      return;
    }
    return;
  }
}

function isPrisma(word: string): boolean {
  const base = basename(word);
  return base === 'prisma' || /^prisma@[\w.^~<>=*-]+$/.test(base) || /^@prisma\/cli(@.*)?$/.test(word);
}

function prismaInvocation(args: string[], context: Context): RiskyPrismaCommand | undefined {
  const positional = args.filter((w, i) => !w.startsWith('-') && !(i > 0 && VALUE_FLAGS.has(args[i - 1])));
  for (const [kind, [group, name]] of KINDS) {
    const at = positional.indexOf(group);
    if (at < 0 || positional[at + 1] !== name) continue;
    const result: RiskyPrismaCommand = {
      kind,
      command: `prisma ${group} ${name}`,
      env: context.env,
      flags: [],
      envFiles: context.envFiles,
    };
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const value = eq > 0 ? arg.slice(eq + 1) : VALUE_FLAGS.has(flag) ? args[i + 1] : undefined;
      if (flag === '--url' && value !== undefined) result.url = value;
      else if (flag === '--schema' && value !== undefined) result.schema = value;
      else if (flag === '--config' && value !== undefined) result.flags.push(`--config ${value}`);
      else if (arg.startsWith('--') && !VALUE_FLAGS.has(flag)) result.flags.push(arg);
      if (eq < 0 && VALUE_FLAGS.has(flag)) i++;
    }
    if (context.sshHost) result.sshHost = context.sshHost;
    if (context.container) result.container = context.container;
    if (context.viaScript) result.viaScript = context.viaScript;
    return result;
  }
  return undefined;
}

const VALUE_FLAGS = new Set(['--url', '--schema', '--name', '-n', '--config', '--filter']);

/** `ssh [options] [user@]host [command…]`: the host and the remote command words. */
function sshParts(args: string[]): { host?: string; command: string[] } {
  const withValue = new Set([
    '-p',
    '-l',
    '-i',
    '-o',
    '-F',
    '-J',
    '-L',
    '-R',
    '-D',
    '-W',
    '-b',
    '-c',
    '-E',
    '-e',
    '-m',
    '-O',
    '-Q',
    '-S',
    '-w',
    '-B',
    '-I',
  ]);
  let i = 0;
  for (; i < args.length; i++) {
    if (args[i] === '--') {
      i++;
      break;
    }
    if (!args[i].startsWith('-')) break;
    if (withValue.has(args[i])) i++;
  }
  const host = args[i];
  return { host: host?.replace(/^ssh:\/\//, ''), command: args.slice(i + 1) };
}

/** `docker exec [opts] CONTAINER cmd…` / `docker compose exec [opts] SERVICE cmd…` / `docker run … IMAGE cmd…`. */
function containerCommand(
  args: string[],
): { container: string; command: string[]; env: Record<string, string> } | undefined {
  let rest = args;
  if (rest[0] === 'compose') {
    rest = skipOptions(rest.slice(1), ['-f', '--file', '-p', '--project-name', '--env-file', '--profile']);
  }
  const sub = rest[0];
  if (sub !== 'exec' && sub !== 'run') return undefined;
  const env: Record<string, string> = {};
  const withValue = new Set([
    '-e',
    '--env',
    '-u',
    '--user',
    '-w',
    '--workdir',
    '--env-file',
    '--name',
    '-v',
    '--volume',
    '--network',
    '--entrypoint',
    '-p',
    '--publish',
  ]);
  let i = 1;
  for (; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('-')) break;
    if ((arg === '-e' || arg === '--env') && rest[i + 1]) {
      const [key, ...value] = rest[i + 1].split('=');
      if (value.length > 0) env[key] = value.join('=');
    }
    if (withValue.has(arg)) i++;
  }
  const container = rest[i];
  if (!container) return undefined;
  return { container, command: rest.slice(i + 1), env };
}

/** Drops leading options (and the values of `withValue` options) of a wrapper. */
function skipOptions(words: string[], withValue: string[]): string[] {
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--') return words.slice(i + 1);
    if (!w.startsWith('-') || w === '-') break;
    if (withValue.includes(w)) i++;
  }
  return words.slice(i);
}

function basename(word: string): string {
  return word.replace(/^.*[/\\]/, '');
}

// ── Which database? ────────────────────────────────────────────────────────────────────────────────

/** A production environment, with what is known of where it points (resolved by the caller). */
export interface ProductionCandidate {
  name: string;
  /** Its database URL as configured (for SSH environments: as seen from the SSH server). */
  url?: string;
  /** `url: {from: 'env', variable}`: the variable its URL comes from. */
  urlVariable?: string;
  /** Its SSH server, when it is reached through one. */
  ssh?: { host: string; database?: { host: string; port: number } };
}

/** Where a risky command would point. */
export interface CommandTarget {
  /** The URL the command uses: inline variable, `--url`, else the project's datasource URL. */
  url?: string;
  /** The datasource's variable (`DATABASE_URL`), when the URL comes from one. */
  urlVariable?: string;
  /** Whether `url` was written on the command line (inline variable / `--url`). */
  explicit?: boolean;
  /** `ssh host …` around the command. */
  sshHost?: string;
}

export interface ProductionMatch {
  environment: string;
  /** Why we think so, in a few words, e.g. `same host, port and database`. */
  reason: string;
}

/**
 * The database a risky command would use: an inline assignment of the datasource's variable (or
 * `DATABASE_URL`), `--url`, else the project's datasource URL (as the extension resolved it from `.env`).
 */
export function commandTarget(
  command: RiskyPrismaCommand,
  project: { url?: string; urlVariable?: string },
): CommandTarget {
  const variable = project.urlVariable ?? 'DATABASE_URL';
  const inline = command.env[variable] ?? command.env.DATABASE_URL ?? command.env.DIRECT_URL;
  const target: CommandTarget = {};
  if (command.sshHost) target.sshHost = command.sshHost;
  if (command.url) return { ...target, url: command.url, explicit: true };
  if (inline) return { ...target, url: inline, explicit: true };
  if (command.sshHost || command.container) return target;
  if (project.url) target.url = project.url;
  if (project.urlVariable) target.urlVariable = project.urlVariable;
  return target;
}

/**
 * Whether a command's target is one of the production environments: the same URL (host, port and
 * database; `localhost` = `127.0.0.1`), the production SSH server's address with the database's port
 * (a direct connection), a loopback port equal to production's port with the same database (a hand-made
 * `ssh -L` tunnel), the same variable as production's URL, or `ssh` to production's SSH host.
 */
export function matchProductionTarget(
  target: CommandTarget,
  candidates: readonly ProductionCandidate[],
): ProductionMatch | undefined {
  for (const candidate of candidates) {
    if (target.sshHost && candidate.ssh && sameHost(stripUser(target.sshHost), candidate.ssh.host)) {
      return {
        environment: candidate.name,
        reason: l10n.t("runs on {0}'s SSH server {1}", candidate.name, candidate.ssh.host),
      };
    }
  }
  const url = target.url ? parseUrl(target.url) : undefined;
  for (const candidate of candidates) {
    if (!target.explicit && target.urlVariable && candidate.urlVariable === target.urlVariable) {
      return {
        environment: candidate.name,
        reason: l10n.t('its URL comes from the same variable, {0}', target.urlVariable),
      };
    }
    const prod = candidate.url ? parseUrl(candidate.url) : undefined;
    if (!url || !prod || url.database !== prod.database) continue;
    if (candidate.ssh) {
      const remote = candidate.ssh.database ?? { host: prod.host, port: prod.port };
      if (sameHost(url.host, candidate.ssh.host) && url.port === remote.port) {
        return {
          environment: candidate.name,
          reason: l10n.t(
            'the production server {0}, port {1}, database {2}',
            candidate.ssh.host,
            remote.port,
            prod.database,
          ),
        };
      }
      if (isLoopback(url.host) && (url.port === remote.port || url.port === prod.port)) {
        return {
          environment: candidate.name,
          reason: l10n.t(
            'port {0} on this machine with database {1}, like {2} (a tunnel to it?)',
            url.port,
            prod.database,
            candidate.name,
          ),
        };
      }
      continue;
    }
    if (sameHost(url.host, prod.host) && url.port === prod.port) {
      return {
        environment: candidate.name,
        reason: l10n.t('same host, port and database ({0})', `${prod.host}:${prod.port}/${prod.database}`),
      };
    }
  }
  return undefined;
}

function stripUser(host: string): string {
  return host.replace(/^.*@/, '').replace(/:\d+$/, '');
}

function parseUrl(text: string): { host: string; port: number; database: string } | undefined {
  const parsed = tryParsePostgresUrl(text);
  return parsed && { host: parsed.host, port: parsed.port, database: parsed.database || 'postgres' };
}

function isLoopback(host: string): boolean {
  return canonicalHost(host) === LOOPBACK;
}

function sameHost(a: string, b: string): boolean {
  return canonicalHost(a) === canonicalHost(b);
}
