import * as l10n from '@vscode/l10n';
import { EngineError } from './engineError';

/**
 * Runs `work` with a time limit and a trap for the schema engine's habit of throwing some
 * adapter errors from a detached callback (they surface as `uncaughtException`, and the call's
 * promise never settles). Either way the call rejects with one clear {@link EngineError}, and
 * `onAbandon` lets the owner throw the engine instance away.
 *
 * The trap is a process-wide `uncaughtException` listener installed only while an engine call is
 * running (calls are serialised by the session), so the host process never dies of it.
 */
export function guardEngineCall<T>(
  what: string,
  timeoutMs: number,
  work: () => Promise<T>,
  translate: (error: unknown) => EngineError,
  onAbandon: (reason: 'timeout' | 'crash') => void,
  /**
   * When the time limit fires: stop what the call still runs elsewhere (our queries on a server) and say what
   * happened, in a sentence appended to the timeout message. Awaited before the call rejects; never throws.
   */
  onTimeout: () => Promise<string | undefined> = () => Promise.resolve(undefined),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      process.removeListener('uncaughtException', onUncaught);
    };
    const onUncaught = (error: Error): void => {
      if (settled) return;
      finish();
      onAbandon('crash');
      reject(translate(error));
    };
    const timer = setTimeout(() => {
      if (settled) return;
      finish();
      onAbandon('timeout');
      const message = l10n.t('{0} did not finish within {1} s; the engine was stopped. A database may be unreachable or locked.', what, Math.round(timeoutMs / 1000));
      void onTimeout()
        .catch(() => undefined)
        .then((note) => reject(new EngineError({ code: 'timeout', message: note ? `${message} ${note}` : message })));
    }, timeoutMs);
    process.on('uncaughtException', onUncaught);
    work().then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        finish();
        reject(translate(error));
      },
    );
  });
}
