import { type ChildProcess, fork } from 'node:child_process';
import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import { type HistoryStatus } from '../history/status';
import { type RehearsalInput } from '../rehearsal/rehearse';
import { type RehearsalReport } from '../rehearsal/report';
import { type PrismaProject } from '../project/types';
import {
  type BaselineOptions,
  type BaselineResult,
  type DeployResult,
  type DriftReport,
  type EngineApi,
  type MigrationProof,
  type EngineStats,
  type ResolveOptions,
  type ResolveResult,
  type SchemaDiffOptions,
} from './engineApi';
import { cancellableBy, currentCancellation } from '../engine/callLimit';
import { EngineError, describeUrl } from '../engine/engineError';
import { CALL_MARGIN_MS, DEFAULT_ENGINE_TIMEOUTS, type EngineTimeouts } from '../engine/timeouts';
import {
  type EngineMethod,
  operationTimeoutMs,
  type WorkerRequest,
  type WorkerResponse,
  type WorkerStartOptions,
} from './workerProtocol';

/** Options of {@link EngineWorkerClient}. */
export interface EngineWorkerClientOptions extends WorkerStartOptions {
  /** The worker script; default `engineWorker.js` next to this bundle (dist/). */
  workerPath?: string;
  /**
   * The operations' own limits (those the worker's engine session applies, by default {@link DEFAULT_ENGINE_TIMEOUTS}):
   * each call waits its operation's limit plus {@link CALL_MARGIN_MS}, then kills the worker (respawned by the next call).
   */
  timeouts?: Partial<EngineTimeouts>;
  /** Override of {@link CALL_MARGIN_MS} (tests). */
  marginMs?: number;
  /**
   * How long a cancelled call waits for the worker to stop it (its queries on a server included) before the worker
   * is killed instead. Default 15 s (a server-side cancellation opens a connection: up to 10 s).
   */
  cancelGraceMs?: number;
  /** Shut the worker down after this long without calls, freeing its memory. Default 5 min; 0 = never. */
  idleMs?: number;
  /** Extra Node flags for the worker, e.g. `--max-old-space-size=1024`. */
  execArgv?: string[];
  onLog?: (message: string) => void;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** The error of a call the worker did not answer in time; a stopped deploy says what it may have left behind. */
function timeoutError(method: EngineMethod, args: unknown[], limitMs: number): EngineError {
  if (method === 'deploy' && typeof args[1] === 'string') {
    return new EngineError({
      code: 'timeout',
      message: l10n.t(
        'The deploy to {0} was stopped after {1}: a migration may be partly applied — check the database (_prisma_migrations).',
        describeUrl(args[1]),
        seconds(limitMs),
      ),
    });
  }
  return new EngineError({
    code: 'timeout',
    message: l10n.t(
      'The engine worker did not answer {0} within {1}; it was stopped and will restart on the next call.',
      method,
      seconds(limitMs),
    ),
  });
}

/** A cancelled deploy may have stopped inside a migration: say so, as for a deploy stopped by its time limit. */
function cancelledCallError(method: EngineMethod, args: unknown[], error: EngineError): EngineError {
  if (method !== 'deploy' || typeof args[1] !== 'string') return error;
  return new EngineError({
    code: 'cancelled',
    message: l10n.t(
      'The deploy to {0} was cancelled: a migration may be partly applied — check the database (_prisma_migrations).',
      describeUrl(args[1]),
    ),
  });
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: EngineError) => void;
  timer: NodeJS.Timeout;
  method: EngineMethod;
  args: unknown[];
  /** Ends the call's watch on its caller's cancellation. */
  release: () => void;
}

/**
 * The engine API over a separate Node process, for the extension host: the WASM engine, the
 * embedded shadow (hundreds of MB) and any hang live in the worker. Each call has a time limit —
 * on expiry the worker is killed and the call rejects with `timeout`; the next call starts a new
 * worker. An idle worker is shut down. A crash rejects the calls in flight with `worker-crashed`. A call made
 * under a cancellation ({@link EngineWorkerClient.withSignal}, `withCancellation`) is cancelled in the worker
 * when it aborts, and rejects with `cancelled`.
 */
export class EngineWorkerClient implements EngineApi {
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly timeouts: EngineTimeouts;
  private readonly marginMs: number;
  private readonly idleMs: number;
  private readonly cancelGraceMs: number;
  /** Times a worker was started (for tests and logs). */
  starts = 0;

  constructor(private readonly options: EngineWorkerClientOptions = {}) {
    this.timeouts = { ...DEFAULT_ENGINE_TIMEOUTS, ...options.timeouts };
    this.marginMs = options.marginMs ?? CALL_MARGIN_MS;
    this.idleMs = options.idleMs ?? 300_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 15_000;
  }

  /**
   * This client with every call cancelled when `signal` aborts: the worker stops the call (a queued one never
   * starts) and it rejects with `cancelled`. The same as calling under `withCancellation(signal, …)`.
   */
  withSignal(signal: AbortSignal | undefined): EngineApi {
    return cancellableBy<EngineApi>(this, signal);
  }

  /** PID of the running worker, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  diffMigrationsToSchema(project: PrismaProject, options?: SchemaDiffOptions): Promise<DriftReport> {
    return this.call('diffMigrationsToSchema', [project, options]);
  }

  diffMigrationsToDatabase(project: PrismaProject, url: string): Promise<DriftReport> {
    return this.call('diffMigrationsToDatabase', [project, url]);
  }

  diffDatabaseToSchema(project: PrismaProject, url: string): Promise<DriftReport> {
    return this.call('diffDatabaseToSchema', [project, url]);
  }

  historyStatus(project: PrismaProject, url: string): Promise<HistoryStatus> {
    return this.call('historyStatus', [project, url]);
  }

  createBaseline(project: PrismaProject, options?: BaselineOptions): Promise<BaselineResult> {
    return this.call('createBaseline', [project, options]);
  }

  resolve(project: PrismaProject, url: string, options: ResolveOptions): Promise<ResolveResult> {
    return this.call('resolve', [project, url, options]);
  }

  migrationProofs(project: PrismaProject, url: string, migrations: string[]): Promise<MigrationProof[]> {
    return this.call('migrationProofs', [project, url, migrations]);
  }

  deploy(project: PrismaProject, url: string): Promise<DeployResult> {
    return this.call('deploy', [project, url]);
  }

  /** Memory of the worker process (its RSS includes the engine and the embedded shadow). */
  rehearse(project: PrismaProject, input: RehearsalInput): Promise<RehearsalReport> {
    return this.call('rehearse', [project, input]);
  }

  stats(): Promise<EngineStats> {
    return this.call('stats', []);
  }

  /** Stops the worker (gracefully, then by force) and rejects nothing: no call may be in flight. */
  async dispose(): Promise<void> {
    this.clearIdle();
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.ready = undefined;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      if (child.connected) child.send({ kind: 'shutdown' } satisfies WorkerRequest);
      else child.kill('SIGKILL');
    });
  }

  private async call<T>(method: EngineMethod, args: unknown[]): Promise<T> {
    // Read before the first await, in the caller's context (see withCancellation).
    const signal = currentCancellation();
    const cancelled = (): EngineError =>
      cancelledCallError(
        method,
        args,
        new EngineError({ code: 'cancelled', message: l10n.t('{0} was cancelled.', method) }),
      );
    if (signal?.aborted) throw cancelled();
    this.clearIdle();
    const child = await this.start();
    if (signal?.aborted) throw cancelled();
    const id = this.nextId++;
    const limitMs = operationTimeoutMs(method, this.timeouts) + this.marginMs;
    return new Promise<T>((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      const release = (): void => {
        signal?.removeEventListener('abort', onAbort);
        if (grace) clearTimeout(grace);
      };
      // The worker answers a cancelled call itself (after stopping our queries); one that cannot (the engine holds
      // its event loop) is killed, as on a timeout.
      const onAbort = (): void => {
        if (child.connected) child.send({ kind: 'cancel', id } satisfies WorkerRequest);
        grace = setTimeout(() => this.abandonCall(id, child, cancelled()), this.cancelGraceMs);
      };
      const timer = setTimeout(() => this.abandonCall(id, child, timeoutError(method, args, limitMs)), limitMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer, method, args, release });
      signal?.addEventListener('abort', onAbort, { once: true });
      // JSON round trip drops undefined and non-plain values, as the IPC channel would.
      child.send({
        kind: 'call',
        id,
        method,
        args: JSON.parse(JSON.stringify(args ?? [])) as unknown[],
      } satisfies WorkerRequest);
    });
  }

  /** Gives up on call `id` without the worker's answer: rejects it and kills the worker (restarted by the next call). */
  private abandonCall(id: number, child: ChildProcess, error: EngineError): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.release();
    pending.reject(error);
    this.kill(child);
  }

  private start(): Promise<ChildProcess> {
    if (this.ready) return this.ready;
    const workerPath = this.options.workerPath ?? path.join(__dirname, 'engineWorker.js');
    const startOptions: WorkerStartOptions = {
      assetsDir: this.options.assetsDir,
      cacheDir: this.options.cacheDir,
      log: Boolean(this.options.onLog),
      ...(this.options.l10nBundle ? { l10nBundle: this.options.l10nBundle } : {}),
    };
    this.ready = new Promise<ChildProcess>((resolve, reject) => {
      const child = fork(workerPath, [JSON.stringify(startOptions)], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        execArgv: this.options.execArgv ?? [],
        serialization: 'json',
      });
      this.starts++;
      this.child = child;
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2000);
      });
      child.on('message', (message: WorkerResponse) => {
        if (message.kind === 'ready') resolve(child);
        else if (message.kind === 'log') this.options.onLog?.(message.message);
        else if (message.kind === 'result') this.settle(message);
      });
      child.once('error', (error) => {
        if (this.child === child) this.reset();
        reject(
          new EngineError({
            code: 'worker-crashed',
            message: l10n.t('The engine worker could not start: {0}', error.message),
          }),
        );
      });
      child.once('exit', (code, signal) => {
        if (this.child === child) this.reset();
        const reason = signal ? l10n.t('signal {0}', signal) : l10n.t('exit code {0}', code ?? '?');
        const tail = stderr.trim().split('\n').slice(-1)[0] ?? '';
        const error = new EngineError({
          code: 'worker-crashed',
          message: tail
            ? l10n.t('The engine worker stopped ({0}): {1}.', reason, tail)
            : l10n.t('The engine worker stopped ({0}).', reason),
        });
        reject(error);
        for (const [id, pending] of this.pending) {
          clearTimeout(pending.timer);
          pending.release();
          pending.reject(error);
          this.pending.delete(id);
        }
      });
    });
    return this.ready;
  }

  private settle(message: Extract<WorkerResponse, { kind: 'result' }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    pending.release();
    if (message.ok) pending.resolve(message.value);
    else {
      const error = EngineError.fromData(message.error);
      pending.reject(error.code === 'cancelled' ? cancelledCallError(pending.method, pending.args, error) : error);
    }
    if (this.pending.size === 0) this.armIdle();
  }

  private kill(child: ChildProcess): void {
    if (this.child === child) this.reset();
    child.kill('SIGKILL');
  }

  private reset(): void {
    this.child = undefined;
    this.ready = undefined;
    this.clearIdle();
  }

  private armIdle(): void {
    this.clearIdle();
    if (this.idleMs <= 0) return;
    this.idleTimer = setTimeout(() => void this.dispose(), this.idleMs);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
