import * as l10n from '@vscode/l10n';
/**
 * Where a step runs: this machine, or a configured environment (over its SSH host, or locally with the
 * environment's database URL when it has no SSH hop). A runbook names servers the way people write them —
 * `ssh root@88.99.254.59`, `<!-- env: production -->` — and this maps them onto `driftGuard.environments`.
 */
import { type EnvironmentKind, type EnvironmentSetting } from '../environments/config';
import { type StepTarget } from './parser';

export type TargetResolution =
  /** This machine, the project's own database (`local`). */
  | { kind: 'local' }
  /** On the environment's SSH host. */
  | { kind: 'remote'; environment: EnvironmentSetting }
  /** On this machine, with the environment's database URL (an environment without SSH). */
  | { kind: 'localAgainst'; environment: EnvironmentSetting }
  /** Nothing configured matches: the step cannot run until an environment is added. */
  | { kind: 'unmatched'; message: string; suggestion: { name?: string; host?: string; user?: string; port?: number } }
  /** Several environments match the ssh line: the runbook must name one with `<!-- env: NAME -->`. */
  | { kind: 'ambiguous'; message: string; candidates: string[] };

/** The name a resolution is recorded under in the run log and in the backup gate. */
export function resolutionEnvironmentName(resolution: TargetResolution): string | undefined {
  if (resolution.kind === 'local') return 'local';
  if (resolution.kind === 'remote' || resolution.kind === 'localAgainst') return resolution.environment.name;
  return undefined;
}

/** The environment kind of a resolution (`development` for this machine). */
export function resolutionKind(resolution: TargetResolution): EnvironmentKind | undefined {
  if (resolution.kind === 'local') return 'development';
  if (resolution.kind === 'remote' || resolution.kind === 'localAgainst') return resolution.environment.kind;
  return undefined;
}

/** `user@host[:port]` of an ssh target. */
export function describeSshTarget(target: { user?: string; host: string; port?: number }): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.user ? `${target.user}@` : ''}${host}${target.port && target.port !== 22 ? `:${target.port}` : ''}`;
}

/** Maps a step's target onto the configured environments. */
export function resolveTarget(target: StepTarget, environments: readonly EnvironmentSetting[]): TargetResolution {
  if (target.kind === 'local') return { kind: 'local' };
  if (target.kind === 'environment' || (target.kind === 'ssh' && target.environment)) {
    const name = target.kind === 'environment' ? target.environment : target.environment!;
    const found = environments.find((e) => e.name === name);
    if (!found) {
      return {
        kind: 'unmatched',
        message: l10n.t('No environment named "{0}" in driftGuard.environments.', name),
        suggestion: {
          name,
          ...(target.kind === 'ssh' ? { host: target.host, ...(target.user ? { user: target.user } : {}) } : {}),
        },
      };
    }
    return found.ssh ? { kind: 'remote', environment: found } : { kind: 'localAgainst', environment: found };
  }
  const host = target.host.toLowerCase();
  const matches = environments.filter(
    (e) =>
      e.ssh !== undefined &&
      e.ssh.host.toLowerCase() === host &&
      (target.user === undefined || e.ssh.user === target.user) &&
      (target.port === undefined || (e.ssh.port ?? 22) === target.port),
  );
  if (matches.length === 1) return { kind: 'remote', environment: matches[0] };
  const label = describeSshTarget(target);
  if (matches.length > 1) {
    return {
      kind: 'ambiguous',
      message: l10n.t(
        'Several environments use {0} ({1}): mark the section with <!-- env: NAME -->.',
        label,
        matches.map((m) => m.name).join(', '),
      ),
      candidates: matches.map((m) => m.name),
    };
  }
  return {
    kind: 'unmatched',
    message: l10n.t('No environment in driftGuard.environments connects to {0}.', label),
    suggestion: {
      host: target.host,
      ...(target.user ? { user: target.user } : {}),
      ...(target.port ? { port: target.port } : {}),
    },
  };
}
