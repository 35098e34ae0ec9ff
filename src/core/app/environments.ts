/**
 * The environment resolver shared by the editor and the CLI: an environment of `driftGuard.environments` →
 * its database URL (secret, process environment, the project's `.env` files) → its SSH target → a tunnel.
 * Each front end says where secrets come from through {@link EnvironmentSources}: SecretStorage in the editor;
 * `--url` and `DRIFT_GUARD_SSH_PASSWORD` / `DRIFT_GUARD_SSH_PASSPHRASE` in the CLI. The editor keeps its
 * shared, ref-counted tunnels over an SSH pool; {@link openEnvironment} is the one-shot tunnel of a command line.
 */
import * as l10n from '@vscode/l10n';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type CheckedDatabase, sshEnvironmentUrls } from '../engine/shadowSafety';
import { redactUrl } from '../project/discovery';
import { tryParsePostgresUrl } from '../util/pgUrl';
import { lookupEnvVariable } from '../project/envFile';
import { type PrismaProject } from '../project/types';
import { type ExecOptions, type ExecResult, SshSession, type SshTarget } from '../remote';
import { foldersUpToRepositoryTop, repositoryTop } from '../util/repositoryTop';
import {
  describeSsh,
  type EnvironmentSetting,
  parseEnvironmentSettings,
  remoteEndpoint,
  type SecretKind,
  sshTargetOf,
  tunnelledUrl,
} from '../environments/config';
import { parseJsonc } from '../environments/jsonc';
import { DriftGuardError } from '../util/errors';

/** Where a front end keeps the secrets of its environments (SecretStorage, flags, variables). */
export interface Secrets {
  /** The secret `kind` of `setting`, undefined when there is none. */
  get(setting: EnvironmentSetting, kind: SecretKind): Promise<string | undefined>;
  /** The message when `kind` is missing: it tells the user how this front end takes that secret. */
  missing(setting: EnvironmentSetting, kind: SecretKind): string;
}

/** What the resolver reads besides the setting: the secrets, and the process environment (before `.env`). */
export interface EnvironmentSources {
  secrets: Secrets;
  env: Record<string, string | undefined>;
  /** The message when the URL variable is set nowhere; `files` lists the `.env` files looked in. */
  missingVariable(setting: EnvironmentSetting, variable: string, files: string): string;
}

/** The codes of {@link EnvironmentError}. */
export type EnvironmentErrorCode = 'missing-secret' | 'missing-variable' | 'invalid-url';

/** Thrown when an environment cannot be used as configured (missing secret or variable, bad URL). */
export class EnvironmentError extends DriftGuardError<EnvironmentErrorCode> {
  override readonly name = 'EnvironmentError';
  constructor(code: EnvironmentErrorCode, message: string) {
    super(code, message);
  }
}

/** A variable from the process environment, else from the project's `.env` files (Prisma's precedence). */
export async function lookupVariable(
  project: PrismaProject,
  variable: string,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  return lookupEnvVariable(project.envFiles, variable, env);
}

/** The database URL of `setting` (its secret or its variable), checked to be a `postgresql://` URL. */
export async function resolveEnvironmentUrl(
  project: PrismaProject,
  setting: EnvironmentSetting,
  sources: EnvironmentSources,
): Promise<string> {
  let url: string | undefined;
  if (setting.url.from === 'secret') {
    url = await sources.secrets.get(setting, 'url');
    if (!url) throw new EnvironmentError('missing-secret', sources.secrets.missing(setting, 'url'));
  } else {
    const variable = setting.url.variable;
    url = await lookupVariable(project, variable, sources.env);
    if (!url) {
      const where =
        project.envFiles.length > 0
          ? project.envFiles.map((f) => path.relative(project.root, f) || f).join(', ')
          : '.env';
      throw new EnvironmentError('missing-variable', sources.missingVariable(setting, variable, where));
    }
  }
  if (!tryParsePostgresUrl(url)) {
    throw new EnvironmentError(
      'invalid-url',
      l10n.t('{0}: the database URL is not a postgresql:// URL.', setting.name),
    );
  }
  return url;
}

/** The SSH target of `setting` with its secrets, or undefined when it has no SSH hop. */
export async function environmentSshTarget(
  setting: EnvironmentSetting,
  secrets: Secrets,
): Promise<SshTarget | undefined> {
  const ssh = setting.ssh;
  if (!ssh) return undefined;
  const password = ssh.auth === 'password' ? await secrets.get(setting, 'sshPassword') : undefined;
  if (ssh.auth === 'password' && password === undefined) {
    throw new EnvironmentError('missing-secret', secrets.missing(setting, 'sshPassword'));
  }
  const passphrase = ssh.auth === 'key' ? await secrets.get(setting, 'sshPassphrase') : undefined;
  return sshTargetOf(ssh, {
    ...(password !== undefined ? { password } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
  });
}

/**
 * The databases `settings` designate, for the shadow URL check: each URL that resolves without asking (an SSH
 * one as the address its server connects to). An environment whose URL cannot be resolved designates nothing
 * it could be confused with, and is skipped.
 */
export async function environmentDatabases(
  project: PrismaProject,
  settings: readonly EnvironmentSetting[],
  sources: EnvironmentSources,
): Promise<CheckedDatabase[]> {
  const out: CheckedDatabase[] = [];
  for (const setting of settings) {
    let url: string;
    try {
      url = await resolveEnvironmentUrl(project, setting, sources);
    } catch (error) {
      if (error instanceof EnvironmentError) continue;
      throw error;
    }
    for (const u of setting.ssh ? sshEnvironmentUrls(url, setting.ssh) : [url]) {
      out.push({ label: l10n.t('environment {0}', setting.name), url: u });
    }
  }
  return out;
}

/** A database reachable from here, and how to let it go. */
export interface OpenedEnvironment {
  url: string;
  /** For messages: `production ($PROD_DATABASE_URL via SSH root@host:22 → 127.0.0.1:5435)`, no secret. */
  label: string;
  close(): Promise<void>;
  /** The environment's setting (undefined for a plain `--url`). */
  setting?: EnvironmentSetting;
  /** For environments behind SSH: runs a command on that server (the deploy rehearsal's dump command). */
  exec?: (command: string, options?: ExecOptions) => Promise<ExecResult>;
}

/**
 * The environments of `driftGuard.environments` for `project` outside VS Code: the nearest `.vscode/settings.json`
 * that defines any, from the project's folder up to the repository's top level (a monorepo's root settings),
 * never above it. Undefined when none does.
 */
export async function environmentSettingsFromFiles(
  project: PrismaProject,
): Promise<{ environments: EnvironmentSetting[]; problems: string[]; file: string } | undefined> {
  for (const dir of await foldersUpToRepositoryTop(project.root)) {
    const file = path.join(dir, '.vscode', 'settings.json');
    if (!existsSync(file)) continue;
    let raw: unknown;
    try {
      raw = (parseJsonc(await readFile(file, 'utf8')) as Record<string, unknown>)['driftGuard.environments'];
    } catch (error) {
      throw new Error(l10n.t('{0} cannot be read as JSON: {1}', file, (error as Error).message));
    }
    if (raw === undefined) continue;
    const { environments, problems } = parseEnvironmentSettings(raw);
    return {
      environments: environments.filter(
        (e) => e.project === undefined || path.resolve(dir, e.project) === project.root,
      ),
      problems,
      file,
    };
  }
  return undefined;
}

/** The environment `name` for `project` from the settings files (see {@link environmentSettingsFromFiles}). */
export async function findEnvironmentSetting(
  project: PrismaProject,
  name: string,
): Promise<{ setting: EnvironmentSetting; file: string }> {
  const found = await environmentSettingsFromFiles(project);
  if (found) {
    const { environments: mine, problems, file } = found;
    const setting = mine.find((e) => e.name === name);
    if (setting) return { setting, file };
    const problem = problems.find((p) => p.includes(`(${name})`));
    throw new Error(
      problem
        ? l10n.t('{0}: {1}', file, problem)
        : mine.length > 0
          ? l10n.t('No environment "{0}" in {1} (environments: {2}).', name, file, mine.map((e) => e.name).join(', '))
          : l10n.t('No environment "{0}" in {1} (environments: none).', name, file),
    );
  }
  const top = await repositoryTop(project.root);
  throw new Error(
    top === project.root
      ? l10n.t('No driftGuard.environments in a .vscode/settings.json in {0}.', top)
      : l10n.t(
          "No driftGuard.environments in a .vscode/settings.json from {0} up to the repository's top {1}.",
          project.root,
          top,
        ),
  );
}

/**
 * Resolves the URL and opens a one-shot tunnel (its own SSH session) to `setting`. `url` (the CLI's `--url`)
 * overrides the URL source. Host keys are checked against `knownHostsFiles` (the user's known_hosts when
 * empty) and an unknown host is refused: there is nobody to ask.
 */
export async function openEnvironment(
  project: PrismaProject,
  setting: EnvironmentSetting,
  sources: EnvironmentSources,
  options: { url?: string; knownHostsFiles?: string[] } = {},
): Promise<OpenedEnvironment> {
  const name = setting.name;
  const url = options.url ?? (await resolveEnvironmentUrl(project, setting, sources));
  const source = options.url ? '--url' : setting.url.from === 'env' ? `$${setting.url.variable}` : 'secret';
  if (!setting.ssh) {
    return { url, label: `${name} (${source} → ${redactUrl(url)})`, close: () => Promise.resolve(), setting };
  }

  const ssh = setting.ssh;
  const target = await environmentSshTarget(setting, sources.secrets);
  if (!target) throw new Error('no SSH target');
  const knownHosts = options.knownHostsFiles;
  const session = await SshSession.connect(target, {
    hostKeys: knownHosts && knownHosts.length > 0 ? { knownHostsFiles: knownHosts } : {},
  });
  try {
    const remote = remoteEndpoint(ssh, url);
    await session.checkForward(remote.host, remote.port);
    const forward = await session.forwardLocal(remote.host, remote.port);
    return {
      url: tunnelledUrl(url, forward.localPort),
      label: `${name} (${source} → ${redactUrl(url)} via SSH ${describeSsh(ssh)} → ${remote.host}:${remote.port})`,
      close: async () => {
        await forward.close();
        await session.close();
      },
      setting,
      exec: (command, execOptions) => session.exec(command, execOptions),
    };
  } catch (error) {
    await session.close();
    throw error;
  }
}
