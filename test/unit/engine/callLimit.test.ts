import * as assert from 'node:assert/strict';
import {
  type AbandonReason,
  EngineCallQueue,
  cancellableBy,
  currentCancellation,
  runEngineCall,
  withCancellation,
} from '../../../src/core/engine/callLimit';
import { EngineError } from '../../../src/core/engine/engineError';
import { rejectionOf } from '../../fixtures/engineProjects';

/** A promise with its resolve function outside, to hold a piece of work until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const translate = (error: unknown): EngineError => new EngineError({ code: 'engine-error', message: String(error) });

describe('engine call limits: time limit and cancellation (callLimit)', () => {
  it('a call cancelled while it runs: our server-side work is stopped, then it rejects with cancelled and the note; the engine is kept', async () => {
    const controller = new AbortController();
    const abandoned: AbandonReason[] = [];
    let stopped = 0;
    const running = gate();
    const never = new Promise<string>(() => undefined);
    const call = withCancellation(controller.signal, () =>
      runEngineCall(
        'schema vs migrations',
        60_000,
        () => {
          running.open();
          return never;
        },
        translate,
        (reason) => abandoned.push(reason),
        () => {
          stopped++;
          return Promise.resolve('Our query still running on db was cancelled on the server.');
        },
      ),
    );
    await running.promise;
    controller.abort();
    const error = await rejectionOf(call);
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'cancelled');
    assert.equal(
      error.message,
      'schema vs migrations was cancelled. Our query still running on db was cancelled on the server.',
    );
    assert.deepEqual(abandoned, []);
    assert.equal(stopped, 1);
  });

  it('a call whose signal is already aborted never starts its work', async () => {
    const controller = new AbortController();
    controller.abort();
    let started = false;
    const error = await rejectionOf(
      withCancellation(controller.signal, () =>
        runEngineCall(
          'deploy',
          60_000,
          () => {
            started = true;
            return Promise.resolve('done');
          },
          translate,
          () => assert.fail('nothing to abandon'),
        ),
      ),
    );
    assert.equal(error.code, 'cancelled');
    assert.equal(started, false);
  });

  it('a call that ends before the abort keeps its result, and a later abort changes nothing', async () => {
    const controller = new AbortController();
    const value = await withCancellation(controller.signal, () =>
      runEngineCall(
        'stats',
        60_000,
        () => Promise.resolve(42),
        translate,
        () => assert.fail('nothing to abandon'),
      ),
    );
    controller.abort();
    assert.equal(value, 42);
  });

  it('the queue: a queued call cancelled before its turn rejects at once and never runs; the calls around it run in order', async () => {
    const queue = new EngineCallQueue();
    const order: string[] = [];
    const first = gate();
    const a = queue.run('a', async () => {
      order.push('a start');
      await first.promise;
      order.push('a end');
      return 'a';
    });
    const controller = new AbortController();
    const b = withCancellation(controller.signal, () =>
      queue.run('b', () => {
        order.push('b');
        return Promise.resolve('b');
      }),
    );
    const c = queue.run('c', () => {
      order.push('c');
      return Promise.resolve('c');
    });
    controller.abort();
    // Rejected while a still runs: the cancellation does not wait for the queue.
    const error = await rejectionOf(b);
    assert.equal(error.code, 'cancelled');
    assert.equal(error.message, 'b was cancelled.');
    assert.deepEqual(order, ['a start']);
    first.open();
    assert.equal(await a, 'a');
    assert.equal(await c, 'c');
    assert.deepEqual(order, ['a start', 'a end', 'c']);
  });

  it('the queue: after a running call is cancelled, the next call waits until its work has ended (it still owns the engine); its caller does not', async () => {
    const queue = new EngineCallQueue();
    const order: string[] = [];
    const release = gate();
    const controller = new AbortController();
    const started = gate();
    const abandoned: AbandonReason[] = [];
    const a = withCancellation(controller.signal, () =>
      queue.run('a', () =>
        runEngineCall(
          'a',
          60_000,
          async () => {
            started.open();
            await release.promise;
            order.push('a let go');
          },
          translate,
          (reason) => abandoned.push(reason),
        ),
      ),
    );
    const b = queue.run('b', () => {
      order.push('b');
      return Promise.resolve();
    });
    await started.promise;
    controller.abort();
    assert.equal((await rejectionOf(a)).code, 'cancelled');
    assert.deepEqual(order, []);
    release.open();
    await b;
    assert.deepEqual(order, ['a let go', 'b']);
    assert.deepEqual(abandoned, []);
  });

  it('the queue: a cancelled call whose work never ends is abandoned at its time limit, and the next call runs', async () => {
    const queue = new EngineCallQueue();
    const controller = new AbortController();
    const started = gate();
    const abandoned: AbandonReason[] = [];
    const a = withCancellation(controller.signal, () =>
      queue.run('a', () =>
        runEngineCall(
          'a',
          300,
          () => {
            started.open();
            return new Promise<void>(() => undefined);
          },
          translate,
          (reason) => abandoned.push(reason),
        ),
      ),
    );
    await started.promise;
    controller.abort();
    assert.equal((await rejectionOf(a)).code, 'cancelled');
    assert.equal(await queue.run('b', () => Promise.resolve('b')), 'b');
    assert.deepEqual(abandoned, ['timeout']);
  });

  it('the idle callback runs outside the cancellation of the call that armed it (the idle shadow closes even after a cancel)', async () => {
    const queue = new EngineCallQueue();
    const controller = new AbortController();
    const closed = await withCancellation(controller.signal, async () => {
      await queue.run('a', () => Promise.resolve());
      controller.abort();
      assert.equal(currentCancellation()?.aborted, true);
      return new Promise<string>((resolve, reject) => {
        queue.whenIdle(() => {
          assert.equal(currentCancellation(), undefined);
          queue.run('closing the idle shadow', () => Promise.resolve('closed')).then(resolve, reject);
        });
      });
    });
    assert.equal(closed, 'closed');
  });

  it('cancellableBy: every method of the view runs under the signal', async () => {
    const queue = new EngineCallQueue();
    const api = { run: (what: string) => queue.run(what, () => Promise.resolve(what)) };
    const controller = new AbortController();
    const view = cancellableBy(api, controller.signal);
    assert.equal(await view.run('first'), 'first');
    controller.abort();
    assert.equal((await rejectionOf(view.run('second'))).code, 'cancelled');
    assert.equal(await api.run('third'), 'third');
  });
});
