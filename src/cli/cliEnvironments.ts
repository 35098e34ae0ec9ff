/**
 * `drift-guard … --env NAME`: the CLI's side of the environment resolver (src/core/app/environments.ts).
 * SecretStorage belongs to VS Code, so secrets come from the command line and the environment instead: the URL
 * from its variable (or `--url`), `DRIFT_GUARD_SSH_PASSWORD`, `DRIFT_GUARD_SSH_PASSPHRASE`. Host keys are checked
 * against known_hosts (`DRIFT_GUARD_KNOWN_HOSTS` to use other files) and an unknown host is refused.
 */
import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import {
  environmentDatabases,
  type EnvironmentSources,
  environmentSettingsFromFiles,
  findEnvironmentSetting,
  openEnvironment,
  type OpenedEnvironment,
} from '../core/app/environments';
import { type CheckedDatabase } from '../core/engine/shadowSafety';
import { describeSsh } from '../core/environments/config';
import { type PrismaProject } from '../core/project/types';

/** The CLI's secrets: the SSH ones from variables; a `secret` URL cannot be read here (`--url` overrides it). */
export function cliEnvironmentSources(env: Record<string, string | undefined>): EnvironmentSources {
  return {
    env,
    missingVariable: (setting, variable, files) =>
      l10n.t('{0}: the variable {1} is not set (looked in the environment and in {2}).', setting.name, variable, files),
    secrets: {
      get: (_setting, kind) =>
        Promise.resolve(
          kind === 'sshPassword'
            ? env.DRIFT_GUARD_SSH_PASSWORD || undefined
            : kind === 'sshPassphrase'
              ? env.DRIFT_GUARD_SSH_PASSPHRASE || undefined
              : undefined,
        ),
      missing: (setting, kind) =>
        kind === 'url'
          ? setting.ssh
            ? l10n.t(
                "The URL of {0} is kept in VS Code's SecretStorage, which the CLI cannot read: pass it with --url (as seen from the SSH server), or configure {1}.",
                setting.name,
                '{"from": "env", "variable": "…"}',
              )
            : l10n.t(
                "The URL of {0} is kept in VS Code's SecretStorage, which the CLI cannot read: pass it with --url, or configure {1}.",
                setting.name,
                '{"from": "env", "variable": "…"}',
              )
          : l10n.t(
              '{0} logs in to {1} with a password: set DRIFT_GUARD_SSH_PASSWORD.',
              setting.name,
              setting.ssh ? describeSsh(setting.ssh) : '',
            ),
    },
  };
}

/** Opens environment `name` of `project` (its tunnel when it has `ssh`); `url` (from `--url`) overrides its URL source. */
export async function openCliEnvironment(
  project: PrismaProject,
  name: string,
  options: { env: Record<string, string | undefined>; url?: string },
): Promise<OpenedEnvironment> {
  const { setting } = await findEnvironmentSetting(project, name);
  const knownHostsFiles = options.env.DRIFT_GUARD_KNOWN_HOSTS?.split(path.delimiter).filter(Boolean);
  return openEnvironment(project, setting, cliEnvironmentSources(options.env), {
    ...(options.url ? { url: options.url } : {}),
    ...(knownHostsFiles ? { knownHostsFiles } : {}),
  });
}

/**
 * The databases the environments of `project` designate, for the shadow URL check. A settings file that cannot
 * be read protects nothing: said on `warn` (the check goes on with the databases it knows).
 */
export async function cliEnvironmentDatabases(
  project: PrismaProject,
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
): Promise<CheckedDatabase[]> {
  let found: Awaited<ReturnType<typeof environmentSettingsFromFiles>>;
  try {
    found = await environmentSettingsFromFiles(project);
  } catch (error) {
    warn(
      l10n.t(
        'The configured environments are not checked against the shadow database URL: {0}',
        error instanceof Error ? error.message : String(error),
      ),
    );
    return [];
  }
  return found ? environmentDatabases(project, found.environments, cliEnvironmentSources(env)) : [];
}
