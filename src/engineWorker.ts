// Entry of dist/engineWorker.js: the separate Node process that runs the schema engine and the
// embedded shadow database for the extension (see src/core/app/workerClient.ts).
import { runEngineWorker } from './core/app/engineWorkerMain';

runEngineWorker();
