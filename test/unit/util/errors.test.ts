import * as assert from 'node:assert/strict';
import { DriftGuardError, errorCodeOf, hasErrorCode } from '../../../src/core/util/errors';
import { EnvironmentError } from '../../../src/core/app/environments';
import { EngineError } from '../../../src/core/engine/engineError';
import { GitError } from '../../../src/core/guards/git';
import { DumpError } from '../../../src/core/rehearsal/dumpSource';
import { SshError, SshHostKeyError } from '../../../src/core/remote/sshError';
import { UsageError } from '../../../src/cli/main';

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

  it('is the base of every error class we throw, each keeping its name and code', () => {
    const errors: [DriftGuardError, string, string][] = [
      [new EngineError({ code: 'timeout', message: 'm' }), 'EngineError', 'timeout'],
      [new SshError('auth-failed', 'm', 'u@h:22'), 'SshError', 'auth-failed'],
      [
        new SshHostKeyError('host-key-changed', 'm', 'u@h:22', {
          hostName: 'h',
          keyType: 'ssh-ed25519',
          presented: 'SHA256:x',
          expected: [],
        }),
        'SshError',
        'host-key-changed',
      ],
      [new GitError('no-git', 'm'), 'GitError', 'no-git'],
      [new DumpError('too-large', 'm'), 'DumpError', 'too-large'],
      [new EnvironmentError('missing-secret', 'm'), 'EnvironmentError', 'missing-secret'],
      [new UsageError('m'), 'UsageError', 'usage'],
    ];
    for (const [error, name, code] of errors) {
      assert.ok(error instanceof DriftGuardError, name);
      assert.equal(error.name, name);
      assert.equal(errorCodeOf(error), code);
      assert.ok(hasErrorCode(error, code));
    }
    assert.equal(hasErrorCode(errors[2][0], 'host-key-changed'), true);
  });
});
