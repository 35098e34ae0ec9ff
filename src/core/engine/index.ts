/**
 * Public surface of the engine layer. The CLI uses {@link EngineSession} in-process; the extension
 * uses {@link EngineWorkerClient} (same {@link EngineApi}, in a separate process).
 */
export type {
  BaselineOptions,
  BaselineResult,
  DeployResult,
  DriftReport,
  EngineApi,
  EngineStats,
  MigrationProof,
  ResolveOptions,
  ResolveResult,
  SchemaDiffOptions,
  ShadowChoice,
} from './api';
export { runBenchmark, type BenchOptions, type BenchResult } from './bench';
export { cancellableBy, withCancellation } from './callLimit';
export { EngineSession, type EngineSessionOptions, type EngineTimeouts } from './engineSession';
export { EngineError, isEngineError, describeUrl, type EngineErrorCode, type EngineErrorData, type ShadowRefusal } from './errors';
export { type CheckedDatabase, findSameDatabase, sshEnvironmentUrls } from './shadowSafety';
export { EngineWorkerClient, type EngineWorkerClientOptions } from './workerClient';
export type { MissingChange, PresentChange } from './resolveProof';
