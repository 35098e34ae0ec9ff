/**
 * Runs tasks one at a time per key, newest wins: a request made while a task runs replaces any
 * request still waiting (only the latest input matters), and the running task can ask whether it
 * became stale so it drops its result instead of overwriting a newer one.
 */
export class LatestOnlyRunner {
  private readonly lanes = new Map<string, { generation: number; next?: (isStale: () => boolean) => Promise<void>; running?: Promise<void> }>();

  constructor(private readonly onError: (key: string, error: unknown) => void = () => undefined) {}

  /**
   * Requests `task` for `key`. Resolves when the lane is idle again, i.e. after the latest task
   * requested before then has run.
   */
  run(key: string, task: (isStale: () => boolean) => Promise<void>): Promise<void> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { generation: 0 };
      this.lanes.set(key, lane);
    }
    const current = lane;
    current.generation++;
    current.next = task;
    current.running ??= (async () => {
      while (current.next) {
        const next = current.next;
        current.next = undefined;
        const generation = current.generation;
        try {
          await next(() => generation !== current.generation);
        } catch (error) {
          this.onError(key, error);
        }
      }
      current.running = undefined;
    })();
    return current.running;
  }

  /** Whether a task of `key` is running or waiting. */
  busy(key: string): boolean {
    return this.lanes.get(key)?.running !== undefined;
  }
}
