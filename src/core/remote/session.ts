/**
 * One authenticated SSH connection (ssh2 `Client`) with host key verification, typed connect errors, remote
 * processes with exit codes and cancellation, interactive shells, and local port forwarding.
 *
 * Connecting is done in explicit phases (DNS, TCP, handshake, authentication) under one deadline, so each
 * failure gets its own message and nothing can hang: we resolve and open the TCP socket ourselves and hand
 * it to ssh2 (`sock`), instead of letting ssh2 do it, because ssh2 reports DNS and connect failures as generic
 * socket errors and its `readyTimeout` would also run while the user reads a host key prompt.
 */
import { promises as dns } from 'node:dns';
import * as net from 'node:net';
import { type Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import * as l10n from '@vscode/l10n';
import { authFailed, prepareAuth, type PreparedAuth } from './auth';
import { SshError, type SshErrorCode } from './sshError';
import {
  hostKeyChangedError,
  hostKeyRejectedError,
  hostKeyRevokedError,
  type HostKeyOptions,
  type UnknownHostDecision,
  type VerifiedHostKey,
} from './hostKeys';
import {
  appendKnownHostLine,
  checkHostKey,
  defaultKnownHostsFiles,
  formatKnownHostsLine,
  knownHostName,
  keyTypeOfBlob,
  preferredHostKeyAlgorithms,
  readKnownHostsFiles,
  sha256Fingerprint,
  type KnownHostsProblem,
} from './knownHosts';
import {
  cancelledBeforeStart,
  ChannelProcess,
  ptyWindow,
  type ExecResult,
  type PtyOptions,
  type RemoteProcess,
  type RemoteProcessOptions,
} from './remoteProcess';
import { withEnv } from './shellQuote';
import { describeTarget, resolveTarget, type ResolvedSshTarget, type SshTarget } from './target';
import { startLocalForward, type LocalForward, type LocalForwardOptions } from './tunnel';

/** Options of {@link SshSession.connect}. */
export interface SshConnectOptions {
  /** known_hosts files, unknown-host callback, saving. See {@link HostKeyOptions}. */
  hostKeys?: HostKeyOptions;
  /**
   * Session channels (exec/shell) open at once on this connection; more wait their turn. sshd refuses
   * channels beyond its `MaxSessions` (10 by default). Default 10.
   */
  maxSessionChannels?: number;
  /** Receives progress lines (phases, host key verdict, ssh2's own debug output). Never secrets. */
  log?: (line: string) => void;
  /** Also forward ssh2's very verbose protocol debug lines to {@link log}. Default false. */
  protocolDebug?: boolean;
}

/** Options of {@link SshSession.spawn} / {@link SshSession.exec}. */
export interface SpawnOptions extends RemoteProcessOptions {
  /**
   * Variables for the command, applied as `export NAME='value';` before it (sshd drops SSH `env` requests
   * not allowed by `AcceptEnv`). Needs a POSIX remote login shell.
   */
  env?: Readonly<Record<string, string>>;
  /** Run the command on a pseudo-terminal (colours, prompts, `sudo`); `true` for 80×24. */
  pty?: boolean | PtyOptions;
}

/** Options of {@link SshSession.exec}. */
export interface ExecOptions extends SpawnOptions {
  /** Written to the command's stdin, then EOF. Without it stdin is closed at once. */
  stdin?: string | Buffer;
}

/** Options of {@link SshSession.shell}. */
export interface ShellOptions extends RemoteProcessOptions {
  /** Terminal size and type; a shell always gets a pty. */
  pty?: PtyOptions;
  /** Sent as SSH `env` requests: only names in the server's `AcceptEnv` get through (LANG, LC_* by default). */
  env?: Readonly<Record<string, string>>;
}

/** Lifecycle of a session. */
export type SshSessionState = 'open' | 'lost' | 'closed';

const DEFAULT_MAX_SESSION_CHANNELS = 10;

type Phase = 'dns' | 'tcp' | 'handshake' | 'host-key' | 'auth';

const PHASE_TEXT: Record<Phase, () => string> = {
  dns: () => l10n.t('resolving the host name'),
  tcp: () => l10n.t('opening the TCP connection'),
  handshake: () => l10n.t('the SSH handshake'),
  'host-key': () => l10n.t('the SSH handshake'),
  auth: () => l10n.t('authentication'),
};

/**
 * An open SSH connection. Create with {@link SshSession.connect}; share through {@link SshSessionPool}.
 * All methods fail with an {@link SshError} (`connection-lost` / `closed`) once the session is no longer open.
 */
export class SshSession {
  private stateValue: SshSessionState = 'open';
  private endError: SshError | undefined;
  private readonly endListeners = new Set<(error?: SshError) => void>();
  private readonly channelWaiters: (() => void)[] = [];
  private openChannels = 0;
  private readonly maxChannels: number;

  private constructor(
    private readonly client: Client,
    private readonly socket: net.Socket,
    /** The target with defaults filled in. */
    readonly target: ResolvedSshTarget,
    /** The host key this connection was verified with. */
    readonly hostKey: VerifiedHostKey,
    options: SshConnectOptions,
  ) {
    this.maxChannels = Math.max(1, options.maxSessionChannels ?? DEFAULT_MAX_SESSION_CHANNELS);
    const log = options.log;
    let socketError: Error | undefined;
    client.on('error', (error: Error & { level?: string }) => {
      socketError = error;
      log?.(`${this.label}: ${error.message}`);
    });
    const onEnd = () => {
      if (this.stateValue !== 'open') return;
      const detail = socketError
        ? /keepalive/i.test(socketError.message)
          ? l10n.t(
              'no answer to {0} keepalives sent every {1} ms',
              target.keepaliveCountMax,
              target.keepaliveIntervalMs,
            )
          : socketError.message
        : l10n.t('the server closed the connection');
      this.finish(
        'lost',
        new SshError('connection-lost', l10n.t('SSH connection to {0} lost ({1})', this.label, detail), this.label, {
          cause: socketError,
        }),
      );
    };
    client.on('end', onEnd);
    client.on('close', onEnd);
  }

  /** `user@host:port`. */
  get label(): string {
    return describeTarget(this.target);
  }

  /** `open` until the connection is lost or {@link close}d. */
  get state(): SshSessionState {
    return this.stateValue;
  }

  /** Why the session is no longer open (`connection-lost` or `closed`); undefined while open. */
  get error(): SshError | undefined {
    return this.endError;
  }

  /**
   * Runs `listener` once when the session ends (lost: with the error; closed by us: without). Runs at once
   * (on a microtask) if it already ended. Returns an unsubscribe function.
   */
  onEnd(listener: (error?: SshError) => void): () => void {
    if (this.stateValue !== 'open') {
      const error = this.stateValue === 'lost' ? this.endError : undefined;
      queueMicrotask(() => listener(error));
      return () => undefined;
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /**
   * Connects, verifies the host key and authenticates. Rejects with an {@link SshError} whose message says
   * what failed: `auth-failed`, `connection-refused`, `dns-failed`, `unreachable`, `timeout`, `protocol`,
   * `key-unusable`, `agent-unavailable`, or an {@link SshHostKeyError} (changed / revoked / rejected key, in
   * which case nothing was sent beyond the key exchange).
   */
  static async connect(target: SshTarget, options: SshConnectOptions = {}): Promise<SshSession> {
    const t = resolveTarget(target);
    const label = describeTarget(t);
    const log = options.log;
    const auth = await prepareAuth(t, label);
    const defaults = defaultKnownHostsFiles();
    const knownFiles = options.hostKeys?.knownHostsFiles ?? defaults.read;
    const saveTo = options.hostKeys?.saveTo ?? options.hostKeys?.knownHostsFiles?.[0] ?? defaults.write;
    const known = await readKnownHostsFiles(knownFiles);
    for (const problem of known.problems) log?.(`known_hosts: ${describeProblem(problem)}`);
    const hostName = knownHostName(t.host, t.port);

    return new Promise<SshSession>((resolve, reject) => {
      let phase: Phase = 'dns';
      let settled = false;
      let socket: net.Socket | undefined;
      let client: Client | undefined;
      let hostKeyError: SshError | undefined;
      let verified: VerifiedHostKey | undefined;
      let pendingSave: string | undefined;
      let acceptedKey: Buffer | undefined;
      const abandon = new AbortController();

      // One deadline for every phase but the user's host key decision.
      let remaining = t.connectTimeoutMs;
      let timerStarted = 0;
      let timer: NodeJS.Timeout | undefined;
      const startTimer = () => {
        timerStarted = Date.now();
        timer = setTimeout(
          () => {
            fail(
              new SshError(
                'timeout',
                l10n.t(
                  'Timed out after {0} ms connecting to {1} (during {2})',
                  t.connectTimeoutMs,
                  label,
                  PHASE_TEXT[phase](),
                ),
                label,
              ),
            );
          },
          Math.max(0, remaining),
        );
      };
      const pauseTimer = () => {
        clearTimeout(timer);
        remaining -= Date.now() - timerStarted;
      };

      const fail = (error: SshError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        log?.(`${label}: ${error.message}`);
        client?.removeAllListeners('ready');
        // Keep an error listener: ssh2 may still emit while tearing down.
        client?.on('error', () => undefined);
        client?.end();
        socket?.destroy();
        abandon.abort();
        reject(error);
      };
      startTimer();

      const onSshError = (error: Error & { level?: string; code?: unknown; description?: string }) => {
        if (hostKeyError) return fail(hostKeyError);
        fail(mapSshError(error, phase, label, auth, t));
      };

      const startSsh = (sock: net.Socket) => {
        phase = 'handshake';
        log?.(`${label}: TCP connected to ${sock.remoteAddress ?? t.host}, SSH handshake`);
        const c = (client = new Client());
        c.on('error', onSshError);
        c.on('close', () => {
          if (settled) return;
          if (hostKeyError) return fail(hostKeyError);
          const message =
            phase === 'auth'
              ? l10n.t('{0} closed the connection during authentication', label)
              : phase === 'host-key'
                ? l10n.t(
                    '{0} closed the connection during the SSH handshake while we were waiting for the host key decision',
                    label,
                  )
                : l10n.t('{0} closed the connection during the SSH handshake', label);
          fail(new SshError(phase === 'auth' ? 'auth-failed' : 'protocol', message, label));
        });
        c.on('handshake', () => {
          // Also emitted after each re-key: only the first one matters here.
          if (settled || phase === 'auth') return;
          // The key exchange is complete: the server proved it holds the private host key.
          phase = 'auth';
          log?.(
            `${label}: host key ${verified?.fingerprint ?? '?'} ${verified?.trust ?? ''}, authenticating as ${t.user} (${auth.describe})`,
          );
          if (pendingSave) {
            const line = pendingSave;
            pendingSave = undefined;
            appendKnownHostLine(saveTo, line)
              .then(
                () => log?.(`${label}: saved the host key of ${hostName} to ${saveTo}`),
                (error: Error) => log?.(`${label}: could not save the host key to ${saveTo}: ${error.message}`),
              )
              .catch(() => undefined);
          }
        });
        c.on('ready', () => {
          if (settled) {
            c.end();
            return;
          }
          settled = true;
          clearTimeout(timer);
          log?.(`${label}: connected`);
          c.removeListener('error', onSshError);
          resolve(new SshSession(c, sock, t, verified ?? { keyType: '?', fingerprint: '?', trust: 'known' }, options));
        });

        const hostVerifier = (blob: Buffer, verify: (ok: boolean) => void): void => {
          // A re-key (ssh2 or the server renegotiates keys every GB or hour) must present the same key
          // again: no second prompt, and a different key mid-session is refused, as ssh does.
          if (acceptedKey) {
            if (!acceptedKey.equals(blob)) {
              log?.(`${label}: the server presented a different host key during a re-key; closing`);
            }
            return verify(acceptedKey.equals(blob));
          }
          phase = 'host-key';
          const keyType = keyTypeOfBlob(blob) ?? 'unknown';
          const fingerprint = sha256Fingerprint(blob);
          const check = checkHostKey(known.entries, hostName, blob);
          switch (check.status) {
            case 'trusted':
              verified = { keyType, fingerprint, trust: 'known' };
              acceptedKey = blob;
              return verify(true);
            case 'revoked':
              hostKeyError = hostKeyRevokedError(label, hostName, keyType, blob, check.entry);
              return verify(false);
            case 'changed':
              hostKeyError = hostKeyChangedError(label, hostName, keyType, blob, check.expected);
              return verify(false);
            case 'unknown':
              break;
          }
          const ask = options.hostKeys?.onUnknownHost;
          if (!ask) {
            hostKeyError = hostKeyRejectedError(label, hostName, keyType, blob, 'no-handler');
            return verify(false);
          }
          log?.(`${label}: unknown host key ${fingerprint} (${keyType}), asking`);
          pauseTimer();
          const decide = (decision: UnknownHostDecision | Error) => {
            if (settled) return;
            startTimer();
            if (decision instanceof Error) {
              hostKeyError = hostKeyRejectedError(label, hostName, keyType, blob, 'handler-failed', decision.message);
              return verify(false);
            }
            switch (decision) {
              case 'accept-and-save':
                pendingSave = formatKnownHostsLine(hostName, blob, {
                  hash: options.hostKeys?.hashSavedHostNames ?? false,
                });
                verified = { keyType, fingerprint, trust: 'saved' };
                acceptedKey = blob;
                return verify(true);
              case 'accept-once':
                verified = { keyType, fingerprint, trust: 'accepted-once' };
                acceptedKey = blob;
                return verify(true);
              default:
                hostKeyError = hostKeyRejectedError(label, hostName, keyType, blob, 'rejected');
                return verify(false);
            }
          };
          Promise.resolve()
            .then(() =>
              ask(fingerprint, keyType, {
                target: label,
                host: t.host,
                port: t.port,
                hostName,
                otherKnownTypes: check.otherTypes,
                saveTo,
              }),
            )
            .then(decide, (error: unknown) => decide(error instanceof Error ? error : new Error(String(error))))
            .catch((error: unknown) =>
              fail(
                new SshError(
                  'protocol',
                  l10n.t('SSH handshake with {0} failed after the host key decision: {1}', label, String(error)),
                  label,
                  { cause: error },
                ),
              ),
            );
        };

        const config: ConnectConfig = {
          sock,
          username: t.user,
          hostVerifier,
          authHandler: auth.handler,
          algorithms: {
            serverHostKey: preferredHostKeyAlgorithms(known.entries, hostName) as NonNullable<
              ConnectConfig['algorithms']
            >['serverHostKey'],
          },
          keepaliveInterval: t.keepaliveIntervalMs,
          keepaliveCountMax: t.keepaliveCountMax,
          // Our deadline covers the handshake; ssh2's would also run during the host key prompt.
          readyTimeout: 0,
          debug: options.protocolDebug && log ? (line: string) => log(`ssh2: ${line}`) : undefined,
        };
        try {
          c.connect(config);
        } catch (error) {
          fail(
            new SshError(
              'protocol',
              l10n.t('Cannot start the SSH connection to {0}: {1}', label, (error as Error).message),
              label,
              { cause: error },
            ),
          );
        }
      };

      void (async () => {
        let addresses: { address: string; family: number }[];
        if (net.isIP(t.host)) {
          addresses = [{ address: t.host, family: net.isIP(t.host) }];
        } else {
          try {
            addresses = await dns.lookup(t.host, { all: true });
          } catch (error) {
            return fail(dnsError(error as NodeJS.ErrnoException, t.host, label));
          }
          if (addresses.length === 0) {
            return fail(
              new SshError(
                'dns-failed',
                l10n.t('Cannot resolve the host name "{0}" of {1}: {2}', t.host, label, l10n.t('no address')),
                label,
              ),
            );
          }
        }
        if (settled) return;
        phase = 'tcp';
        let lastError: NodeJS.ErrnoException | undefined;
        for (const { address } of addresses) {
          try {
            const sock = await tcpConnect(address, t.port, abandon.signal);
            if (settled) {
              sock.destroy();
              return;
            }
            socket = sock;
            return startSsh(sock);
          } catch (error) {
            lastError = error as NodeJS.ErrnoException;
            if (settled) return;
          }
        }
        fail(tcpError(lastError, t, label, addresses.length));
      })();
    });
  }

  /**
   * Starts `command` (parsed by the remote login shell) and returns at once with a handle; stdout and stderr
   * flow to the callbacks, `result` settles with the exit status. Waits for a free session channel first
   * (see {@link SshConnectOptions.maxSessionChannels}).
   */
  async spawn(command: string, options: SpawnOptions = {}): Promise<RemoteProcess> {
    const full = withEnv(command, options.env);
    const pty = options.pty ? ptyWindow(options.pty === true ? {} : options.pty) : undefined;
    return this.openProcess(options, (done) => {
      if (pty) this.client.exec(full, { pty }, done);
      else this.client.exec(full, done);
    });
  }

  /**
   * Runs `command` to completion. Resolves with its exit status even when non-zero (check `exitCode`), and
   * with `cancelled: true` when the AbortSignal fired; rejects with an {@link SshError} when the channel cannot
   * be opened or the connection ends first (`connection-lost`).
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (options.signal?.aborted) return { exitCode: null, cancelled: true, durationMs: 0 };
    const proc = await this.spawn(command, options);
    if (options.stdin !== undefined) proc.write(options.stdin);
    proc.end();
    return proc.result;
  }

  /** Opens an interactive login shell on a pty (for a terminal): write keystrokes, resize, read output. */
  async shell(options: ShellOptions = {}): Promise<RemoteProcess> {
    const window = ptyWindow(options.pty ?? {});
    return this.openProcess(options, (done) => {
      this.client.shell(window, options.env ? { env: { ...options.env } } : {}, done);
    });
  }

  /**
   * Forwards a local port to `remoteHost:remotePort` as seen from the server (e.g. `127.0.0.1:5435` for a
   * database container published on the server). Listens on 127.0.0.1 on an ephemeral port. The forward
   * stops when closed or when the session ends. Use {@link checkForward} first to report a remote end that
   * is not reachable as a clear error rather than as a reset client connection.
   */
  async forwardLocal(remoteHost: string, remotePort: number, options: LocalForwardOptions = {}): Promise<LocalForward> {
    this.assertOpen();
    return startLocalForward(
      remoteHost,
      remotePort,
      (srcIP, srcPort) => this.openForwardChannel(srcIP, srcPort, remoteHost, remotePort),
      (l) => this.onEnd(l),
      options,
    );
  }

  /**
   * Opens and closes one forwarding channel to `remoteHost:remotePort`: resolves when the server can reach it,
   * rejects with an {@link SshError} `forward-failed` naming the reason (forwarding disabled by the server,
   * connection refused on the server side, unknown host there).
   */
  async checkForward(remoteHost: string, remotePort: number): Promise<void> {
    const channel = await this.openForwardChannel('127.0.0.1', 0, remoteHost, remotePort);
    channel.destroy();
  }

  /**
   * Closes the connection (politely, then forcibly after 2 s). Running processes reject with `closed`. As with
   * `ssh`, the server hangs up commands running on a pty but lets commands without one run to completion
   * (they only die if they write to the closed output): cancel those first if they must stop.
   */
  async close(): Promise<void> {
    if (this.stateValue !== 'open') return;
    this.finish('closed', new SshError('closed', l10n.t('SSH session to {0} was closed', this.label), this.label));
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 2_000);
      timer.unref();
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }

  /**
   * While idle in a pool, the connection should not keep a CLI process alive: `false` unrefs the socket.
   * (ssh2's keepalive timer still does, until the pool's idle timeout closes the session.)
   */
  setKeepsProcessAlive(keep: boolean): void {
    if (keep) this.socket.ref();
    else this.socket.unref();
  }

  private finish(state: 'lost' | 'closed', error: SshError): void {
    if (this.stateValue !== 'open') return;
    this.stateValue = state;
    this.endError = error;
    for (const waiter of this.channelWaiters.splice(0)) waiter();
    const listeners = [...this.endListeners];
    this.endListeners.clear();
    for (const listener of listeners) {
      try {
        listener(state === 'lost' ? error : undefined);
      } catch {
        // A listener's failure must not keep the others from learning about the end.
      }
    }
  }

  /** The error for an operation on a session that is no longer open. */
  private endedError(): SshError {
    return this.endError ?? new SshError('closed', l10n.t('SSH session to {0} was closed', this.label), this.label);
  }

  private assertOpen(): void {
    if (this.stateValue !== 'open') throw this.endedError();
  }

  private async acquireChannelSlot(signal: AbortSignal | undefined): Promise<boolean> {
    this.assertOpen();
    if (this.openChannels < this.maxChannels) {
      this.openChannels++;
      return true;
    }
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = () => {
        const i = this.channelWaiters.indexOf(wake);
        if (i >= 0) this.channelWaiters.splice(i, 1);
        resolve(false);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        if (this.stateValue !== 'open') return reject(this.endedError());
        this.openChannels++;
        resolve(true);
      };
      this.channelWaiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaseChannelSlot(): void {
    this.openChannels--;
    const next = this.channelWaiters.shift();
    if (next) next();
  }

  private async openProcess(
    options: RemoteProcessOptions,
    open: (done: (error: Error | undefined, channel: ClientChannel) => void) => void,
  ): Promise<RemoteProcess> {
    const started = Date.now();
    if (!(await this.acquireChannelSlot(options.signal))) return cancelledBeforeStart(started);
    try {
      return await new Promise<RemoteProcess>((resolve, reject) => {
        try {
          open((error, channel) => {
            if (error) return reject(error);
            // Wrap the channel right here, synchronously: ssh2 parses a whole TCP read in one go, so a quick
            // command's exit status can be emitted in the same tick as this callback — before an awaiting
            // caller would have attached its listeners.
            resolve(
              new ChannelProcess(
                channel,
                options,
                started,
                () => this.releaseChannelSlot(),
                () => (this.stateValue === 'open' ? undefined : this.endError),
              ),
            );
          });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    } catch (error) {
      this.releaseChannelSlot();
      if (this.stateValue !== 'open') throw this.endedError();
      throw new SshError(
        'channel-refused',
        l10n.t(
          "{0} refused to start a session channel: {1} (too many at once for the server's MaxSessions?)",
          this.label,
          (error as Error).message,
        ),
        this.label,
        { cause: error },
      );
    }
  }

  private openForwardChannel(srcIP: string, srcPort: number, remoteHost: string, remotePort: number): Promise<Duplex> {
    this.assertOpen();
    return new Promise<Duplex>((resolve, reject) => {
      try {
        this.client.forwardOut(srcIP, srcPort, remoteHost, remotePort, (error, channel) => {
          if (!error) return resolve(channel);
          if (this.stateValue !== 'open' && this.endError) return reject(this.endError);
          reject(
            new SshError(
              'forward-failed',
              l10n.t(
                '{0} could not forward to {1}: {2}',
                this.label,
                `${remoteHost}:${remotePort}`,
                describeForwardFailure(error),
              ),
              this.label,
              { cause: error },
            ),
          );
        });
      } catch (error) {
        reject(
          this.endError ??
            new SshError(
              'forward-failed',
              l10n.t(
                '{0} could not forward to {1}: {2}',
                this.label,
                `${remoteHost}:${remotePort}`,
                (error as Error).message,
              ),
              this.label,
              { cause: error },
            ),
        );
      }
    });
  }
}

// ——— error mapping ———

function describeProblem(problem: KnownHostsProblem): string {
  return `${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`;
}

function mapSshError(
  error: Error & { level?: string; code?: unknown },
  phase: Phase,
  label: string,
  auth: PreparedAuth,
  t: ResolvedSshTarget,
): SshError {
  const level = error.level;
  if (level === 'client-authentication') return authFailed(label, auth);
  if (level === 'agent') {
    return new SshError(
      'agent-unavailable',
      l10n.t('The SSH agent failed while authenticating to {0}: {1}', label, error.message),
      label,
      { cause: error },
    );
  }
  if (level === 'client-socket') {
    const code = (error as NodeJS.ErrnoException).code;
    if (phase === 'auth') {
      return new SshError(
        'auth-failed',
        l10n.t('{0} dropped the connection during authentication ({1})', label, code ?? error.message),
        label,
        { cause: error },
      );
    }
    return new SshError(
      'protocol',
      l10n.t(
        '{0} dropped the connection during the SSH handshake ({1}) — is it an SSH server, and does it accept us (MaxStartups, firewall)?',
        label,
        code ?? error.message,
      ),
      label,
      { cause: error },
    );
  }
  // A DISCONNECT from the server carries a numeric reason code.
  if (typeof error.code === 'number') {
    if (phase === 'auth') return authFailed(label, auth, l10n.t('the server disconnected: {0}', error.message));
    return new SshError('protocol', l10n.t('{0} ended the SSH handshake: {1}', label, error.message), label, {
      cause: error,
    });
  }
  if (/Connection lost before handshake/i.test(error.message)) {
    return new SshError(
      'protocol',
      l10n.t(
        '{0} (port {1}) closed the connection before the SSH handshake — is an SSH server listening on that port?',
        label,
        t.port,
      ),
      label,
      { cause: error },
    );
  }
  return new SshError('protocol', l10n.t('SSH handshake with {0} failed: {1}', label, error.message), label, {
    cause: error,
  });
}

function dnsError(error: NodeJS.ErrnoException, host: string, label: string): SshError {
  const detail =
    error.code === 'ENOTFOUND'
      ? l10n.t('no such host')
      : error.code === 'EAI_AGAIN'
        ? l10n.t('temporary DNS failure — is the network or the DNS server reachable?')
        : (error.code ?? error.message);
  return new SshError(
    'dns-failed',
    l10n.t('Cannot resolve the host name "{0}" of {1}: {2}', host, label, detail),
    label,
    { cause: error },
  );
}

function tcpError(
  error: NodeJS.ErrnoException | undefined,
  t: ResolvedSshTarget,
  label: string,
  attempts: number,
): SshError {
  const code = error?.code;
  const several = attempts > 1 ? l10n.t(' (tried {0} addresses)', attempts) : '';
  const codeOf = (c: SshErrorCode, m: string) => new SshError(c, m, label, { cause: error });
  switch (code) {
    case 'ECONNREFUSED':
      return codeOf(
        'connection-refused',
        l10n.t(
          'Connection refused by {0}{1} — no SSH server is listening on that port (is sshd running, is the port right?)',
          `${t.host}:${t.port}`,
          several,
        ),
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return codeOf(
        'unreachable',
        l10n.t(
          '{0} is unreachable{1} ({2}) — check the network, VPN or firewall',
          `${t.host}:${t.port}`,
          several,
          code,
        ),
      );
    case 'ETIMEDOUT':
      return codeOf(
        'timeout',
        l10n.t(
          'Timed out opening the TCP connection to {0}{1} — the host or a firewall drops the packets',
          `${t.host}:${t.port}`,
          several,
        ),
      );
    default:
      return codeOf(
        'protocol',
        l10n.t(
          'Cannot connect to {0}{1}: {2}',
          `${t.host}:${t.port}`,
          several,
          code ?? error?.message ?? l10n.t('unknown error'),
        ),
      );
  }
}

function describeForwardFailure(error: Error & { reason?: number }): string {
  // RFC 4254 §5.1 reason codes, with what they usually mean for a `direct-tcpip` channel to sshd.
  switch (error.reason) {
    case 1:
      return l10n.t(
        'administratively prohibited (the server disallows TCP forwarding: AllowTcpForwarding / PermitOpen)',
      );
    case 2:
      return l10n.t(
        'the server could not connect there (nothing listening on that host/port as seen from the server, or the host is unknown there)',
      );
    case 3:
      return l10n.t('unknown channel type');
    case 4:
      return l10n.t('resource shortage on the server');
    default:
      return error.message;
  }
}

/** Opens a TCP connection; rejects with the socket error (its errno code is mapped by the caller). */
function tcpConnect(host: string, port: number, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = new net.Socket({ signal });
    const onError = (error: Error) => {
      sock.destroy();
      reject(error);
    };
    sock.once('error', onError);
    sock.once('connect', () => {
      sock.off('error', onError);
      // ssh2 attaches its own error handling; until then (a microtask away) nothing may throw unhandled.
      sock.on('error', () => undefined);
      resolve(sock);
    });
    sock.connect({ host, port });
  });
}
