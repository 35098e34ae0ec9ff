import * as assert from 'node:assert/strict';
import { EngineCallQueue, runEngineCall } from '../../../src/core/engine/callLimit';
import { EngineError } from '../../../src/core/engine/engineError';
import { INTERRUPTED_EXIT_CODE, runInterruptible } from '../../../src/cli/interrupt';

/** A command whose engine call runs until cancelled, printing its error as the CLI does. */
function engineCommand(started: () => void): (output: { err: (line: string) => void }) => Promise<number> {
  const queue = new EngineCallQueue();
  return async (output) => {
    try {
      await queue.run('database vs schema', () =>
        runEngineCall(
          'database vs schema',
          60_000,
          () => {
            started();
            return new Promise<void>(() => undefined);
          },
          (error) => new EngineError({ code: 'engine-error', message: String(error) }),
          () => undefined,
          () => Promise.resolve('Our query still running on db:5432/app was cancelled on the server.'),
        ),
      );
      return 0;
    } catch (error) {
      output.err(`drift-guard: ${(error as Error).message}`);
      return 2;
    }
  };
}

describe('CLI Ctrl-C (runInterruptible)', () => {
  it('the first Ctrl-C cancels the engine call in progress: exit code 130 and one line saying what was stopped', async () => {
    const lines: string[] = [];
    let onStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => (onStarted = resolve));
    const run = runInterruptible(
      engineCommand(onStarted),
      { err: (line) => lines.push(line) },
      { exit: () => assert.fail('no exit on the first Ctrl-C') },
    );
    await started;
    process.emit('SIGINT');
    assert.equal(await run, INTERRUPTED_EXIT_CODE);
    assert.deepEqual(lines, [
      'drift-guard: database vs schema was cancelled. Our query still running on db:5432/app was cancelled on the server.',
    ]);
    assert.equal(process.listenerCount('SIGINT'), 0, 'the handler is removed afterwards');
  });

  it('a command that refuses (a deploy that writes) goes on after the first Ctrl-C and says why; the second one quits with 130', async () => {
    const lines: string[] = [];
    const exits: number[] = [];
    let finish = (): void => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const run = runInterruptible(
      async () => {
        await done;
        return 0;
      },
      { err: (line) => lines.push(line) },
      { refuse: () => 'The deploy goes on.', exit: (code) => exits.push(code) },
    );
    process.emit('SIGINT');
    assert.deepEqual(lines, ['drift-guard: The deploy goes on.']);
    process.emit('SIGINT');
    assert.deepEqual(exits, [INTERRUPTED_EXIT_CODE]);
    assert.deepEqual(lines, ['drift-guard: The deploy goes on.', 'drift-guard: Interrupted.']);
    finish();
    assert.equal(await run, 0);
  });

  it('without Ctrl-C the command keeps its exit code and its error lines', async () => {
    const lines: string[] = [];
    const code = await runInterruptible(
      (output) => {
        output.err('drift-guard: bad input');
        return Promise.resolve(2);
      },
      { err: (line) => lines.push(line) },
    );
    assert.equal(code, 2);
    assert.deepEqual(lines, ['drift-guard: bad input']);
  });
});
