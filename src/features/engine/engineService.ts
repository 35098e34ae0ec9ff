import * as path from 'node:path';
import * as vscode from 'vscode';
import { type EngineApi } from '../../core/app/engineApi';
import { EngineWorkerClient } from '../../core/app/workerClient';
import { type Logger } from '../shared/logger';

/**
 * Owns the engine worker process: started on the first analysis (never at activation), stopped
 * when idle and on deactivation. The WASM engine and the embedded shadow database live there, so
 * the extension host stays light and survives any engine failure.
 */
export class EngineService implements vscode.Disposable {
  private client: EngineWorkerClient | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {}

  /** The engine API; the worker starts on the first call. */
  get engine(): EngineApi {
    if (!this.client) {
      const cacheDir = path.join(this.context.globalStorageUri.fsPath, 'shadow-cache');
      this.client = new EngineWorkerClient({
        workerPath: path.join(this.context.extensionPath, 'dist', 'engineWorker.js'),
        cacheDir,
        // The worker's messages (engine errors, drift findings) in the display language, like the extension's own.
        ...(vscode.l10n.uri ? { l10nBundle: vscode.l10n.uri.fsPath } : {}),
        idleMs: 10 * 60_000,
        onLog: (message) => this.logger.debug(`engine: ${message}`),
      });
    }
    return this.client;
  }

  /** PID of the worker, when running (tests and the memory report). */
  get workerPid(): number | undefined {
    return this.client?.pid;
  }

  /** Stops the worker and resolves once its process has exited (`deactivate` awaits it). */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.dispose();
  }

  dispose(): void {
    void this.stop();
  }
}
