/**
 * `drift-guard … --env NAME`: a configured environment of `driftGuard.environments` (read from the
 * `.vscode/settings.json` of the project or a folder above it, up to the repository's top level) used from the command line, through an SSH
 * tunnel when it has `ssh`. SecretStorage belongs to VS Code, so secrets come from the environment instead:
 * the URL from its variable (or `--url`), `DRIFT_GUARD_SSH_PASSWORD`, `DRIFT_GUARD_SSH_PASSPHRASE`. Host keys
 * are checked against known_hosts (`DRIFT_GUARD_KNOWN_HOSTS` to use other files) and an unknown host is
 * refused: there is nobody to ask.
 */
import * as l10n from '@vscode/l10n';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type CheckedDatabase, sshEnvironmentUrls } from '../engine/shadowSafety';
import { redactUrl } from '../project/discovery';
import { lookupEnvVariable } from '../project/envFile';
import { type PrismaProject } from '../project/types';
import { type ExecOptions, type ExecResult, SshSession } from '../remote';
import { foldersUpToRepositoryTop, repositoryTop } from '../util/repositoryTop';
import { describeSsh, type EnvironmentSetting, parseEnvironmentSettings, remoteEndpoint, sshTargetOf, tunnelledUrl } from './config';
import { parseJsonc } from './jsonc';

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
 * Finds the environment `name` for `project` in the nearest `.vscode/settings.json` that defines any, from the
 * project's folder up to the repository's top level (a monorepo's root settings), never above it.
 */
export async function findEnvironmentSetting(project: PrismaProject, name: string): Promise<{ setting: EnvironmentSetting; file: string }> {
  for (const dir of await foldersUpToRepositoryTop(project.root)) {
    const file = path.join(dir, '.vscode', 'settings.json');
    if (existsSync(file)) {
      let raw: unknown;
      try {
        raw = (parseJsonc(await readFile(file, 'utf8')) as Record<string, unknown>)['driftGuard.environments'];
      } catch (error) {
        throw new Error(l10n.t('{0} cannot be read as JSON: {1}', file, (error as Error).message));
      }
      if (raw !== undefined) {
        const { environments, problems } = parseEnvironmentSettings(raw);
        const mine = environments.filter((e) => e.project === undefined || path.resolve(dir, e.project) === project.root);
        const found = mine.find((e) => e.name === name);
        if (found) return { setting: found, file };
        const problem = problems.find((p) => p.includes(`(${name})`));
        throw new Error(
          problem
            ? l10n.t('{0}: {1}', file, problem)
            : mine.length > 0
              ? l10n.t('No environment "{0}" in {1} (environments: {2}).', name, file, mine.map((e) => e.name).join(', '))
              : l10n.t('No environment "{0}" in {1} (environments: none).', name, file),
        );
      }
    }
  }
  const top = await repositoryTop(project.root);
  throw new Error(
    top === project.root
      ? l10n.t('No driftGuard.environments in a .vscode/settings.json in {0}.', top)
      : l10n.t("No driftGuard.environments in a .vscode/settings.json from {0} up to the repository's top {1}.", project.root, top),
  );
}

/**
 * Every database the environments of `project` designate, for the shadow URL check: their URLs from their
 * variables (`secret` URLs cannot be read here and are skipped), an SSH one as the address its server connects to.
 */
export async function environmentDatabases(project: PrismaProject, env: Record<string, string | undefined>): Promise<CheckedDatabase[]> {
  for (const dir of await foldersUpToRepositoryTop(project.root)) {
    const file = path.join(dir, '.vscode', 'settings.json');
    const raw = existsSync(file) ? await readFile(file, 'utf8').then((text) => (parseJsonc(text) as Record<string, unknown>)['driftGuard.environments']).catch(() => undefined) : undefined;
    if (raw !== undefined) {
      const out: CheckedDatabase[] = [];
      for (const setting of parseEnvironmentSettings(raw).environments) {
        if (setting.project !== undefined && path.resolve(dir, setting.project) !== project.root) continue;
        const url = setting.url.from === 'env' ? await variable(project, setting.url.variable, env) : undefined;
        if (!url) continue;
        const urls = setting.ssh ? sshEnvironmentUrls(url, setting.ssh) : [url];
        for (const u of urls) out.push({ label: l10n.t('environment {0}', setting.name), url: u });
      }
      return out;
    }
  }
  return [];
}

async function variable(project: PrismaProject, name: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  return lookupEnvVariable(project.envFiles, name, env);
}

/** Resolves the URL and opens the tunnel of environment `name`. `url` (from `--url`) overrides the URL source. */
export async function openEnvironment(project: PrismaProject, name: string, options: { env: Record<string, string | undefined>; url?: string }): Promise<OpenedEnvironment> {
  const { setting } = await findEnvironmentSetting(project, name);
  let url = options.url;
  if (!url) {
    if (setting.url.from === 'secret') {
      throw new Error(
        setting.ssh
          ? l10n.t("The URL of {0} is kept in VS Code's SecretStorage, which the CLI cannot read: pass it with --url (as seen from the SSH server), or configure {1}.", name, '{"from": "env", "variable": "…"}')
          : l10n.t("The URL of {0} is kept in VS Code's SecretStorage, which the CLI cannot read: pass it with --url, or configure {1}.", name, '{"from": "env", "variable": "…"}'),
      );
    }
    url = await variable(project, setting.url.variable, options.env);
    if (!url) {
      const files = project.envFiles.map((f) => path.relative(project.root, f)).join(', ') || '.env';
      throw new Error(l10n.t('{0}: the variable {1} is not set (looked in the environment and in {2}).', name, setting.url.variable, files));
    }
  }
  const source = options.url ? '--url' : setting.url.from === 'env' ? `$${setting.url.variable}` : 'secret';
  if (!setting.ssh) return { url, label: `${name} (${source} → ${redactUrl(url)})`, close: () => Promise.resolve(), setting };

  const ssh = setting.ssh;
  const password = options.env.DRIFT_GUARD_SSH_PASSWORD;
  if (ssh.auth === 'password' && !password) throw new Error(l10n.t('{0} logs in to {1} with a password: set DRIFT_GUARD_SSH_PASSWORD.', name, describeSsh(ssh)));
  const passphrase = options.env.DRIFT_GUARD_SSH_PASSPHRASE;
  const target = sshTargetOf(ssh, { ...(password ? { password } : {}), ...(passphrase ? { passphrase } : {}) });
  const knownHosts = options.env.DRIFT_GUARD_KNOWN_HOSTS?.split(path.delimiter).filter(Boolean);
  const session = await SshSession.connect(target, { hostKeys: knownHosts && knownHosts.length > 0 ? { knownHostsFiles: knownHosts } : {} });
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
