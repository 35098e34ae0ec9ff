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
});
