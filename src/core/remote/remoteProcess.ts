/**
 * A remote process on one SSH session channel (`exec` or `shell`): output decoding, exit status, signals,
 * cancellation with a bounded wait, and pty sizing. Created by {@link SshSession}; callers see
 * {@link RemoteProcess}.
 */
import { StringDecoder } from 'node:string_decoder';
import { type ClientChannel } from 'ssh2';
import { type SshError } from './sshError';

/** Pseudo-terminal settings; with a pty the remote side merges stderr into stdout, as a terminal does. */
export interface PtyOptions {
  cols?: number;
  rows?: number;
  /** `$TERM` (default `xterm-256color`). */
  term?: string;
}

/** Options shared by {@link SshSession.spawn}, {@link SshSession.exec} and {@link SshSession.shell}. */
export interface RemoteProcessOptions {
  /** Output as UTF-8 text; a multi-byte character is never split between two calls. */
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Aborting cancels the process: see {@link RemoteProcess.cancel}. */
  signal?: AbortSignal;
  /** Keep the output in the result (`stdout`/`stderr`, each capped at 16 MiB). Default false. */
  capture?: boolean;
  /** How long a cancelled process gets to exit after SIGTERM before the channel is closed (default 2000 ms). */
  cancelGraceMs?: number;
}

/** How a remote process ended. */
export interface ExecResult {
  /** The exit status; null when the process was killed by a signal or the channel closed without one. */
  exitCode: number | null;
  /** The signal that ended it, as the server names it (e.g. `SIGTERM`). */
  signal?: string;
  /** True when it was cancelled through {@link RemoteProcess.cancel} or the AbortSignal. */
  cancelled: boolean;
  durationMs: number;
  /** With `capture`: the output. */
  stdout?: string;
  stderr?: string;
  /** With `capture`: some output beyond 16 MiB was dropped. */
  truncated?: boolean;
}

/** A command or shell running on the server. */
export interface RemoteProcess {
  /**
   * Settles when the channel closes: resolves with the exit status (also after a cancel), rejects with an
   * {@link SshError} `connection-lost` (or `closed`) when the connection ends before an exit status arrived.
   */
  readonly result: Promise<ExecResult>;
  /** Writes to stdin (a terminal's keystrokes for a pty). Ignored once the process ended. */
  write(data: string | Buffer): void;
  /** Sends EOF on stdin. */
  end(): void;
  /** Tells the pty its new size. No-op without a pty. */
  resize(cols: number, rows: number): void;
  /** Sends a signal (`TERM`, `INT`, `HUP`, `KILL`…) to the remote process group. */
  kill(signal?: string): void;
  /**
   * Stops the process: SIGTERM to its process group, then the channel is closed after the grace period (which
   * hangs up a pty). `result` resolves with `cancelled: true` promptly in every case.
   */
  cancel(): void;
}

const MAX_CAPTURE = 16 * 1024 * 1024;
const DEFAULT_CANCEL_GRACE_MS = 2_000;
/** After closing the channel of a cancelled process, how long we wait for the server's close before giving up. */
const CANCEL_CLOSE_WAIT_MS = 1_000;

/** The handle of a process that was cancelled before its channel opened. */
export function cancelledBeforeStart(started: number): RemoteProcess {
  const result = Promise.resolve<ExecResult>({ exitCode: null, cancelled: true, durationMs: Date.now() - started });
  return {
    result,
    write: () => undefined,
    end: () => undefined,
    resize: () => undefined,
    kill: () => undefined,
    cancel: () => undefined,
  };
}

/** A remote process on one session channel. */
export class ChannelProcess implements RemoteProcess {
  readonly result: Promise<ExecResult>;
  private exitCode: number | null = null;
  private exitSignal: string | undefined;
  private gotExit = false;
  private cancelled = false;
  private ended = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private readonly cancelGraceMs: number;
  /** Settles {@link result} now (assigned in the constructor). */
  private settle: () => void = () => undefined;

  constructor(
    private readonly channel: ClientChannel,
    options: RemoteProcessOptions,
    private readonly started: number,
    releaseSlot: () => void,
    sessionEnded: () => SshError | undefined,
  ) {
    this.cancelGraceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    const capture = options.capture
      ? { stdout: [] as string[], stderr: [] as string[], bytes: 0, truncated: false }
      : undefined;
    const sink =
      (decoder: StringDecoder, callback: ((text: string) => void) | undefined, key: 'stdout' | 'stderr') =>
      (chunk: Buffer) => {
        const text = decoder.write(chunk);
        if (!text) return;
        callback?.(text);
        if (capture) {
          if (capture.bytes + chunk.length > MAX_CAPTURE) capture.truncated = true;
          else {
            capture[key].push(text);
            capture.bytes += chunk.length;
          }
        }
      };
    const outDecoder = new StringDecoder('utf8');
    const errDecoder = new StringDecoder('utf8');
    // Always consume both streams: an unread stream stops the SSH window and stalls the remote process.
    channel.on('data', sink(outDecoder, options.onStdout, 'stdout'));
    channel.stderr.on('data', sink(errDecoder, options.onStderr, 'stderr'));
    channel.on('error', () => undefined);
    const noteExit = (code: number | null | undefined, signal?: string) => {
      if (this.gotExit || code === undefined) return;
      this.gotExit = true;
      this.exitCode = typeof code === 'number' ? code : null;
      if (signal) this.exitSignal = signal;
    };
    channel.on('exit', noteExit);
    // ssh2 repeats the exit status on `close` (code, or null + signal; undefined when none came).
    channel.once('close', noteExit);

    const onAbort = () => this.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const channelClosed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
    const stderrClosed = new Promise<void>((resolve) => channel.stderr.once('close', () => resolve()));
    this.result = new Promise<ExecResult>((resolve, reject) => {
      const settle = () => {
        if (this.ended) return;
        this.ended = true;
        clearTimeout(this.graceTimer);
        clearTimeout(this.closeTimer);
        options.signal?.removeEventListener('abort', onAbort);
        releaseSlot();
        const flush = (
          decoder: StringDecoder,
          callback: ((text: string) => void) | undefined,
          key: 'stdout' | 'stderr',
        ) => {
          const rest = decoder.end();
          if (rest) {
            callback?.(rest);
            capture?.[key].push(rest);
          }
        };
        flush(outDecoder, options.onStdout, 'stdout');
        flush(errDecoder, options.onStderr, 'stderr');
        const lost = sessionEnded();
        if (!this.gotExit && !this.cancelled && lost) return reject(lost);
        const result: ExecResult = {
          exitCode: this.exitCode,
          cancelled: this.cancelled,
          durationMs: Date.now() - this.started,
        };
        if (this.exitSignal) result.signal = this.exitSignal;
        if (capture) {
          result.stdout = capture.stdout.join('');
          result.stderr = capture.stderr.join('');
          if (capture.truncated) result.truncated = true;
        }
        resolve(result);
      };
      // stderr may still hold data when the channel's close fires; wait for both (briefly).
      void channelClosed.then(() => Promise.race([stderrClosed, new Promise((r) => setTimeout(r, 200))])).then(settle);
      this.settle = settle;
    });
    if (options.signal?.aborted) this.cancel();
  }

  write(data: string | Buffer): void {
    if (!this.ended && this.channel.writable) this.channel.write(data);
  }

  end(): void {
    if (!this.ended && this.channel.writable) this.channel.end();
  }

  resize(cols: number, rows: number): void {
    if (this.ended) return;
    const w = ptyWindow({ cols, rows });
    this.channel.setWindow(w.rows, w.cols, w.height, w.width);
  }

  kill(signal = 'TERM'): void {
    if (this.ended) return;
    sendSignal(this.channel, signal.replace(/^SIG/, ''));
  }

  cancel(): void {
    if (this.ended || this.cancelled) return;
    this.cancelled = true;
    this.kill('TERM');
    this.graceTimer = setTimeout(() => {
      this.channel.close();
      // A server that never confirms the close must not keep the caller waiting.
      this.closeTimer = setTimeout(() => this.settle(), CANCEL_CLOSE_WAIT_MS);
    }, this.cancelGraceMs);
  }
}

/**
 * ssh2's `Channel.signal()` is a no-op once our side sent EOF (`writable` false), but an exec with its stdin
 * closed is exactly what we want to cancel; the channel request is still valid then (EOF only ends our data),
 * so send it through the protocol object directly in that case.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  if (channel.writable) {
    channel.signal(name);
    return;
  }
  const internal = channel as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  const outgoing = internal.outgoing;
  if (outgoing && (outgoing.state === 'open' || outgoing.state === 'eof')) {
    internal._client?._protocol?.signal(outgoing.id, name);
  }
}

/** ssh2 window settings for a pty (pixel size derived from an 8×16 cell). */
export function ptyWindow(pty: PtyOptions): {
  cols: number;
  rows: number;
  width: number;
  height: number;
  term: string;
} {
  const cols = Math.max(1, Math.floor(pty.cols ?? 80));
  const rows = Math.max(1, Math.floor(pty.rows ?? 24));
  return { cols, rows, width: cols * 8, height: rows * 16, term: pty.term ?? 'xterm-256color' };
}
