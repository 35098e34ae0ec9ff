import * as vscode from 'vscode';
import { type EnvironmentSetting } from '../../core/environments/config';
import {
  FileRunLogStore,
  MemoryRunLogStore,
  recordWrite,
  type RunLogStore,
  type RunRecord,
  runLogPath,
  type WriteInput,
} from '../../core/app/runLog';
import { type DatabaseEnvironment, type EnvironmentService } from '../environments/environmentService';
import { errorMessage } from './commands';
import { type Logger } from './logger';

/** Where earlier versions kept the runbook's history (migrated once into the file). */
const LEGACY_KEY = 'driftGuard.runbook.history';

/**
 * The workspace's run log for the editor: `.drift-guard/run-log.jsonl` in the first workspace folder (the file
 * the CLI appends to as well), or memory when no folder is open. Appends are queued so records keep their
 * order; the records kept in the workspace state by earlier versions are moved into the file on first use.
 */
export class WorkspaceRunLog {
  private queue: Promise<unknown> = Promise.resolve();
  private storeValue: RunLogStore | undefined;
  private migrated = false;

  constructor(private readonly state: vscode.Memento) {}

  /** The store of the current first workspace folder. */
  get store(): RunLogStore {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const wanted = root ? runLogPath(root) : undefined;
    if (
      !this.storeValue ||
      (this.storeValue instanceof FileRunLogStore ? this.storeValue.file !== wanted : wanted !== undefined)
    ) {
      this.storeValue = wanted ? new FileRunLogStore(wanted) : new MemoryRunLogStore();
    }
    return this.storeValue;
  }

  /** The run log file, when there is a folder. */
  get file(): string | undefined {
    const store = this.store;
    return store instanceof FileRunLogStore ? store.file : undefined;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async migrate(store: RunLogStore): Promise<void> {
    if (this.migrated) return;
    this.migrated = true;
    const legacy = this.state.get<RunRecord[]>(LEGACY_KEY);
    if (!legacy || legacy.length === 0 || !(store instanceof FileRunLogStore)) return;
    await store.append(legacy.map((r) => ({ source: 'runbook' as const, ...r })));
    await this.state.update(LEGACY_KEY, undefined);
  }

  /** Records one write (see {@link recordWrite}); failures to write the file are returned, never thrown away. */
  record(input: WriteInput): Promise<RunRecord> {
    return this.enqueue(async () => {
      const store = this.store;
      await this.migrate(store);
      return recordWrite(store, input);
    });
  }

  /** Every record, oldest first (after the appends already asked for). */
  records(): Promise<RunRecord[]> {
    return this.enqueue(async () => {
      const store = this.store;
      await this.migrate(store);
      return store.read();
    });
  }
}

const logs = new WeakMap<vscode.Memento, WorkspaceRunLog>();

/** The extension's one run log (shared by the runbook, the Migrations view and Create Baseline). */
export function workspaceRunLog(context: Pick<vscode.ExtensionContext, 'workspaceState'>): WorkspaceRunLog {
  let log = logs.get(context.workspaceState);
  if (!log) {
    log = new WorkspaceRunLog(context.workspaceState);
    logs.set(context.workspaceState, log);
  }
  return log;
}

/** The SHA256 fingerprint of the SSH host key an environment's writes go through (undefined without SSH). */
export async function hostKeyOf(
  environments: EnvironmentService,
  setting: EnvironmentSetting | undefined,
  folder: vscode.WorkspaceFolder | undefined,
): Promise<string | undefined> {
  if (!setting?.ssh) return undefined;
  try {
    const target = await environments.sshTarget(setting, folder);
    if (!target) return undefined;
    const lease = await (await environments.sshPool()).acquire(target);
    try {
      return lease.session.hostKey.fingerprint;
    } finally {
      lease.release();
    }
  } catch {
    return undefined;
  }
}

/**
 * Records a write of the editor to an environment's database (started at `started`, a `Date.now()`): the
 * environment's name, target and SSH host key, the duration so far. A run log that cannot be written is logged as
 * an error, not thrown: the write itself has happened (or failed) already.
 */
export async function recordEnvironmentWrite(
  runLog: Pick<WorkspaceRunLog, 'record'>,
  services: { environments: EnvironmentService; logger: Logger },
  environment: Pick<DatabaseEnvironment, 'name' | 'description' | 'setting' | 'folder'>,
  started: number,
  input: Pick<WriteInput, 'source' | 'step' | 'command' | 'status' | 'message' | 'cwd' | 'proof'>,
): Promise<void> {
  const hostKey = await hostKeyOf(services.environments, environment.setting, environment.folder);
  await runLog
    .record({
      ...input,
      environment: environment.name,
      target: environment.description,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      ...(hostKey ? { hostKey } : {}),
    })
    .catch((error: unknown) => services.logger.error(`The run log could not be written: ${errorMessage(error)}`));
}
