// Entry of dist/engineWorker.js: the separate Node process that runs the schema engine and the
// embedded shadow database for the extension (see src/core/engine/workerClient.ts).
import { runEngineWorker } from './core/engine/engineWorkerMain';

runEngineWorker();
