/**
 * Typed errors of the SSH layer: one class, a `code` to switch on, and a message written for the user (it is
 * shown as-is in the tree, on a runbook step and in the Output channel).
 */

import { DriftGuardError } from '../util/errors';

/** What went wrong, as a stable discriminant. */
export type SshErrorCode =
  /** The server rejected every authentication method we offered. */
  | 'auth-failed'
  /** Nothing listens on host:port (TCP RST). */
  | 'connection-refused'
  /** The host name does not resolve. */
  | 'dns-failed'
  /** No route to the host or network. */
  | 'unreachable'
  /** TCP connect, handshake or authentication took longer than the connect timeout. */
  | 'timeout'
  /** The server presented a key of a known type that differs from known_hosts: possible interception. */
  | 'host-key-changed'
  /** The server's key is marked `@revoked` in known_hosts. */
  | 'host-key-revoked'
  /** The server's key is not in known_hosts and the user (or the absence of a callback) rejected it. */
  | 'host-key-rejected'
  /** The private key file cannot be read, is encrypted without a passphrase, or the passphrase is wrong. */
  | 'key-unusable'
  /** No SSH agent to talk to (no socket given and SSH_AUTH_SOCK unset), or the agent failed. */
  | 'agent-unavailable'
  /** An established connection went away (server stopped, network dropped, keepalive unanswered). */
  | 'connection-lost'
  /** The SSH handshake failed (no common algorithm, malformed data, server closed during key exchange). */
  | 'protocol'
  /** The server refused to open a session channel (exec/shell), e.g. MaxSessions reached. */
  | 'channel-refused'
  /** The server refused or failed to forward a TCP connection (forwarding disabled, nothing listening). */
  | 'forward-failed'
  /** The session was closed by us (dispose) before or while the operation ran. */
  | 'closed';

/** An SSH failure with a stable {@link SshErrorCode} and a message naming the target (`user@host:port`). */
export class SshError extends DriftGuardError<SshErrorCode> {
  override readonly name = 'SshError';

  constructor(
    code: SshErrorCode,
    message: string,
    /** `user@host:port` the error is about. */
    readonly target: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Details of a host key that did not match known_hosts, carried by {@link SshHostKeyError}. */
export interface HostKeyMismatch {
  /** The name looked up in known_hosts: `host`, or `[host]:port` when the port is not 22. */
  hostName: string;
  keyType: string;
  /** `SHA256:…` of the key the server presented. */
  presented: string;
  /** `SHA256:…` of each known key of the same type, with the file and line it came from. */
  expected: readonly { fingerprint: string; file: string; line: number }[];
}

/**
 * Host key refused: `host-key-changed`, `host-key-revoked` or `host-key-rejected`. No connection was made
 * (the key exchange was aborted before authentication).
 */
export class SshHostKeyError extends SshError {
  constructor(
    code: 'host-key-changed' | 'host-key-revoked' | 'host-key-rejected',
    message: string,
    target: string,
    readonly mismatch: HostKeyMismatch,
  ) {
    super(code, message, target);
  }
}

/** True for an {@link SshError} (optionally of one of `codes`). */
export function isSshError(error: unknown, ...codes: SshErrorCode[]): error is SshError {
  return error instanceof SshError && (codes.length === 0 || codes.includes(error.code));
}
