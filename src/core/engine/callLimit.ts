import { AsyncLocalStorage } from 'node:async_hooks';
import * as l10n from '@vscode/l10n';
import { EngineError } from './engineError';

/**
 * The cancellation of the engine calls made in the current async context. Carried implicitly so that the
 * worker's message loop (one signal per request) and the CLI (Ctrl-C) reach {@link runEngineCall} and
 * {@link EngineCallQueue} without a signal parameter on every engine operation.
 */
const callSignal = new AsyncLocalStorage<AbortSignal | undefined>();

/** Runs `work` so that every engine call it makes (and the calls those make) is cancelled when `signal` aborts. */
export function withCancellation<T>(signal: AbortSignal | undefined, work: () => T): T {
  return callSignal.run(signal, work);
}

/** The signal that cancels the engine calls of the current async context, if any (see {@link withCancellation}). */
export function currentCancellation(): AbortSignal | undefined {
  return callSignal.getStore();
}

/**
 * `api` with every method call made under {@link withCancellation}(`signal`): one view for a whole operation,
 * without a signal parameter on each method. Works for any object whose calls reach {@link runEngineCall} or
 * {@link EngineCallQueue} in this process, or the worker client (which forwards the cancellation to its worker).
 */
export function cancellableBy<T extends object>(api: T, signal: AbortSignal | undefined): T {
  if (!signal) return api;
  return new Proxy(api, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown =>
        withCancellation(signal, () => (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

/** The rejection of a call cancelled by its caller; `note` says what was stopped on a server. */
export function cancelledError(what: string, note?: string): EngineError {
  const message = l10n.t('{0} was cancelled.', what);
  return new EngineError({ code: 'cancelled', message: note ? `${message} ${note}` : message });
}

/** Why a call gave up on the engine instance it was running: the owner throws that instance away. */
export type AbandonReason = 'timeout' | 'crash';

/**
 * What each call of an {@link EngineCallQueue} holds the engine with, besides its own promise: a cancelled call
 * answers its caller at once, but its work keeps the engine until it actually ends.
 */
const engineHolds = new AsyncLocalStorage<Promise<unknown>[]>();

/**
 * Runs `work` with a time limit, the caller's cancellation ({@link withCancellation}) and a trap for the schema
 * engine's habit of throwing some adapter errors from a detached callback (they surface as `uncaughtException`,
 * and the call's promise never settles). Either way the call rejects with one clear {@link EngineError}.
 * On a timeout or a crash `onAbandon` lets the owner throw the engine instance away.
 *
 * A cancelled call rejects with `cancelled` once `onStop` has stopped its queries on a server, but its work is not
 * abandoned: it still owns the engine and the session's state (an embedded shadow half migrated), so the
 * {@link EngineCallQueue} starts the next call only when that work has ended — soon, its queries stopped — or
 * when the time limit abandons it. A call cancelled before it starts never starts.
 *
 * The trap is a process-wide `uncaughtException` listener installed only while an engine call is
 * running (calls are serialised by the session), so the host process never dies of it.
 */
export function runEngineCall<T>(
  what: string,
  timeoutMs: number,
  work: () => Promise<T>,
  translate: (error: unknown) => EngineError,
  onAbandon: (reason: AbandonReason) => void,
  /**
   * When the time limit fires or the call is cancelled: stop what the call still runs elsewhere (our queries on a
   * server) and say what happened, in a sentence appended to the message. Awaited before the call rejects; never throws.
   */
  onStop: () => Promise<string | undefined> = () => Promise.resolve(undefined),
): Promise<T> {
  const signal = currentCancellation();
  if (signal?.aborted) return Promise.reject(cancelledError(what));
  let freeEngine = (): void => undefined;
  engineHolds.getStore()?.push(
    new Promise<void>((resolve) => {
      freeEngine = resolve;
    }),
  );
  return new Promise<T>((resolve, reject) => {
    // `answered`: the caller has its outcome. `over`: the work ended or was abandoned, the engine is free again.
    let answered = false;
    let over = false;
    // Once cancelled, the caller's answer is `cancelled` (after our queries are stopped), whatever the work does next.
    let cancelling = false;
    const answer = (settle: () => void): void => {
      if (answered) return;
      answered = true;
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const end = (): void => {
      over = true;
      clearTimeout(timer);
      process.removeListener('uncaughtException', onUncaught);
      signal?.removeEventListener('abort', onAbort);
      freeEngine();
    };
    const onUncaught = (error: Error): void => {
      if (over) return;
      end();
      onAbandon('crash');
      if (!cancelling) answer(() => reject(translate(error)));
    };
    const stopped = (error: (note: string | undefined) => EngineError): void => {
      void onStop()
        .catch(() => undefined)
        .then((note) => answer(() => reject(error(note))));
    };
    const onAbort = (): void => {
      if (answered || over) return;
      cancelling = true;
      stopped((note) => cancelledError(what, note));
    };
    const timer = setTimeout(() => {
      if (over) return;
      end();
      // The engine may be stuck: drop it, stop our queries, then reject (unless a cancellation already answered).
      onAbandon('timeout');
      const message = l10n.t(
        '{0} did not finish within {1} s; the engine was stopped. A database may be unreachable or locked.',
        what,
        Math.round(timeoutMs / 1000),
      );
      stopped((note) => new EngineError({ code: 'timeout', message: note ? `${message} ${note}` : message }));
    }, timeoutMs);
    process.on('uncaughtException', onUncaught);
    signal?.addEventListener('abort', onAbort, { once: true });
    work().then(
      (value) => {
        if (over) return;
        end();
        if (!cancelling) answer(() => resolve(value));
      },
      (error: unknown) => {
        if (over) return;
        end();
        if (!cancelling) answer(() => reject(translate(error)));
      },
    );
  });
}

/** A step of a queue's tail that waits for what a call still holds the engine with (see {@link runEngineCall}). */
function settledHolds(holds: Promise<unknown>[]): () => Promise<unknown> {
  return () => Promise.allSettled(holds);
}

/**
 * Runs engine calls one at a time, in order. A call whose cancellation ({@link withCancellation}) fires while it
 * waits for its turn rejects at once and never starts; the calls after it keep their place.
 */
export class EngineCallQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` after the calls already queued. `what` names the call in its cancellation message. */
  run<T>(what: string, work: () => Promise<T>): Promise<T> {
    const signal = currentCancellation();
    if (signal?.aborted) return Promise.reject(cancelledError(what));
    let rejectQueued: (error: EngineError) => void = () => undefined;
    const cancelledWhileQueued = new Promise<never>((_resolve, reject) => {
      rejectQueued = reject;
    });
    const onAbort = (): void => rejectQueued(cancelledError(what));
    signal?.addEventListener('abort', onAbort, { once: true });
    const holds: Promise<unknown>[] = [];
    const turn = this.tail.then(() => {
      // Started: from now on the call's own cancellation (runEngineCall) answers, once our queries are stopped.
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) throw cancelledError(what);
      return engineHolds.run(holds, work);
    });
    // The next call waits for this one's work, not for its (possibly early) rejection.
    this.tail = turn.then(settledHolds(holds), settledHolds(holds));
    return signal ? Promise.race([turn, cancelledWhileQueued]) : turn;
  }

  /** Calls `callback` once the calls queued so far have ended, outside their cancellation (it may start calls of its own). */
  whenIdle(callback: () => void): void {
    callSignal.exit(() => {
      void this.tail.then(callback);
    });
  }

  /** Settles once the calls queued so far have ended (whatever their outcome). */
  async idle(): Promise<void> {
    await this.tail;
  }
}
