import * as l10n from '@vscode/l10n';
import { withCancellation } from '../engine/callLimit';
import { EngineError } from '../engine/engineError';
import { EngineOperations } from './engineOperations';
import { ENGINE_METHODS, type WorkerRequest, type WorkerResponse, type WorkerStartOptions } from './workerProtocol';

/**
 * Body of the engine worker process (`dist/engineWorker.js`, forked by {@link EngineWorkerClient}).
 * It owns one {@link EngineOperations} (and its engine session); the extension host only exchanges plain messages with it,
 * asks it to cancel a call, and kills it on timeout or when idle.
 */
export function runEngineWorker(): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('engineWorker must be started with child_process.fork (it talks over IPC).\n');
    process.exitCode = 2;
    return;
  }
  const post = (message: WorkerResponse): void => {
    send(message);
  };
  let options: WorkerStartOptions = {};
  try {
    options = JSON.parse(process.argv[2] ?? '{}') as WorkerStartOptions;
  } catch {
    options = {};
  }
  if (options.l10nBundle) {
    try {
      l10n.config({ fsPath: options.l10nBundle });
    } catch {
      // An unreadable bundle leaves the messages in English rather than stopping the engine.
    }
  }
  // The operations object the calls are made on (named session: it owns the one engine session of the process).
  const session = new EngineOperations({
    assetsDir: options.assetsDir,
    cacheDir: options.cacheDir,
    log: options.log ? (message) => post({ kind: 'log', message }) : undefined,
  });

  // The cancellation of each call in progress, by request id.
  const inFlight = new Map<number, AbortController>();
  process.on('message', (raw: WorkerRequest) => {
    if (raw.kind === 'shutdown') {
      void session.dispose().finally(() => process.exit(0));
      return;
    }
    if (raw.kind === 'cancel') {
      inFlight.get(raw.id)?.abort();
      return;
    }
    if (raw.kind !== 'call' || !ENGINE_METHODS.includes(raw.method)) return;
    const method = session[raw.method] as (...args: unknown[]) => Promise<unknown>;
    // JSON turns an omitted optional argument into null: give the session undefined back.
    const args = raw.args.map((arg) => (arg === null ? undefined : arg));
    const controller = new AbortController();
    inFlight.set(raw.id, controller);
    // The session's call queue and time limits read the request's signal from the async context (callLimit.ts).
    void withCancellation(controller.signal, () => method.apply(session, args))
      .then(
        (value) => post({ kind: 'result', id: raw.id, ok: true, value }),
        (error: unknown) => {
          const data =
            error instanceof EngineError
              ? error.toData()
              : { code: 'engine-error' as const, message: error instanceof Error ? error.message : String(error) };
          post({ kind: 'result', id: raw.id, ok: false, error: data });
        },
      )
      .finally(() => inFlight.delete(raw.id));
  });
  // The host going away (extension host reload, crash) must not leave an orphan holding memory.
  process.on('disconnect', () => process.exit(0));
  post({ kind: 'ready', pid: process.pid });
}
