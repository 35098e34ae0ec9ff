import { LatestOnlyRunner, type LatestOnlyTask } from '../util/latestOnly';

export type { AbortCause, LatestOnlyTask } from '../util/latestOnly';

/** The three kinds of analysis run: a project's schema, all its databases, one database alone. */
export type AnalysisLane = 'schema' | 'databases' | 'database';

/** What the scheduler tells its front end (the editor's AnalysisService, or a test). */
export interface AnalysisSchedulerEvents {
  /** A run threw instead of publishing its own error (`key`: the project root, or root and database for `database`). */
  onError(lane: AnalysisLane, key: string, error: unknown): void;
  /** A check of a database of `root` started, so the databases in progress changed (see {@link AnalysisScheduler.isChecking}). */
  onChecking(root: string): void;
}

/** The key of one database of one project (its check lane, its count of checks in progress). */
export function databaseKey(root: string, databaseName: string): string {
  return `${root}\0${databaseName}`;
}

/**
 * When the analyses of each project run, and which of their results may be published — the concurrency of the
 * editor's analyses, free of VS Code so it is tested in plain Node.
 *
 * - Per project and per kind of run, latest wins: a request made while a run is going does not stack; the running
 *   one becomes stale (its signal aborts, reason `superseded`) and one new run follows with the latest input. A run
 *   of one project never touches another's.
 * - Every check of a database is numbered when it starts ({@link checkDatabase}); its result is handed on only when
 *   its run is not stale and no later check of that database handed on its own already: whichever run started it,
 *   an older result never replaces a newer one.
 * - The database engine calls of a project go one at a time ({@link oneAtATime}).
 */
export class AnalysisScheduler {
  private readonly schemaRuns: LatestOnlyRunner;
  private readonly databaseRuns: LatestOnlyRunner;
  /** Checks of one database alone, keyed by {@link databaseKey}. */
  private readonly databaseAloneRuns: LatestOnlyRunner;
  /** How many checks of each database (by {@link databaseKey}) are in progress. */
  private readonly inProgress = new Map<string, number>();
  /** Numbers checks of a database as they start; {@link publishedCheck} holds the number of the one shown. */
  private checkCounter = 0;
  private readonly publishedCheck = new Map<string, number>();
  /** Per project, the end of the queue of database engine calls (one at a time, across all its checks). */
  private readonly engineTurns = new Map<string, Promise<unknown>>();

  constructor(private readonly events: AnalysisSchedulerEvents) {
    this.schemaRuns = new LatestOnlyRunner((key, error) => events.onError('schema', key, error));
    this.databaseRuns = new LatestOnlyRunner((key, error) => events.onError('databases', key, error));
    this.databaseAloneRuns = new LatestOnlyRunner((key, error) => events.onError('database', key, error));
  }

  /** Requests a schema run of `root`. Resolves when the latest request made before then is done. */
  schema(root: string, task: LatestOnlyTask): Promise<void> {
    return this.schemaRuns.run(root, task);
  }

  /** Requests a run over every database of `root`. Resolves when the latest request made before then is done. */
  databases(root: string, task: LatestOnlyTask): Promise<void> {
    return this.databaseRuns.run(root, task);
  }

  /** Requests a run of one database of `root` alone: neither waits for nor interrupts the others. */
  database(root: string, name: string, task: LatestOnlyTask): Promise<void> {
    return this.databaseAloneRuns.run(databaseKey(root, name), task);
  }

  /**
   * Cancels the running database runs of `root` (its all-databases run and the runs of each of `names` alone): their
   * signal aborts with reason `cancelled`. They are not stale for that: what they finished is still handed on.
   */
  cancelDatabases(root: string, names: readonly string[]): void {
    this.databaseRuns.cancel(root);
    for (const name of names) this.databaseAloneRuns.cancel(databaseKey(root, name));
  }

  /**
   * One check of database `name` of `root`, from either kind of run: counted in progress while `work` runs, then
   * `settle` is called (also when `work` throws) with the result to publish, or undefined when there is none to
   * publish: no result, the run went stale, or a check of this database started later was published already.
   */
  async checkDatabase<R>(
    root: string,
    name: string,
    isStale: () => boolean,
    work: () => Promise<R | undefined>,
    settle: (publish: R | undefined) => void,
  ): Promise<void> {
    const key = databaseKey(root, name);
    const ticket = ++this.checkCounter;
    this.inProgress.set(key, (this.inProgress.get(key) ?? 0) + 1);
    this.events.onChecking(root);
    let result: R | undefined;
    try {
      result = await work();
    } finally {
      const left = (this.inProgress.get(key) ?? 1) - 1;
      if (left > 0) this.inProgress.set(key, left);
      else this.inProgress.delete(key);
      const publish =
        result !== undefined && !isStale() && (this.publishedCheck.get(key) ?? 0) < ticket ? result : undefined;
      if (publish !== undefined) this.publishedCheck.set(key, ticket);
      settle(publish);
    }
  }

  /** Whether a check of database `name` of `root` is in progress. */
  isChecking(root: string, name: string): boolean {
    return this.inProgress.has(databaseKey(root, name));
  }

  /** Runs `work` after the database engine calls of `root` already queued. */
  oneAtATime<T>(root: string, work: () => Promise<T>): Promise<T> {
    const turn = (this.engineTurns.get(root) ?? Promise.resolve()).then(work);
    // The queue only orders calls: a failed one is its caller's to handle (it gets `turn`), not the next call's.
    this.engineTurns.set(
      root,
      turn.catch(() => undefined),
    );
    return turn;
  }

  /** Forgets what is kept about a project that is gone. */
  forget(root: string): void {
    this.engineTurns.delete(root);
  }

  /** Stops everything: waiting requests are dropped, running ones go stale (nothing more is handed on), new ones are ignored. */
  dispose(): void {
    this.schemaRuns.stop();
    this.databaseRuns.stop();
    this.databaseAloneRuns.stop();
  }
}

/**
 * `work` (connecting to a database), or undefined as soon as `signal` aborts; what `work` gives after that
 * is released, so an abandoned SSH tunnel is not held open.
 */
export async function unlessAborted<T extends { release(): void }>(
  work: Promise<T>,
  signal: AbortSignal,
): Promise<T | undefined> {
  let onAbort!: () => void;
  const aborted = new Promise<undefined>((resolve) => (onAbort = () => resolve(undefined)));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const acquired = await Promise.race([work, aborted]);
    // Abandoned: the late connection is released; a late failure has nobody left to tell (the check ended already).
    if (acquired === undefined) {
      void work.then(
        (late) => late.release(),
        () => undefined,
      );
    }
    return acquired;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
