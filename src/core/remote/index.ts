/**
 * # src/core/remote — the SSH layer (ssh2, plain data in and out, no `vscode`)
 *
 * Used by the environments explorer (tunnels to a database as seen from the server), the runbook (remote
 * steps with exit codes and cancel, in a pseudoterminal) and the deploy rehearsal (`pg_dump` over SSH).
 *
 * What is exported, and why:
 * - {@link SshTarget} / {@link SshAuth}: the connection settings as plain data (agent, key file or password;
 *   secrets are passed in by the caller, who keeps them in SecretStorage).
 * - {@link SshSession}: one verified, authenticated connection. `connect` runs DNS → TCP → handshake → auth
 *   under one deadline and fails with an {@link SshError} whose `code` says what went wrong
 *   (`auth-failed`, `connection-refused`, `dns-failed`, `timeout`, host key refusals…) and whose message can
 *   be shown as-is. `exec`/`spawn` run commands with streamed output, exit code and AbortSignal cancel;
 *   `shell` opens a pty for a terminal; `forwardLocal` is `ssh -L` on an ephemeral 127.0.0.1 port.
 * - {@link SshSessionPool}: sessions shared by reference count, closed when idle or disposed, forgotten as soon
 *   as their connection drops so the next use reconnects. Never retries a command by itself.
 * - Host keys: verified against OpenSSH known_hosts files as `ssh` does (hashed names, `[host]:port`,
 *   `@revoked`); an unknown key goes to the caller's {@link OnUnknownHost} (accept once / accept and save /
 *   reject), a changed key is refused with a warning naming both fingerprints. The pure known_hosts functions
 *   are exported for the settings UI ("show fingerprint", "remove old key") and for tests.
 * - {@link quoteShellArg} / {@link shellCommand}: an exec request is one string for the remote shell, so argv
 *   must be quoted on our side.
 *
 * Bundling: ssh2 optionally loads native modules (`cpu-features`, `sshcrypto.node`); webpack.config.js ignores
 * them so the bundles use ssh2's pure-JS crypto (see the comment there).
 */
export { expandHome } from './auth';
export { isSshError, SshError, SshHostKeyError, type HostKeyMismatch, type SshErrorCode } from './sshError';
export {
  type HostKeyOptions,
  type OnUnknownHost,
  type UnknownHostDecision,
  type UnknownHostInfo,
  type VerifiedHostKey,
} from './hostKeys';
export {
  appendKnownHostLine,
  checkHostKey,
  defaultKnownHostsFiles,
  entryMatchesHost,
  formatKnownHostsLine,
  hashHostName,
  HOST_KEY_ALGORITHMS,
  keyTypeOfBlob,
  knownHostName,
  matchGlob,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  readKnownHostsFiles,
  sha256Fingerprint,
  type HostKeyCheck,
  type KnownHostEntry,
  type KnownHostsProblem,
  type ParsedKnownHosts,
} from './knownHosts';
export { SshSessionPool, type PooledLocalForward, type SshLease, type SshSessionPoolOptions } from './pool';
export { type ExecResult, type PtyOptions, type RemoteProcess, type RemoteProcessOptions } from './remoteProcess';
export {
  SshSession,
  type ExecOptions,
  type ShellOptions,
  type SpawnOptions,
  type SshConnectOptions,
  type SshSessionState,
} from './session';
export { quoteShellArg, shellCommand, withEnv } from './shellQuote';
export {
  describeTarget,
  resolveTarget,
  targetKey,
  type ResolvedSshTarget,
  type SshAuth,
  type SshTarget,
} from './target';
export { type LocalForward, type LocalForwardClosed, type LocalForwardOptions } from './tunnel';
