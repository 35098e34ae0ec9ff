import { type EngineErrorData } from '../engine/engineError';
import { DEFAULT_ENGINE_TIMEOUTS, type EngineTimeouts } from '../engine/timeouts';
import { type EngineApi } from './engineApi';

/** Methods of {@link EngineApi} callable across the process boundary (dispose is handled by the client). */
export type EngineMethod = Exclude<keyof EngineApi, 'dispose'>;

/** Host → worker. */
export type WorkerRequest =
  | { kind: 'call'; id: number; method: EngineMethod; args: unknown[] }
  /** The caller gave up on call `id`: the worker stops it (or never starts it) and answers it with `cancelled`. */
  | { kind: 'cancel'; id: number }
  | { kind: 'shutdown' };

/** Worker → host. */
export type WorkerResponse =
  | { kind: 'ready'; pid: number }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: EngineErrorData }
  | { kind: 'log'; message: string };

/** Options passed to the worker at fork time (JSON in argv[2]). */
export interface WorkerStartOptions {
  assetsDir?: string;
  cacheDir?: string;
  /** Forward the session log to the host. */
  log?: boolean;
  /**
   * The extension's l10n bundle for the display language (`vscode.l10n.uri.fsPath`), so the worker's messages
   * (engine errors, drift findings) read like the rest of the UI; absent in English.
   */
  l10nBundle?: string;
}

export const ENGINE_METHODS: readonly EngineMethod[] = [
  'diffMigrationsToSchema',
  'diffMigrationsToDatabase',
  'diffDatabaseToSchema',
  'historyStatus',
  'createBaseline',
  'resolve',
  'migrationProofs',
  'deploy',
  'rehearse',
  'stats',
];

/** The inner limit of each operation the worker runs. */
export function operationTimeoutMs(method: EngineMethod, timeouts: EngineTimeouts = DEFAULT_ENGINE_TIMEOUTS): number {
  switch (method) {
    case 'deploy':
    case 'migrationProofs':
    case 'rehearse':
      return timeouts.deployMs;
    case 'historyStatus':
      return timeouts.historyMs;
    case 'stats':
      return timeouts.connectMs;
    case 'diffMigrationsToSchema':
    case 'diffMigrationsToDatabase':
    case 'diffDatabaseToSchema':
    case 'createBaseline':
    case 'resolve':
      return timeouts.analysisMs;
  }
}
