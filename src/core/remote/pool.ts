/**
 * Sessions shared by reference count: the tree, the runbook terminal and a tunnel to the same server use one
 * SSH connection. A session is closed when the pool is disposed or after it stayed unused for the idle time;
 * a session whose connection was lost is forgotten at once, so the next {@link SshSessionPool.acquire}
 * reconnects. Nothing is retried automatically: a remote command must never run twice because a connection
 * dropped — the caller sees `connection-lost` and decides.
 */
import { SshError } from './sshError';
import { closeWhenIdle, dropHolder, holdWhenReady, type RefCounted } from '../util/refCount';
import * as l10n from '@vscode/l10n';
import { SshSession, type SshConnectOptions } from './session';
import { describeTarget, targetKey, type SshTarget } from './target';
import { type LocalForward, type LocalForwardOptions } from './tunnel';

/** Options of {@link SshSessionPool}. */
export interface SshSessionPoolOptions extends SshConnectOptions {
  /** Close a session this long after its last lease was released (default 60 000 ms). */
  idleTimeoutMs?: number;
  /** How sessions are opened; defaults to {@link SshSession.connect}. */
  connect?: (target: SshTarget, options: SshConnectOptions) => Promise<SshSession>;
}

/** A claim on a shared session; release it when done (idempotent). */
export interface SshLease {
  readonly session: SshSession;
  release(): void;
}

/** A local forward that owns a lease: closing it releases the session. */
export interface PooledLocalForward extends LocalForward {
  readonly session: SshSession;
}

interface Entry extends RefCounted {
  key: string;
  connecting: Promise<SshSession>;
  session?: SshSession;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** A small pool of {@link SshSession}s keyed by {@link targetKey}. */
export class SshSessionPool {
  private readonly entries = new Map<string, Entry>();
  private disposed = false;
  private readonly idleTimeoutMs: number;
  private readonly connectFn: (target: SshTarget, options: SshConnectOptions) => Promise<SshSession>;

  constructor(private readonly options: SshSessionPoolOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.connectFn = options.connect ?? ((target, opts) => SshSession.connect(target, opts));
  }

  /** Targets with a session (open or connecting). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * A lease on the open session for `target`, connecting if there is none (concurrent callers share one
   * connection attempt). Rejects with the connect {@link SshError}; a failed attempt is not cached.
   */
  async acquire(target: SshTarget): Promise<SshLease> {
    if (this.disposed) {
      throw new SshError(
        'closed',
        l10n.t('SSH connections are closed (the extension or command is shutting down): {0}', describeTarget(target)),
        describeTarget(target),
      );
    }
    const key = targetKey(target);
    let entry = this.entries.get(key);
    if (entry?.session && entry.session.state !== 'open') {
      this.forget(entry);
      entry = undefined;
    }
    if (!entry) entry = this.open(key, target);
    const session = await holdWhenReady(entry, entry.connecting);
    if (this.disposed) {
      entry.refs--;
      throw new SshError(
        'closed',
        l10n.t('SSH connections are closed (the extension or command is shutting down): {0}', session.label),
        session.label,
      );
    }
    session.setKeepsProcessAlive(true);
    const held = entry;
    let released = false;
    return {
      session,
      release: () => {
        if (released) return;
        released = true;
        this.release(held);
      },
    };
  }

  /** Runs `fn` with the shared session for `target`, releasing it afterwards (also on error). */
  async use<T>(target: SshTarget, fn: (session: SshSession) => Promise<T>): Promise<T> {
    const lease = await this.acquire(target);
    try {
      return await fn(lease.session);
    } finally {
      lease.release();
    }
  }

  /**
   * A local forward to `remoteHost:remotePort` through the shared session for `target`, holding a lease
   * until it is closed or its session ends.
   */
  async forwardLocal(
    target: SshTarget,
    remoteHost: string,
    remotePort: number,
    options?: LocalForwardOptions,
  ): Promise<PooledLocalForward> {
    const lease = await this.acquire(target);
    let forward: LocalForward;
    try {
      forward = await lease.session.forwardLocal(remoteHost, remotePort, options);
    } catch (error) {
      lease.release();
      throw error;
    }
    void forward.closed.then(() => lease.release());
    return {
      session: lease.session,
      localHost: forward.localHost,
      localPort: forward.localPort,
      remoteHost,
      remotePort,
      get activeConnections() {
        return forward.activeConnections;
      },
      get lastError() {
        return forward.lastError;
      },
      closed: forward.closed,
      close: () => forward.close(),
    };
  }

  /** Closes every session and refuses new leases. Leases still held see their session `closed`. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      entries.map(async (entry) => {
        clearTimeout(entry.idleTimer);
        const session = await entry.connecting.catch(() => undefined);
        await session?.close();
      }),
    );
  }

  private open(key: string, target: SshTarget): Entry {
    const entry: Entry = { key, refs: 0, connecting: this.connectFn(target, this.options) };
    entry.connecting = entry.connecting.then(
      (session) => {
        entry.session = session;
        session.onEnd(() => this.forget(entry));
        return session;
      },
      (error: unknown) => {
        this.forget(entry);
        throw error;
      },
    );
    // Every acquirer receives the rejection; this only keeps it from being reported as unhandled.
    entry.connecting.catch(() => undefined);
    this.entries.set(key, entry);
    return entry;
  }

  private release(entry: Entry): void {
    if (!dropHolder(entry) || this.entries.get(entry.key) !== entry) return;
    entry.session?.setKeepsProcessAlive(false);
    closeWhenIdle(entry, this.idleTimeoutMs, () => {
      this.forget(entry);
      void entry.session?.close();
    });
  }

  private forget(entry: Entry): void {
    clearTimeout(entry.idleTimer);
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }
}
