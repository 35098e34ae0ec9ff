/**
 * Where and how to connect: plain data, built from the environment settings (issue 5) or a runbook's
 * `ssh user@host` line (issue 6). Secrets (password, passphrase) are passed in by the caller, who reads them
 * from SecretStorage; nothing here reads settings.
 */
import { createHash } from 'node:crypto';
import * as l10n from '@vscode/l10n';

/** How to authenticate. One method per target; the error names it when the server refuses it. */
export type SshAuth =
  /** Keys held by an ssh-agent; `socket` defaults to `$SSH_AUTH_SOCK` (on Windows: the OpenSSH agent's pipe; `pageant` works too). */
  | { kind: 'agent'; socket?: string }
  /** A private key file (OpenSSH, PEM or PuTTY format; `~/` is expanded), with its passphrase if encrypted. */
  | { kind: 'key'; path: string; passphrase?: string }
  /** A password; also answers a keyboard-interactive prompt when the server only offers that. */
  | { kind: 'password'; password: string };

/** An SSH server and the account to use on it. */
export interface SshTarget {
  host: string;
  /** Default 22. */
  port?: number;
  user: string;
  auth: SshAuth;
  /**
   * Upper bound for DNS + TCP connect + SSH handshake + authentication, in ms (default 20 000). Time spent
   * waiting for the user to decide about an unknown host key does not count.
   */
  connectTimeoutMs?: number;
  /** Interval of SSH-level keepalive pings, in ms (default 15 000; 0 disables them). */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection is declared lost (default 3). */
  keepaliveCountMax?: number;
}

/** {@link SshTarget} with every default filled in. */
export interface ResolvedSshTarget extends Required<Omit<SshTarget, 'auth'>> {
  auth: SshAuth;
}

/** Defaults of {@link SshTarget}: port 22, 20 s to connect, a keepalive every 15 s, lost after 3 unanswered. */
export const DEFAULT_SSH_PORT = 22;
/** See {@link SshTarget.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
/** See {@link SshTarget.keepaliveIntervalMs}. */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;
/** See {@link SshTarget.keepaliveCountMax}. */
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;

/** Fills the defaults and validates host, port, user and timeouts; throws a plain Error on bad input. */
export function resolveTarget(target: SshTarget): ResolvedSshTarget {
  const host = target.host.trim();
  if (!host) throw new Error(l10n.t('SSH target: host is empty'));
  if (/\s/.test(host)) throw new Error(l10n.t('SSH target: host "{0}" contains whitespace', host));
  const port = target.port ?? DEFAULT_SSH_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(l10n.t('SSH target: port {0} is not a TCP port (1–65535)', String(port)));
  }
  const user = target.user.trim();
  if (!user) throw new Error(l10n.t('SSH target {0}: user is empty', host));
  const connectTimeoutMs = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(connectTimeoutMs > 0)) throw new Error(l10n.t('SSH target {0}: connectTimeoutMs must be > 0', host));
  return {
    host,
    port,
    user,
    auth: target.auth,
    connectTimeoutMs,
    keepaliveIntervalMs: target.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: target.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
  };
}

/** `user@host:port` (IPv6 literals in brackets), as every message of this layer names a target. */
export function describeTarget(target: Pick<SshTarget, 'host' | 'port' | 'user'>): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.user}@${host}:${target.port ?? DEFAULT_SSH_PORT}`;
}

/**
 * Identity of a target for session sharing: same server, account and credentials. Secrets enter only as a
 * hash, so the key can appear in logs and maps without leaking them; a changed password gives a new key
 * (and so a fresh session), never a reuse of a session opened with the old one.
 */
export function targetKey(target: SshTarget): string {
  const t = resolveTarget(target);
  const auth = t.auth;
  let authPart: string;
  switch (auth.kind) {
    case 'agent':
      authPart = `agent:${auth.socket ?? ''}`;
      break;
    case 'key':
      authPart = `key:${auth.path}:${secretHash(auth.passphrase)}`;
      break;
    case 'password':
      authPart = `password:${secretHash(auth.password)}`;
      break;
  }
  return `${describeTarget(t)}#${authPart}#${t.connectTimeoutMs}/${t.keepaliveIntervalMs}/${t.keepaliveCountMax}`;
}

function secretHash(secret: string | undefined): string {
  return secret === undefined ? '-' : createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}
