import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { stepEquivalent } from '../../../src/core/runbook/equivalents';
import { parseRunbook, substituteVariables } from '../../../src/core/runbook/parser';

const SEED = path.resolve(__dirname, '../../../../test/fixtures/runbooks/strategie-migrations.md');

describe('runbook: the extension equivalents of Prisma CLI steps', () => {
  it('maps migrate status, resolve --applied NAME and the baseline diff; nothing else', () => {
    assert.deepEqual(stepEquivalent('npx prisma migrate status'), { kind: 'status' });
    assert.deepEqual(stepEquivalent('docker exec nexus-next-app npx prisma migrate status'), { kind: 'status' });
    assert.deepEqual(stepEquivalent('npx prisma migrate resolve --applied 20260217_baseline_invoicing_and_drift'), {
      kind: 'markApplied',
      migration: '20260217_baseline_invoicing_and_drift',
    });
    assert.deepEqual(stepEquivalent('pnpm exec prisma migrate resolve --applied=20260217_x'), {
      kind: 'markApplied',
      migration: '20260217_x',
    });
    assert.equal(
      stepEquivalent('npx prisma migrate resolve --applied ${MIGRATION_NAME}'),
      undefined,
      'an unsubstituted name is not guessed',
    );
    assert.equal(stepEquivalent('npx prisma migrate resolve --rolled-back 20260217_x'), undefined);
    assert.deepEqual(
      stepEquivalent(
        'npx prisma migrate diff --from-migrations ./prisma/migrations --to-schema-datamodel ./prisma/schema.prisma --script > /tmp/b.sql',
      ),
      { kind: 'createBaseline' },
    );
    assert.equal(
      stepEquivalent('npx prisma migrate diff --from-empty --to-schema-datamodel prisma/schema.prisma'),
      undefined,
    );
    assert.equal(stepEquivalent('npx prisma migrate deploy'), undefined);
    assert.equal(stepEquivalent('echo prisma migrate status is nice'), undefined, 'prisma must be the command');
  });

  it("finds the seed's three steps once its variables are known", () => {
    const rb = parseRunbook(SEED, readFileSync(SEED, 'utf8'));
    const kinds = rb.sections
      .flatMap((s) => s.steps)
      .map((s) =>
        stepEquivalent(
          substituteVariables(s.command, rb.variables, { MIGRATION_NAME: '20260217_baseline_invoicing_and_drift' }),
        ),
      )
      .filter((e) => e !== undefined)
      .map((e) => e.kind);
    assert.ok(kinds.includes('createBaseline'), kinds.join());
    assert.ok(kinds.includes('markApplied'), kinds.join());
    assert.ok(kinds.includes('status'), kinds.join());
  });
});
