/**
 * Public surface of the engine layer: the {@link EngineSession} (the WASM engine, its diffs and the embedded
 * shadow). The use cases built on it live in core/app: `EngineOperations` in-process (the CLI), and
 * `EngineWorkerClient` for the extension (the same `EngineApi`, in a separate process).
 */
export type { EngineDiff, EngineStats, SchemaDiffOptions, ShadowChoice } from './api';
export { cancellableBy, withCancellation } from './callLimit';
export { type EngineCall, EngineSession, type EngineSessionOptions, type EngineTimeouts } from './engineSession';
export {
  EngineError,
  isEngineError,
  describeUrl,
  type EngineErrorCode,
  type EngineErrorData,
  type ShadowRefusal,
} from './engineError';
export { type CheckedDatabase, findSameDatabase, sshEnvironmentUrls } from './shadowSafety';
