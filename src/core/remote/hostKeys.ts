/**
 * Host key policy applied while connecting: what to read, whom to ask about an unknown key, where to save an
 * accepted one, and the user-facing refusal messages. The pure known_hosts logic lives in ./knownHosts.
 */
import { SshHostKeyError, type HostKeyMismatch } from './sshError';
import * as l10n from '@vscode/l10n';
import { sha256Fingerprint, type KnownHostEntry } from './knownHosts';
import { quoteShellArg } from './shellQuote';

/** The answer to "the authenticity of host … can't be established". */
export type UnknownHostDecision = 'accept-once' | 'accept-and-save' | 'reject';

/** Context passed to {@link OnUnknownHost} beside the fingerprint and key type. */
export interface UnknownHostInfo {
  /** `user@host:port`. */
  target: string;
  host: string;
  port: number;
  /** The known_hosts name: `host`, or `[host]:port` when the port is not 22. */
  hostName: string;
  /** Key types that *are* known for this host (the server offered another one); usually empty. */
  otherKnownTypes: readonly string[];
  /** The file an `accept-and-save` appends to. */
  saveTo: string;
}

/**
 * Asked once per connection when the server's key is not in known_hosts. `fingerprint` is `SHA256:…` exactly as
 * `ssh` prints it, `keyType` e.g. `ssh-ed25519`. The connect timeout is paused while this runs (the user is
 * reading), but the server may give up on its own (sshd `LoginGraceTime`, 120 s by default).
 */
export type OnUnknownHost = (
  fingerprint: string,
  keyType: string,
  info: UnknownHostInfo,
) => UnknownHostDecision | Promise<UnknownHostDecision>;

/** How host keys are verified. Every field is optional: the defaults are those of `ssh`. */
export interface HostKeyOptions {
  /** Files to trust, in order (default: ~/.ssh/known_hosts, ~/.ssh/known_hosts2, /etc/ssh/ssh_known_hosts{,2}). */
  knownHostsFiles?: readonly string[];
  /** Where `accept-and-save` appends (default: the first of {@link knownHostsFiles} when given, else ~/.ssh/known_hosts). */
  saveTo?: string;
  /** Write saved entries with a hashed host name (`|1|…`), like `HashKnownHosts yes` (default false). */
  hashSavedHostNames?: boolean;
  /** Decides about unknown hosts. Without it an unknown host is rejected — never silently trusted. */
  onUnknownHost?: OnUnknownHost;
}

/** The host key a session was established with, and how it came to be trusted. */
export interface VerifiedHostKey {
  keyType: string;
  fingerprint: string;
  /** `known`: in known_hosts; `accepted-once`/`saved`: accepted through {@link OnUnknownHost}. */
  trust: 'known' | 'accepted-once' | 'saved';
}

function where(entry: KnownHostEntry): string {
  return `${entry.file}:${entry.line}`;
}

function mismatch(
  hostName: string,
  keyType: string,
  blob: Buffer,
  expected: readonly KnownHostEntry[],
): HostKeyMismatch {
  return {
    hostName,
    keyType,
    presented: sha256Fingerprint(blob),
    expected: expected.map((e) => ({ fingerprint: sha256Fingerprint(e.key), file: e.file, line: e.line })),
  };
}

/** The refusal for a key that differs from the known one of the same type. */
export function hostKeyChangedError(
  target: string,
  hostName: string,
  keyType: string,
  blob: Buffer,
  expected: readonly KnownHostEntry[],
): SshHostKeyError {
  const m = mismatch(hostName, keyType, blob, expected);
  const known = m.expected.map((e) => `${e.fingerprint} (${keyType}, ${e.file}:${e.line})`).join(', ');
  const files = [...new Set(expected.map((e) => e.file))];
  const message = [
    l10n.t('WARNING: the SSH host key of {0} has CHANGED. Not connecting to {1}.', hostName, target),
    l10n.t('Expected {0}; the server presented {1}.', known, m.presented),
    l10n.t(
      'Someone could be intercepting the connection (man-in-the-middle attack), or the server was reinstalled or its host keys regenerated.',
    ),
    l10n.t(
      "Confirm the new fingerprint with the server's administrator; if the change is expected, remove the old entry: {0}",
      files.map((f) => `ssh-keygen -R ${quoteShellArg(hostName)} -f ${quoteShellArg(f)}`).join(' ; '),
    ),
  ].join('\n');
  return new SshHostKeyError('host-key-changed', message, target, m);
}

/** The refusal for a key listed as `@revoked`. */
export function hostKeyRevokedError(
  target: string,
  hostName: string,
  keyType: string,
  blob: Buffer,
  entry: KnownHostEntry,
): SshHostKeyError {
  const m = mismatch(hostName, keyType, blob, []);
  const message = l10n.t(
    'The SSH host key of {0} ({1}, {2}) is marked @revoked in {3}. Not connecting to {4}.',
    hostName,
    m.presented,
    keyType,
    where(entry),
    target,
  );
  return new SshHostKeyError('host-key-revoked', message, target, m);
}

/** The refusal for an unknown key that was rejected (by the user, or because nobody could be asked). */
export function hostKeyRejectedError(
  target: string,
  hostName: string,
  keyType: string,
  blob: Buffer,
  reason: 'rejected' | 'no-handler' | 'handler-failed',
  detail?: string,
): SshHostKeyError {
  const m = mismatch(hostName, keyType, blob, []);
  const why =
    reason === 'rejected'
      ? l10n.t('it is not in known_hosts and was rejected')
      : reason === 'no-handler'
        ? l10n.t(
            'it is not in known_hosts (add it with `ssh-keyscan` after checking the fingerprint, or connect once with `ssh` to accept it)',
          )
        : detail
          ? l10n.t('it is not in known_hosts and the confirmation failed: {0}', detail)
          : l10n.t('it is not in known_hosts and the confirmation failed');
  return new SshHostKeyError(
    'host-key-rejected',
    l10n.t(
      'The SSH host key of {0} ({1}, {2}) is not trusted: {3}. Not connecting to {4}.',
      hostName,
      m.presented,
      keyType,
      why,
      target,
    ),
    target,
    m,
  );
}
