import * as assert from 'node:assert/strict';
import { DriftGuardError, errorCodeOf, hasErrorCode } from '../../../src/core/util/errors';

class SampleError extends DriftGuardError<'one' | 'two'> {
  override readonly name = 'SampleError';
}

describe('DriftGuardError (the one error base)', () => {
  it('carries a code, a message and a cause', () => {
    const cause = new Error('low level');
    const error = new SampleError('one', 'Something clear.', { cause });
    assert.equal(error.code, 'one');
    assert.equal(error.message, 'Something clear.');
    assert.equal(error.cause, cause);
    assert.ok(error instanceof Error);
  });

  it('hasErrorCode narrows ours by code, never a Node error that also has a code', () => {
    const ours = new SampleError('two', 'x');
    const node = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    assert.ok(hasErrorCode(ours));
    assert.ok(hasErrorCode(ours, 'one', 'two'));
    assert.ok(!hasErrorCode(ours, 'one'));
    assert.ok(!hasErrorCode(node, 'ENOENT'));
    assert.equal(errorCodeOf(ours), 'two');
    assert.equal(errorCodeOf(node), 'internal');
  });
});
