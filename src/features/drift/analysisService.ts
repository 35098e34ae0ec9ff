import { statSync } from 'node:fs';
import * as vscode from 'vscode';
import { type DriftFinding } from '../../core/drift/driftFindings';
import { withoutTunnelAddress } from '../../core/environments/config';
import { type EngineApi } from '../../core/app/engineApi';
import { cancellableBy, type EngineErrorData, isEngineError, type ShadowRefusal } from '../../core/engine';
import { type HistoryStatus } from '../../core/history/status';
import { redactUrl } from '../../core/project/discovery';
import { type PrismaProject, type SchemaFile, type SourcePosition } from '../../core/project/types';
import { type ReplayBlocked } from '../../core/app/deletedMigrations';
import { checkDatabase, checkSchemaDrift } from '../../core/app/driftCheck';
import { alreadyPresentMigrations } from '../../core/app/deployPlan';
import { type AbortCause, AnalysisScheduler, databaseKey, unlessAborted } from '../../core/app/analysisScheduler';
import { type EngineService } from '../engine/engineService';
import {
  type AcquiredDatabase,
  type DatabaseEnvironment,
  type EnvironmentService,
} from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { type Logger } from '../shared/logger';
import { driftedObjects } from '../../core/drift/counts';
import { safeText } from '../../core/util/controlChars';
import { Disposable } from '../../core/util/lifecycle';
import { errorCodeOf } from '../../core/util/errors';

/** A failure shown to the user: one message, where it happened when known. */
export interface AnalysisError {
  code: string;
  message: string;
  location?: SourcePosition;
  migration?: string;
}

export interface SchemaAnalysis {
  findings: DriftFinding[];
  /** The engine's full script (what a baseline would contain). */
  script: string;
  durationMs: number;
  /** Whether unsaved editor content was analysed. */
  fromBuffers: boolean;
}

export interface DatabaseAnalysis {
  environment: DatabaseEnvironment;
  findings?: DriftFinding[];
  history?: HistoryStatus;
  /**
   * The database was read (`history`), but its drift cannot be computed: the migrations it applied cannot be replayed
   * without applied ones deleted here. Not an error of the database.
   */
  blocked?: ReplayBlocked;
  error?: AnalysisError;
  /** Pending migrations this database already has entirely (the deploy plan's `markApplied`): mark them applied. */
  markApplicable?: string[];
  durationMs: number;
}

/** Everything known about one project; replaced as a whole on each change. */
export interface ProjectAnalysis {
  project: PrismaProject;
  running: boolean;
  schema?: SchemaAnalysis;
  schemaError?: AnalysisError;
  /**
   * The latest result of each database, in the project's environment order. While a check runs, a
   * database keeps its previous result until its own new one is in: each is replaced as soon as it is ready.
   */
  databases: DatabaseAnalysis[];
  /** A check of some database is running (some may be done already: see {@link databasesChecking}). */
  databasesRunning: boolean;
  /**
   * Names of the databases whose check is still in progress (connecting, or queued for the engine), by a
   * check of every database or of that one alone.
   */
  databasesChecking: readonly string[];
}

export type AnalysisReason =
  | 'open'
  | 'save'
  | 'typing'
  | 'migrations'
  | 'command'
  | 'projects'
  | 'baseline'
  | 'resolve';

/** A file's modification time (0 when it cannot be read): a cheap "did it change" for cached proofs. */
function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** `databases` in the order of `names`, one each, those not named left out. */
function inOrder(databases: readonly DatabaseAnalysis[], names: readonly string[]): DatabaseAnalysis[] {
  return names.flatMap((name) => databases.filter((d) => d.environment.name === name).slice(0, 1));
}

function toAnalysisError(err: unknown): AnalysisError {
  if (isEngineError(err)) {
    const data: EngineErrorData = err.toData();
    const out: AnalysisError = {
      code: data.code,
      message: data.shadowRefusal ? shadowRefusalMessage(data.shadowRefusal) : data.message,
    };
    if (data.location) out.location = data.location;
    if (data.migration) out.migration = data.migration;
    return out;
  }
  // SSH and environment errors carry their own code (`auth-failed`, `host-key-changed`, `missing-secret`…).
  const code = errorCodeOf(err);
  return { code, message: err instanceof Error ? err.message : String(err) };
}

/** Why `driftGuard.shadowDatabaseUrl` was refused, in the user's language (nothing was run on it). */
function shadowRefusalMessage(refusal: ShadowRefusal): string {
  switch (refusal.rule) {
    case 'same-database':
      return vscode.l10n.t(
        'The shadow database {0} (driftGuard.shadowDatabaseUrl) is {1}. A shadow database is emptied before use: nothing was run. Point the setting at a database of its own.',
        refusal.shadow,
        refusal.other ?? '',
      );
    case 'migrations-table':
      return vscode.l10n.t(
        'The shadow database {0} (driftGuard.shadowDatabaseUrl) holds {1}: it is a database Prisma migrates, not a shadow. Nothing was run. Point the setting at an empty database of its own.',
        refusal.shadow,
        (refusal.objects ?? []).join(', '),
      );
    case 'foreign-objects':
      return vscode.l10n.t(
        'The shadow database {0} (driftGuard.shadowDatabaseUrl) holds objects Prisma Drift Guard did not create ({1}). Nothing was run. Point the setting at an empty database of its own.',
        refusal.shadow,
        (refusal.objects ?? []).join(', '),
      );
  }
}

/** Thrown by the guarded engine of a database check that was superseded or cancelled: no new engine call. */
class CheckStopped extends Error {
  constructor(readonly why: AbortCause) {
    super(`check ${why}`);
  }
}

/**
 * Runs the analyses of each project through the engine worker and keeps the latest results.
 * A request made while an analysis runs does not stack: the running one stops before its next engine
 * call (and stops waiting for connections), its results are dropped, and one new analysis runs with the
 * latest input — stale results never overwrite newer ones.
 *
 * The databases of a project are connected to concurrently (secrets, SSH tunnels), and each one's result
 * is published as soon as it is ready: an unreachable server delays nobody but itself. Their engine calls
 * go one at a time: the worker serialises them anyway, and its per-call time limit starts when a call is
 * sent, so calls queued behind each other would eat into each other's limit.
 *
 * One database can also be checked alone ({@link analyzeDatabase}: the runbook's post-deploy verification,
 * the periodic refresh), by the same path. Every check of a database is numbered when it starts, and a
 * result is published only when no later check of that database published already: whichever way they
 * were started, an older result never replaces a newer one.
 */
export class AnalysisService extends Disposable {
  private readonly results = new Map<string, ProjectAnalysis>();
  /** When runs start and which results are published (latest wins, per project): see {@link AnalysisScheduler}. */
  private readonly scheduler = new AnalysisScheduler({
    onError: (lane, key, error) =>
      this.logger.error(
        `${lane === 'schema' ? 'Schema' : 'Database'} analysis of ${key.replace('\0', ' → ')} failed: ${String(error)}`,
      ),
    onChecking: (root) => void this.update(root, (a) => this.withChecking(a)),
  });
  private readonly changeEmitter = new vscode.EventEmitter<ProjectAnalysis>();
  private readonly removeEmitter = new vscode.EventEmitter<PrismaProject>();
  private readonly notified = new Set<string>();
  /** Projects with a check the user asked for (Check Drift Now) that has not completed yet. */
  private readonly asked = new Set<string>();
  /** Every popup shown about a failed check, in order (read by the integration tests). */
  readonly notifications: string[] = [];
  /** The last "already there, mark applied" answer of each database (by {@link databaseKey}) and what it was read from. */
  private readonly plans = new Map<string, { key: string; names: string[] }>();
  /** The failed-check notifications on screen, each ended when its error goes. */
  private readonly shownErrors = new Set<{ root: string; message: string; end: () => void }>();
  /**
   * The messages whose notification VS Code has not closed yet: one leaves only when the `withProgress` call
   * itself resolves — VS Code's own word that the progress notification is gone.
   */
  private readonly onScreen: string[] = [];

  /** Fires whenever a project's analysis changes (started, finished, failed). */
  readonly onDidChangeAnalysis = this.changeEmitter.event;
  /** Fires when a project is gone and its analysis was dropped. */
  readonly onDidRemoveProject = this.removeEmitter.event;

  constructor(
    private readonly projects: ProjectService,
    private readonly engines: EngineService,
    private readonly environments: EnvironmentService,
    private readonly logger: Logger,
  ) {
    super();
    this.disposables.push(this.changeEmitter, this.removeEmitter);
  }

  get all(): ProjectAnalysis[] {
    return [...this.results.values()];
  }

  get(projectRoot: string): ProjectAnalysis | undefined {
    return this.results.get(projectRoot);
  }

  /** Analyses schema vs migrations (with unsaved buffers) of one project. Resolves when the latest request is done. */
  analyzeSchema(project: PrismaProject, reason: AnalysisReason): Promise<void> {
    // Remembered until a check of this project completes: a file-watcher check that supersedes the one the
    // user asked for must still say its error.
    if (reason === 'command') this.asked.add(project.root);
    return this.scheduler.schema(project.root, (isStale) => this.runSchema(project.root, reason, isStale));
  }

  /** Analyses every environment of one project (live drift and migration history). */
  analyzeDatabases(project: PrismaProject, reason: AnalysisReason): Promise<void> {
    return this.scheduler.databases(project.root, (isStale, signal) =>
      this.runDatabases(project.root, reason, isStale, signal),
    );
  }

  /**
   * Analyses one environment of a project, and nothing else: the others are neither waited for nor
   * interrupted. Its result is published like any other (read it with {@link get}); a newer request for the
   * same environment supersedes this one. Resolves when the latest request for it is done; at once when the
   * project has no such environment.
   */
  analyzeDatabase(project: PrismaProject, environmentName: string, reason: AnalysisReason): Promise<void> {
    return this.scheduler.database(project.root, environmentName, (isStale, signal) =>
      this.runDatabase(project.root, environmentName, reason, isStale, signal),
    );
  }

  /**
   * Stops the running database checks (of every project, or of `root`): the databases already checked keep
   * their new result, those still connecting or queued end as `cancelled`. An engine call in flight ends first.
   */
  cancelDatabases(root?: string): void {
    for (const key of root ? [root] : [...this.results.keys()]) {
      const project = this.latestProject(key);
      this.scheduler.cancelDatabases(key, project ? this.environments.environments(project).map((e) => e.name) : []);
    }
  }

  /** Both analyses for every project. */
  async analyzeAll(reason: AnalysisReason): Promise<void> {
    const projects = await this.projects.ready();
    this.forgetRemovedProjects();
    await Promise.all(projects.flatMap((p) => [this.analyzeSchema(p, reason), this.analyzeDatabases(p, reason)]));
  }

  /** Drops the results of projects that are gone (their diagnostics go with them). */
  forgetRemovedProjects(): void {
    for (const [root, analysis] of [...this.results]) {
      if (this.projects.all.some((p) => p.root === root)) continue;
      this.results.delete(root);
      this.scheduler.forget(root);
      this.removeEmitter.fire(analysis.project);
    }
  }

  private latestProject(root: string): PrismaProject | undefined {
    return this.projects.all.find((p) => p.root === root);
  }

  private update(root: string, change: (a: ProjectAnalysis) => ProjectAnalysis): ProjectAnalysis | undefined {
    const project = this.latestProject(root);
    if (!project) {
      this.results.delete(root);
      return undefined;
    }
    const previous = this.results.get(root) ?? {
      project,
      running: false,
      databases: [],
      databasesRunning: false,
      databasesChecking: [],
    };
    const next = change({ ...previous, project });
    this.results.set(root, next);
    this.changeEmitter.fire(next);
    return next;
  }

  /** Schema files with the content of unsaved editors. */
  private buffers(project: PrismaProject): { files: SchemaFile[]; dirty: boolean } {
    let dirty = false;
    const files = project.schemaFiles.map((f) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === f.path);
      if (doc && doc.isDirty) {
        dirty = true;
        return { path: f.path, content: doc.getText() };
      }
      // A clean editor holds what is on disk (or stale text after a soft revert): the file wins.
      return f;
    });
    return { files, dirty };
  }

  private async runSchema(root: string, reason: AnalysisReason, isStale: () => boolean): Promise<void> {
    const project = this.latestProject(root);
    if (!project) return;
    const blocking = project.problems.find((p) => p.severity === 'error');
    if (blocking) {
      const error: AnalysisError = { code: blocking.code, message: blocking.message };
      if (blocking.location) error.location = blocking.location;
      this.asked.delete(root);
      this.update(root, (a) => ({ ...a, running: false, schema: undefined, schemaError: error }));
      return;
    }
    this.update(root, (a) => ({ ...a, running: true }));
    const { files, dirty } = this.buffers(project);
    const shadowUrl = vscode.workspace
      .getConfiguration('driftGuard', vscode.Uri.file(root))
      .get<string>('shadowDatabaseUrl', '')
      .trim();
    // The databases the shadow must not be (read before the engine call: no connection is opened for it).
    const protect = shadowUrl ? await this.environments.protectedDatabases(project) : [];
    const started = Date.now();
    // Right before the engine call, as for every engine call of a run: a superseded run starts no engine work.
    if (isStale()) return;
    try {
      const { report, findings } = await checkSchemaDrift(this.engines.engine, project, {
        schemaFiles: files,
        ...(shadowUrl ? { shadow: { kind: 'url' as const, url: shadowUrl, protect } } : {}),
      });
      if (isStale()) return;
      this.asked.delete(root);
      const durationMs = Date.now() - started;
      this.logger.info(
        `Schema vs migrations for ${project.name}: ${driftedObjects(findings.length)} in ${durationMs} ms (${reason}, shadow ${shadowUrl ? redactUrl(shadowUrl) : report.shadow}${dirty ? ', unsaved changes' : ''})`,
      );
      this.update(root, (a) => ({
        ...a,
        running: false,
        schema: { findings, script: report.script, durationMs, fromBuffers: dirty },
        schemaError: undefined,
      }));
      this.withdrawStale(root, undefined);
    } catch (err) {
      if (isStale()) return;
      const error = toAnalysisError(err);
      this.logger.warn(
        `Schema vs migrations for ${project.name} failed after ${Date.now() - started} ms (${reason}): ${error.message}`,
      );
      this.update(root, (a) => ({ ...a, running: false, schema: undefined, schemaError: error }));
      // A half-written schema is normal while editing — typed, or saved (auto save saves every pause):
      // an error at a line of the schema or of a migration is a diagnostic there and the status bar's
      // "check failed", not a popup. Popups are for what has no line, and for a check the user asked for.
      const asked = this.asked.delete(root);
      const message = `${project.name}: ${error.message}`;
      this.withdrawStale(root, message);
      if (asked || !error.location) this.notifyOnce(root, message);
    }
  }

  private async runDatabases(
    root: string,
    reason: AnalysisReason,
    isStale: () => boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const project = this.latestProject(root);
    if (!project) return;
    const environments = project.problems.some((p) => p.severity === 'error')
      ? []
      : this.environments.environments(project);
    const names = environments.map((e) => e.name);
    // Databases no longer configured go now; the others keep their last result until their new one is in
    // (the same array when nothing went: consumers compare it to know whether results changed).
    this.update(root, (a) => {
      const kept = inOrder(a.databases, names);
      return this.withChecking({
        ...a,
        databases:
          kept.length === a.databases.length && kept.every((d, i) => d === a.databases[i]) ? a.databases : kept,
      });
    });
    await Promise.all(
      environments.map((environment) => this.checkEnvironment(project, environment, reason, isStale, signal)),
    );
  }

  /** {@link analyzeDatabase}'s task: the environment of that name, if the project (still) has one. */
  private async runDatabase(
    root: string,
    name: string,
    reason: AnalysisReason,
    isStale: () => boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const project = this.latestProject(root);
    if (!project || project.problems.some((p) => p.severity === 'error')) return;
    const environment = this.environments.environments(project).find((e) => e.name === name);
    if (environment) await this.checkEnvironment(project, environment, reason, isStale, signal);
  }

  /**
   * One check of one database, from either kind of run: counted in `databasesChecking` while it runs, its
   * result published unless its run went stale or a check of this database started later published already.
   */
  private async checkEnvironment(
    project: PrismaProject,
    environment: DatabaseEnvironment,
    reason: AnalysisReason,
    isStale: () => boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const root = project.root;
    await this.scheduler.checkDatabase(
      root,
      environment.name,
      isStale,
      () =>
        this.analyzeEnvironment(project, environment, reason, isStale, signal, (work) =>
          this.scheduler.oneAtATime(root, work),
        ),
      (publish) =>
        void this.update(root, (a) => {
          const names = this.environments.environments(a.project).map((e) => e.name);
          const databases = publish
            ? inOrder([publish, ...a.databases.filter((d) => d.environment.name !== environment.name)], names)
            : a.databases;
          return this.withChecking({ ...a, databases });
        }),
    );
  }

  /** `analysis` with `databasesChecking` and `databasesRunning` as the checks in progress say. */
  private withChecking(analysis: ProjectAnalysis): ProjectAnalysis {
    const names = this.environments.environments(analysis.project).map((e) => e.name);
    const checking = names.filter((name) => this.scheduler.isChecking(analysis.project.root, name));
    // The same array when nothing changed: consumers compare it.
    const databasesChecking =
      checking.length === analysis.databasesChecking.length &&
      checking.every((n, i) => n === analysis.databasesChecking[i])
        ? analysis.databasesChecking
        : checking;
    return { ...analysis, databasesChecking, databasesRunning: checking.length > 0 };
  }

  /**
   * One database: connect (concurrently with the others), then its engine calls in `oneAtATime`. Undefined
   * when the run was superseded before the result was known (a newer run publishes instead).
   */
  private async analyzeEnvironment(
    project: PrismaProject,
    environment: DatabaseEnvironment,
    reason: AnalysisReason,
    isStale: () => boolean,
    signal: AbortSignal,
    oneAtATime: <T>(work: () => Promise<T>) => Promise<T>,
  ): Promise<DatabaseAnalysis | undefined> {
    const started = Date.now();
    const stopped = (): DatabaseAnalysis | undefined => {
      if (isStale() || signal.reason !== 'cancelled') {
        this.logger.debug(
          `Database ${environment.name} of ${project.name}: check superseded by a newer one after ${Date.now() - started} ms`,
        );
        return undefined;
      }
      const message = vscode.l10n.t('The check of {0} was cancelled before it finished.', environment.name);
      this.logger.info(
        `Database ${environment.name} (${environment.description}) of ${project.name}: cancelled after ${Date.now() - started} ms`,
      );
      return { environment, error: { code: 'cancelled', message }, durationMs: Date.now() - started };
    };
    // Every engine call checks first: a superseded or cancelled run starts no new engine work. Cancelled (not merely
    // superseded), the engine call in progress is stopped too.
    const engine = cancellableBy(this.engines.engine, cancelledOnly(signal));
    const guard = (): void => {
      if (signal.aborted) throw new CheckStopped(signal.reason === 'cancelled' ? 'cancelled' : 'superseded');
    };
    const guarded: Pick<EngineApi, 'historyStatus' | 'diffMigrationsToDatabase' | 'migrationProofs'> = {
      historyStatus: (p, url) => (guard(), engine.historyStatus(p, url)),
      diffMigrationsToDatabase: (p, url) => (guard(), engine.diffMigrationsToDatabase(p, url)),
      migrationProofs: (p, url, names) => (guard(), engine.migrationProofs(p, url, names)),
    };
    let acquired: AcquiredDatabase | undefined;
    try {
      acquired = await unlessAborted(environment.acquire(), signal);
      if (!acquired) return stopped();
      const url = acquired.url;
      // Against what this database's history says was applied: pending migrations are not drift.
      const { history, report, findings, blocked } = await oneAtATime(() =>
        checkDatabase(guarded, project, url, environment.name),
      );
      if (blocked) {
        this.logger.warn(
          `Database ${environment.name} (${environment.description}) of ${project.name}: drift not computed, ${blocked.deleted.join(', ')} deleted (${blocked.engineMessage})`,
        );
        return { environment, history, blocked, durationMs: Date.now() - started };
      }
      if (report.note) this.logger.info(`Database ${environment.name} of ${project.name}: ${report.note}`);
      // A baseline pending here whose objects the database already has: Mark Applied stays offered (tree, CodeLens).
      // The proofs replay migrations on the shadow: asked again only when what they depend on changed (every save
      // re-checks the databases; the database's extra objects, the pending migrations and their files rarely change).
      const planKey = JSON.stringify([
        environment.description,
        report.items.map((i) => i.sql),
        history.migrations.map((m) => [m.name, m.state, m.sqlPath ? mtimeOf(m.sqlPath) : 0]),
      ]);
      const cached = this.plans.get(databaseKey(project.root, environment.name));
      const markApplicable =
        cached?.key === planKey
          ? cached.names
          : await oneAtATime(() => alreadyPresentMigrations(guarded, project, url, history, report.items.length)).then(
              (names) => {
                this.plans.set(databaseKey(project.root, environment.name), { key: planKey, names });
                return names;
              },
              (error: unknown) => {
                if (error instanceof CheckStopped) throw error;
                this.logger.warn(
                  `Database ${environment.name} of ${project.name}: the deploy plan could not be read (${error instanceof Error ? error.message : String(error)})`,
                );
                return [];
              },
            );
      const durationMs = Date.now() - started;
      const notApplied = history.migrations.filter((m) => m.state !== 'applied').length;
      this.logger.info(
        `Database ${environment.name} (${environment.description}) of ${project.name}: ${driftedObjects(findings.length)}, ${notApplied} migration${notApplied === 1 ? '' : 's'} not applied, in ${durationMs} ms (${reason})`,
      );
      return { environment, findings, history, ...(markApplicable.length > 0 ? { markApplicable } : {}), durationMs };
    } catch (err) {
      if (err instanceof CheckStopped || (isEngineError(err) && err.code === 'cancelled' && signal.aborted)) {
        return stopped();
      }
      const error = toAnalysisError(err);
      // Through SSH the engine sees the tunnel's local end (127.0.0.1 and a port that changes every time):
      // messages name the environment's own target instead, so they read right and repeat identically.
      if (acquired && environment.setting?.ssh) {
        error.message = withoutTunnelAddress(error.message, acquired.url, environment.description);
      }
      this.logger.warn(
        `Database ${environment.name} (${environment.description}) of ${project.name}: ${error.message}`,
      );
      return { environment, error, durationMs: Date.now() - started };
    } finally {
      acquired?.release();
    }
  }

  /**
   * Says a failed check in a notification that goes away by itself once the check passes again (a database back, a
   * schema fixed): VS Code cannot close a message notification, so this is a progress notification whose task ends
   * then (its Cancel button dismisses it earlier). The status bar and the Migrations view keep saying it meanwhile.
   */
  private notifyOnce(root: string, message: string): void {
    if (this.notified.has(message)) return;
    this.notified.add(message);
    this.notifications.push(message);
    this.onScreen.push(message);
    void vscode.window
      .withProgress(
        // Not a show…Message, so not through notify: the title is made safe here (server errors reach it).
        {
          location: vscode.ProgressLocation.Notification,
          title: safeText(vscode.l10n.t('Prisma Drift Guard: {0}', message)),
          cancellable: true,
        },
        (_progress, token) =>
          new Promise<void>((resolve) => {
            const entry = {
              root,
              message,
              end: (): void => {
                this.shownErrors.delete(entry);
                subscription.dispose();
                resolve();
              },
            };
            const subscription = token.onCancellationRequested(() => entry.end());
            this.shownErrors.add(entry);
          }),
      )
      .then(() => {
        const at = this.onScreen.indexOf(message);
        if (at >= 0) this.onScreen.splice(at, 1);
      });
  }

  /** Withdraws the notifications of `root` whose error is no longer the project's (the check passed, or failed otherwise). */
  private withdrawStale(root: string, current: string | undefined): void {
    for (const entry of [...this.shownErrors]) {
      if (entry.root !== root || entry.message === current) continue;
      // Gone: may be said again if it comes back.
      this.notified.delete(entry.message);
      entry.end();
    }
  }

  /**
   * The check failures a notification is showing now (tests: shown while failing, gone once it passes): those
   * whose progress notification VS Code has not reported closed.
   */
  get shownNotifications(): string[] {
    return [...this.onScreen];
  }

  /** Lets an error be notified again (after the user fixed and broke it again). */
  forgetNotifications(): void {
    this.notified.clear();
  }

  override dispose(): void {
    this.scheduler.dispose();
    for (const entry of [...this.shownErrors]) entry.end();
    super.dispose();
  }
}

/** A signal that aborts when `signal` aborts with reason `cancelled` (the user's Cancel), not when a run is superseded. */
function cancelledOnly(signal: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const follow = (): void => {
    if (signal.reason === ('cancelled' satisfies AbortCause)) controller.abort();
  };
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  return controller.signal;
}
