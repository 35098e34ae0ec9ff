import * as assert from 'node:assert/strict';
import {
  AnalysisScheduler,
  type AnalysisLane,
  type LatestOnlyTask,
  unlessAborted,
} from '../../../src/core/app/analysisScheduler';

/** A promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A fake analyse function: each call waits for the test to settle it. */
class FakeAnalyser {
  readonly calls: Array<{ input: string; signal: AbortSignal; answer: ReturnType<typeof deferred<string>> }> = [];
  analyse(input: string, signal: AbortSignal): Promise<string> {
    const answer = deferred<string>();
    this.calls.push({ input, signal, answer });
    return answer.promise;
  }
  /** Waits until `n` calls were made (the runner starts tasks on a later microtask). */
  async until(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A scheduler whose events are recorded, and what the front end published. */
function setup(): {
  scheduler: AnalysisScheduler;
  published: string[];
  errors: Array<[AnalysisLane, string, string]>;
  checking: string[];
} {
  const errors: Array<[AnalysisLane, string, string]> = [];
  const checking: string[] = [];
  const scheduler = new AnalysisScheduler({
    onError: (lane, key, error) => errors.push([lane, key, String(error)]),
    onChecking: (root) => checking.push(root),
  });
  return { scheduler, published: [], errors, checking };
}

/** The task the editor's schema analysis is: analyse, then publish unless stale (an error is a result too). */
function schemaTask(fake: FakeAnalyser, input: string, published: string[], label = ''): LatestOnlyTask {
  return async (isStale, signal) => {
    try {
      const result = await fake.analyse(input, signal);
      if (!isStale()) published.push(`${label}${result}`);
    } catch (error) {
      if (!isStale()) published.push(`${label}error: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

describe('AnalysisScheduler', () => {
  it('publishes only the latest of two edits in a row, and runs the one in between never', async () => {
    const { scheduler, published } = setup();
    const fake = new FakeAnalyser();
    const first = scheduler.schema('/p', schemaTask(fake, 'edit 1', published));
    await fake.until(1);
    const second = scheduler.schema('/p', schemaTask(fake, 'edit 2', published));
    const third = scheduler.schema('/p', schemaTask(fake, 'edit 3', published));
    // The running analysis is superseded at once: its signal says so, so it can stop waiting.
    assert.equal(fake.calls[0].signal.aborted, true);
    assert.equal(fake.calls[0].signal.reason, 'superseded');
    fake.calls[0].answer.resolve('result 1');
    await fake.until(2);
    assert.deepEqual(
      fake.calls.map((c) => c.input),
      ['edit 1', 'edit 3'],
    );
    fake.calls[1].answer.resolve('result 3');
    await Promise.all([first, second, third]);
    assert.deepEqual(published, ['result 3']);
  });

  it('never publishes a superseded run, even when it finishes after the newer one', async () => {
    const { scheduler } = setup();
    const results: string[] = [];
    const slow = deferred<string>();
    const old = scheduler.databases('/p', async (isStale) => {
      const r = await slow.promise;
      if (!isStale()) results.push(r);
    });
    await new Promise((resolve) => setImmediate(resolve));
    const newer = scheduler.databases('/p', (isStale) =>
      Promise.resolve(void (isStale() ? undefined : results.push('new'))),
    );
    slow.resolve('old');
    await Promise.all([old, newer]);
    assert.deepEqual(results, ['new']);
  });

  it("never cancels or supersedes one project's run by another's", async () => {
    const { scheduler, published } = setup();
    const fake = new FakeAnalyser();
    const a = scheduler.schema('/a', schemaTask(fake, 'a', published, 'A '));
    const b = scheduler.schema('/b', schemaTask(fake, 'b', published, 'B '));
    await fake.until(2);
    scheduler.cancelDatabases('/b', ['dev']);
    const b2 = scheduler.schema('/b', schemaTask(fake, 'b2', published, 'B '));
    assert.equal(fake.calls[0].signal.aborted, false, 'project a untouched by b');
    fake.calls[0].answer.resolve('1');
    fake.calls[1].answer.resolve('stale');
    await fake.until(3);
    fake.calls[2].answer.resolve('2');
    await Promise.all([a, b, b2]);
    assert.deepEqual(published.sort(), ['A 1', 'B 2']);
  });

  it('publishes a failed analysis as an error, and reports a run that threw', async () => {
    const { scheduler, published, errors } = setup();
    const fake = new FakeAnalyser();
    const run = scheduler.schema('/p', schemaTask(fake, 'bad', published));
    await fake.until(1);
    fake.calls[0].answer.reject(new Error('P1012 at line 3'));
    await run;
    assert.deepEqual(published, ['error: P1012 at line 3']);
    await scheduler.database('/p', 'dev', () => Promise.reject(new Error('boom')));
    assert.deepEqual(errors, [['database', '/p\0dev', 'Error: boom']]);
    // The lane still works after a run threw.
    await scheduler.database('/p', 'dev', () => Promise.resolve(void published.push('after')));
    assert.deepEqual(published, ['error: P1012 at line 3', 'after']);
  });

  it('cancels a database run without making it stale: what it finished is still published', async () => {
    const { scheduler } = setup();
    const seen: Array<{ stale: boolean; reason: unknown }> = [];
    const gate = deferred<void>();
    const run = scheduler.database('/p', 'dev', async (isStale, signal) => {
      await gate.promise;
      seen.push({ stale: isStale(), reason: signal.reason });
    });
    await new Promise((resolve) => setImmediate(resolve));
    scheduler.cancelDatabases('/p', ['dev']);
    gate.resolve();
    await run;
    assert.deepEqual(seen, [{ stale: false, reason: 'cancelled' }]);
  });

  it('hands on a database result only when no later check of that database was published', async () => {
    const { scheduler, checking } = setup();
    const settled: Array<string | undefined> = [];
    const older = deferred<string>();
    const newer = deferred<string>();
    // Two checks of the same database from different runs (all databases, and that one alone): neither is stale.
    const first = scheduler.checkDatabase(
      '/p',
      'dev',
      () => false,
      () => older.promise,
      (r) => settled.push(r),
    );
    const second = scheduler.checkDatabase(
      '/p',
      'dev',
      () => false,
      () => newer.promise,
      (r) => settled.push(r),
    );
    assert.equal(scheduler.isChecking('/p', 'dev'), true);
    assert.equal(scheduler.isChecking('/p', 'prod'), false);
    assert.deepEqual(checking, ['/p', '/p']);
    newer.resolve('newer');
    await second;
    assert.equal(scheduler.isChecking('/p', 'dev'), true, 'the older check is still in progress');
    older.resolve('older');
    await first;
    assert.deepEqual(settled, ['newer', undefined]);
    assert.equal(scheduler.isChecking('/p', 'dev'), false);
  });

  it('settles a database check that threw, and a stale one, with nothing to publish', async () => {
    const { scheduler } = setup();
    const settled: Array<string | undefined> = [];
    await assert.rejects(
      scheduler.checkDatabase(
        '/p',
        'dev',
        () => false,
        () => Promise.reject(new Error('lost')),
        (r) => settled.push(r),
      ),
      /lost/,
    );
    await scheduler.checkDatabase(
      '/p',
      'dev',
      () => true,
      () => Promise.resolve('late'),
      (r) => settled.push(r),
    );
    assert.deepEqual(settled, [undefined, undefined]);
    assert.equal(scheduler.isChecking('/p', 'dev'), false);
  });

  it("runs a project's engine calls one at a time, a failed one not stopping the next", async () => {
    const { scheduler } = setup();
    const order: string[] = [];
    const first = deferred<void>();
    const one = scheduler.oneAtATime('/p', async () => {
      order.push('1 start');
      await first.promise;
      throw new Error('engine failed');
    });
    const two = scheduler.oneAtATime('/p', () => Promise.resolve(void order.push('2')));
    const other = scheduler.oneAtATime('/q', () => Promise.resolve(void order.push('other project')));
    await other;
    assert.deepEqual(order, ['1 start', 'other project']);
    first.resolve();
    await assert.rejects(one, /engine failed/);
    await two;
    assert.deepEqual(order, ['1 start', 'other project', '2']);
  });

  it('dispose stops everything: the running run goes stale, waiting and new requests never run', async () => {
    const { scheduler, published } = setup();
    const fake = new FakeAnalyser();
    const running = scheduler.schema('/p', schemaTask(fake, 'edit 1', published));
    await fake.until(1);
    const waiting = scheduler.schema('/p', schemaTask(fake, 'edit 2', published));
    const db = deferred<void>();
    let dbStale: boolean | undefined;
    const databases = scheduler.databases('/q', async (isStale) => {
      await db.promise;
      dbStale = isStale();
    });
    await new Promise((resolve) => setImmediate(resolve));
    scheduler.dispose();
    assert.equal(fake.calls[0].signal.aborted, true);
    fake.calls[0].answer.resolve('result 1');
    db.resolve();
    await Promise.all([running, waiting, databases]);
    await scheduler.schema('/p', schemaTask(fake, 'after dispose', published));
    assert.deepEqual(
      fake.calls.map((c) => c.input),
      ['edit 1'],
    );
    assert.deepEqual(published, []);
    assert.equal(dbStale, true);
  });
});

describe('unlessAborted', () => {
  it('gives up waiting when the signal aborts, and releases what arrives later', async () => {
    const controller = new AbortController();
    const connection = deferred<{ release(): void }>();
    let released = 0;
    const waiting = unlessAborted(connection.promise, controller.signal);
    controller.abort('superseded');
    assert.equal(await waiting, undefined);
    connection.resolve({ release: () => void released++ });
    await connection.promise;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released, 1);
  });

  it('gives what the work gives when the signal does not abort', async () => {
    const acquired = { release: () => undefined };
    assert.equal(await unlessAborted(Promise.resolve(acquired), new AbortController().signal), acquired);
  });
});
