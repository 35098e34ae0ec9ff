import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  appliedIndex,
  appliedViolationFinding,
  checkAppliedContent,
  deletedViolation,
  type EnvironmentHistory,
} from '../../../src/core/guards/appliedMigrations';

const SQL = '-- CreateTable\nCREATE TABLE "invoices" ("id" TEXT NOT NULL);\n';
const sha = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

const HISTORIES: EnvironmentHistory[] = [
  {
    environment: 'production',
    kind: 'production',
    migrations: [
      { name: '1_invoices', state: 'applied', appliedAt: '2026-02-17T10:00:00Z', checksum: sha(SQL).toUpperCase() },
      { name: '2_failed', state: 'failed', appliedAt: '2026-02-18T10:00:00Z', checksum: 'abc' },
      { name: '3_gone', state: 'missingLocally', appliedAt: '2026-02-19T10:00:00Z', checksum: 'def' },
      { name: '4_pending', state: 'pending' },
    ],
  },
  {
    environment: 'staging',
    kind: 'staging',
    migrations: [
      { name: '1_invoices', state: 'applied', appliedAt: '2026-02-16T10:00:00Z', checksum: sha(SQL) },
      { name: '5_rolled_back', state: 'rolledBack', checksum: 'x' },
    ],
  },
];

describe('guard rails: applied migrations are read-only', () => {
  it('indexes finished rows only (applied, modified, missing locally) with their checksum', () => {
    const index = appliedIndex(HISTORIES);
    assert.deepEqual([...index.keys()].sort(), ['1_invoices', '3_gone']);
    assert.deepEqual(
      index.get('1_invoices')!.map((r) => [r.environment, r.kind, r.checksum]),
      [
        ['production', 'production', sha(SQL)],
        ['staging', 'staging', sha(SQL)],
      ],
    );
  });

  it('the unchanged file passes; an edit is a violation on every environment, production first', () => {
    const index = appliedIndex(HISTORIES);
    assert.equal(checkAppliedContent('1_invoices', SQL, index.get('1_invoices')), undefined);
    assert.equal(checkAppliedContent('1_invoices', Buffer.from(SQL), index.get('1_invoices')), undefined);
    const edited = checkAppliedContent('1_invoices', SQL.replace('TEXT NOT NULL', 'TEXT'), index.get('1_invoices'));
    assert.deepEqual(edited, {
      kind: 'edited',
      migration: '1_invoices',
      environments: ['production', 'staging'],
      production: true,
      difference: 'content',
    });
    const finding = appliedViolationFinding(edited);
    assert.equal(finding.code, 'applied-migration-edited');
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /1_invoices was applied on production, staging: it is read-only/);
    assert.equal(
      checkAppliedContent('4_pending', 'anything', index.get('4_pending')),
      undefined,
      'a pending migration is editable',
    );
    assert.equal(
      checkAppliedContent('2_failed', 'fixed', index.get('2_failed')),
      undefined,
      'a failed one is being fixed: editable',
    );
  });

  it('line endings only: a warning that says so', () => {
    const index = appliedIndex(HISTORIES);
    const crlf = checkAppliedContent('1_invoices', SQL.replace(/\n/g, '\r\n'), index.get('1_invoices'));
    assert.equal(crlf?.difference, 'lineEndings');
    const finding = appliedViolationFinding(crlf);
    assert.equal(finding.severity, 'warning');
    assert.match(finding.message, /Only line endings differ/);
  });

  it('a deleted applied migration is an error; a never-applied one is not', () => {
    const index = appliedIndex(HISTORIES);
    const deleted = deletedViolation('1_invoices', index.get('1_invoices'));
    assert.deepEqual(deleted, {
      kind: 'deleted',
      migration: '1_invoices',
      environments: ['production', 'staging'],
      production: true,
    });
    assert.match(appliedViolationFinding(deleted).message, /never delete an applied migration/);
    assert.equal(deletedViolation('4_pending', index.get('4_pending')), undefined);
  });
});
