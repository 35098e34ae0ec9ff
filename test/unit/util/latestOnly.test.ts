import * as assert from 'node:assert/strict';
import { LatestOnlyRunner } from '../../../src/core/util/latestOnly';

/** A promise the test resolves by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('LatestOnlyRunner', () => {
  it('runs one task at a time per key and only the latest of the requests made meanwhile', async () => {
    const runner = new LatestOnlyRunner();
    const log: string[] = [];
    const first = gate();
    const stale: boolean[] = [];
    const done = runner.run('p', async (isStale) => {
      log.push('start 1');
      await first.promise;
      stale.push(isStale());
      log.push('end 1');
    });
    const second = runner.run('p', () => Promise.resolve(void log.push('2')));
    const third = runner.run('p', (isStale) => {
      stale.push(isStale());
      log.push('3');
      return Promise.resolve();
    });
    assert.equal(runner.busy('p'), true);
    first.open();
    await Promise.all([done, second, third]);
    assert.deepEqual(log, ['start 1', 'end 1', '3']);
    assert.deepEqual(stale, [true, false], 'the first task learns that newer input came; the last one is current');
    assert.equal(runner.busy('p'), false);
  });

  it('keeps keys independent and survives a failing task', async () => {
    const errors: string[] = [];
    const runner = new LatestOnlyRunner((key, error) => errors.push(`${key}: ${(error as Error).message}`));
    const log: string[] = [];
    await Promise.all([
      runner.run('a', () => Promise.reject(new Error('boom'))),
      runner.run('b', () => Promise.resolve(void log.push('b'))),
    ]);
    await runner.run('a', () => Promise.resolve(void log.push('a again')));
    assert.deepEqual(log, ['b', 'a again']);
    assert.deepEqual(errors, ['a: boom']);
  });

  it("aborts the running task's signal when a newer request arrives, so it can stop waiting", async () => {
    const runner = new LatestOnlyRunner();
    const never = new Promise<void>(() => undefined);
    const seen: Array<{ aborted: boolean; reason: unknown; stale: boolean }> = [];
    const first = runner.run('p', async (isStale, signal) => {
      // Waits for something that never comes, unless the signal lets it go.
      await Promise.race([
        never,
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
      seen.push({ aborted: signal.aborted, reason: signal.reason, stale: isStale() });
    });
    const second = runner.run('p', (isStale, signal) => {
      seen.push({ aborted: signal.aborted, reason: signal.reason, stale: isStale() });
      return Promise.resolve();
    });
    await Promise.all([first, second]);
    assert.deepEqual(seen, [
      { aborted: true, reason: 'superseded', stale: true },
      { aborted: false, reason: undefined, stale: false },
    ]);
  });

  it('cancel aborts the running task without making it stale, and leaves other keys alone', async () => {
    const runner = new LatestOnlyRunner();
    const started = gate();
    const seen: string[] = [];
    const wait = (signal: AbortSignal): Promise<void> =>
      new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    const cancelled = runner.run('a', async (isStale, signal) => {
      started.open();
      await wait(signal);
      seen.push(`a ${String(signal.reason)} stale=${String(isStale())}`);
    });
    const other = gate();
    const untouched = runner.run('b', async (_isStale, signal) => {
      await other.promise;
      seen.push(`b aborted=${String(signal.aborted)}`);
    });
    await started.promise;
    runner.cancel('a');
    runner.cancel('idle key');
    await cancelled;
    other.open();
    await untouched;
    assert.deepEqual(seen, ['a cancelled stale=false', 'b aborted=false']);
    assert.equal(runner.busy('a'), false);
  });
});
