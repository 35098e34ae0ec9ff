/**
 * Reference counting for shared things that stay open a while after their last user (SSH sessions, tunnels).
 * p-limit / p-queue limit how many tasks run at once; what is shared here is one open resource per key, held
 * by leases and closed when idle, which neither does — hence these few lines of our own.
 */

/** A shared resource's count of holders and its idle timer. */
export interface RefCounted {
  refs: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Counts one more holder of `entry` (cancelling a pending idle close) and waits until it is `ready`; a holder
 * whose wait fails is not counted.
 */
export async function holdWhenReady<T>(entry: RefCounted, ready: Promise<T>): Promise<T> {
  entry.refs++;
  clearTimeout(entry.idleTimer);
  entry.idleTimer = undefined;
  try {
    return await ready;
  } catch (error) {
    entry.refs = Math.max(0, entry.refs - 1);
    throw error;
  }
}

/** Counts one holder less; true when none is left. */
export function dropHolder(entry: RefCounted): boolean {
  entry.refs = Math.max(0, entry.refs - 1);
  return entry.refs === 0;
}

/** Runs `close` after `idleMs` unless a holder came back in between (the timer keeps no process alive). */
export function closeWhenIdle(entry: RefCounted, idleMs: number, close: () => void): void {
  clearTimeout(entry.idleTimer);
  entry.idleTimer = setTimeout(() => {
    if (entry.refs === 0) close();
  }, idleMs);
  entry.idleTimer.unref();
}
