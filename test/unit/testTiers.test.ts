import * as assert from 'node:assert/strict';
import { refuseInUnitTier } from '../fixtures/tier';

describe('test tiers: the unit tier refuses real services', () => {
  it('refuses PostgreSQL and sshd from a unit test, naming the tier to move to', () => {
    // This file is under test/unit: the refusal must fire whether or not the unit config set the variable.
    assert.throws(
      () => refuseInUnitTier('PostgreSQL'),
      /unit tests may not use PostgreSQL: move this file to test\/node/,
    );
    assert.throws(() => refuseInUnitTier('sshd'), /unit tests may not use sshd/);
  });
});
