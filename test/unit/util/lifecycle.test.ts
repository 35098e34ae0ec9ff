import * as assert from 'node:assert/strict';
import { Disposable, type IDisposable } from '../../../src/core/util/lifecycle';

class Owner extends Disposable {
  own<T extends IDisposable>(value: T): T {
    return this._register(value);
  }
  get owned(): IDisposable[] {
    return this.disposables;
  }
  get done(): boolean {
    return this.isDisposed;
  }
}

function recorder(log: string[], name: string, fail = false): IDisposable {
  return {
    dispose: () => {
      log.push(name);
      if (fail) throw new Error(`${name} failed`);
    },
  };
}

describe('Disposable (the one lifecycle base)', () => {
  it('disposes what it owns once, in registration order', () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.own(recorder(log, 'a'));
    owner.owned.push(recorder(log, 'b')); // the onDidX(listener, this, this.disposables) form
    owner.dispose();
    owner.dispose();
    assert.deepEqual(log, ['a', 'b']);
    assert.equal(owner.done, true);
  });

  it('disposes at once what is registered after it was disposed', () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.dispose();
    owner.own(recorder(log, 'late'));
    assert.deepEqual(log, ['late']);
  });

  it('one failing disposal does not keep the others alive; the first error is thrown after all ran', () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.own(recorder(log, 'a', true));
    owner.own(recorder(log, 'b', true));
    owner.own(recorder(log, 'c'));
    assert.throws(() => owner.dispose(), /^Error: a failed$/);
    assert.deepEqual(log, ['a', 'b', 'c']);
  });
});
