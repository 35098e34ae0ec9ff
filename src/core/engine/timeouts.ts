/**
 * One time limit per engine operation. The engine session enforces it inside the worker; the worker client
 * waits a little longer ({@link CALL_MARGIN_MS}) before it kills the worker, so the inner limit always fires
 * first and a deploy is never killed while the engine would still let it run (`operationTimeoutMs` in
 * core/app/workerProtocol.ts).
 */

/** Per-call time limits in milliseconds. */
export interface EngineTimeouts {
  /** Diffs (including applying migrations to the shadow). Default 120 s. */
  analysisMs: number;
  /** Reads of `_prisma_migrations`, resolve. Default 30 s. */
  historyMs: number;
  /** `deploy`, migration proofs, deploy rehearsals. Default 300 s. */
  deployMs: number;
  /** Opening a connection. Default 10 s. */
  connectMs: number;
}

export const DEFAULT_ENGINE_TIMEOUTS: EngineTimeouts = {
  analysisMs: 120_000,
  historyMs: 30_000,
  deployMs: 300_000,
  connectMs: 10_000,
};

/** How much longer than the operation's own limit the worker client waits (queueing, shadow start, IPC). */
export const CALL_MARGIN_MS = 30_000;
