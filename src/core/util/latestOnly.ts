/** Why a task's signal was aborted (its `reason`). */
export type AbortCause = 'superseded' | 'cancelled';

/** A task of {@link LatestOnlyRunner}. */
export type LatestOnlyTask = (isStale: () => boolean, signal: AbortSignal) => Promise<void>;

interface Lane {
  generation: number;
  next?: LatestOnlyTask;
  running?: Promise<void>;
  controller?: AbortController;
}

/**
 * Runs tasks one at a time per key, newest wins: a request made while a task runs replaces any
 * request still waiting (only the latest input matters), and the running task can ask whether it
 * became stale so it drops its result instead of overwriting a newer one. Its signal aborts at once
 * when that happens (reason `superseded`), or on {@link cancel} (reason `cancelled`), so it can stop
 * waiting for slow work instead of holding the next task back.
 */
export class LatestOnlyRunner {
  private readonly lanes = new Map<string, Lane>();
  private stopped = false;

  constructor(private readonly onError: (key: string, error: unknown) => void = () => undefined) {}

  /**
   * Requests `task` for `key`. Resolves when the lane is idle again, i.e. after the latest task
   * requested before then has run.
   */
  run(key: string, task: LatestOnlyTask): Promise<void> {
    if (this.stopped) return Promise.resolve();
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { generation: 0 };
      this.lanes.set(key, lane);
    }
    const current = lane;
    current.generation++;
    current.next = task;
    current.controller?.abort('superseded' satisfies AbortCause);
    current.running ??= (async () => {
      while (current.next) {
        const next = current.next;
        current.next = undefined;
        const generation = current.generation;
        const controller = new AbortController();
        current.controller = controller;
        try {
          await next(() => generation !== current.generation, controller.signal);
        } catch (error) {
          this.onError(key, error);
        } finally {
          current.controller = undefined;
        }
      }
      current.running = undefined;
    })();
    return current.running;
  }

  /**
   * Aborts the running task's signal (reason `cancelled`). The task is not stale for that: it still
   * publishes what it has. A request still waiting is newer input and runs as usual. No-op when idle.
   */
  cancel(key: string): void {
    this.lanes.get(key)?.controller?.abort('cancelled' satisfies AbortCause);
  }

  /**
   * Stops every lane for good: requests still waiting are dropped, running tasks become stale and their signal
   * aborts (reason `superseded`, so they publish nothing); later requests are ignored.
   */
  stop(): void {
    this.stopped = true;
    for (const lane of this.lanes.values()) {
      lane.generation++;
      lane.next = undefined;
      lane.controller?.abort('superseded' satisfies AbortCause);
    }
  }

  /** Whether a task of `key` is running or waiting. */
  busy(key: string): boolean {
    return this.lanes.get(key)?.running !== undefined;
  }
}
