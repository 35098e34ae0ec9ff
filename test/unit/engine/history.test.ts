import * as assert from 'node:assert/strict';
import { explainChecksumMismatch, migrationChecksum } from '../../../src/core/history/checksums';
import { summarizeVerification } from '../../../src/core/runbook/verification';
import { computeHistoryStatus, type LocalMigration, type MigrationRecord } from '../../../src/core/history/status';

const local = (name: string, sql: string): LocalMigration => ({ name, sql, sqlPath: `/m/${name}/migration.sql` });
const record = (name: string, sql: string, over: Partial<MigrationRecord> = {}): MigrationRecord => ({
  id: name,
  checksum: migrationChecksum(sql),
  migrationName: name,
  logs: null,
  startedAt: over.startedAt ?? '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  rolledBackAt: null,
  appliedStepsCount: 1,
  ...over,
});

describe('history/status', () => {
  const sqlA = 'CREATE TABLE "a" ("id" INT);\n';
  const sqlB = 'CREATE TABLE "b" ("id" INT);\n';

  it('gives every state: applied, pending, failed with logs, rolledBack, modified (CRLF-only, whitespace-only, content), missingLocally', () => {
    const migrations = [
      local('01_applied', sqlA),
      local('02_pending', sqlB),
      local('03_failed', 'SELECT 1;\n'),
      local('04_rolled_back', 'SELECT 2;\n'),
      local('05_crlf', 'SELECT 3;\r\nSELECT 4;\r\n'),
      local('06_whitespace', 'SELECT 5;   \nSELECT 6;\n\n'),
      local('07_content', 'SELECT 7 + 1;\n'),
    ];
    const records = [
      record('01_applied', sqlA, { startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z' }),
      record('03_failed', 'SELECT 1;\n', {
        startedAt: '2026-01-02T00:00:00.000Z',
        finishedAt: null,
        logs: 'ERROR: relation "x" does not exist',
      }),
      record('04_rolled_back', 'SELECT 2;\n', {
        startedAt: '2026-01-03T00:00:00.000Z',
        finishedAt: null,
        rolledBackAt: '2026-01-03T01:00:00.000Z',
      }),
      record('05_crlf', 'SELECT 3;\nSELECT 4;\n', {
        startedAt: '2026-01-04T00:00:00.000Z',
        finishedAt: '2026-01-04T00:00:01.000Z',
      }),
      record('06_whitespace', 'SELECT 5;\nSELECT 6;\n', {
        startedAt: '2026-01-05T00:00:00.000Z',
        finishedAt: '2026-01-05T00:00:01.000Z',
      }),
      record('07_content', 'SELECT 7;\n', {
        startedAt: '2026-01-06T00:00:00.000Z',
        finishedAt: '2026-01-06T00:00:01.000Z',
      }),
      record('00_gone', 'SELECT 0;\n', {
        startedAt: '2025-12-31T00:00:00.000Z',
        finishedAt: '2025-12-31T00:00:01.000Z',
      }),
    ];
    const status = computeHistoryStatus(migrations, records);
    const byName = new Map(status.migrations.map((m) => [m.name, m]));
    assert.equal(byName.get('01_applied')?.state, 'applied');
    assert.equal(byName.get('01_applied')?.appliedAt, '2026-01-01T00:00:01.000Z');
    assert.equal(byName.get('02_pending')?.state, 'pending');
    assert.equal(byName.get('03_failed')?.state, 'failed');
    assert.match(byName.get('03_failed')?.logs ?? '', /does not exist/);
    assert.equal(byName.get('04_rolled_back')?.state, 'rolledBack');
    assert.equal(byName.get('05_crlf')?.state, 'modified');
    assert.equal(byName.get('05_crlf')?.difference, 'lineEndings');
    assert.match(byName.get('05_crlf')?.note ?? '', /only line endings/);
    assert.equal(byName.get('06_whitespace')?.difference, 'whitespace');
    assert.equal(byName.get('07_content')?.difference, 'content');
    assert.equal(byName.get('00_gone')?.state, 'missingLocally');
    assert.equal(status.migrations[0].name, '00_gone');
    assert.equal(status.hasMigrationsTable, true);
  });

  it('a row not local that started and never finished is failed (migrate deploy stops on it), not "applied, missing locally"', () => {
    const records = [
      record('01_applied', sqlA),
      record('02_gone_unfinished', 'SELECT 1;\n', {
        startedAt: '2026-01-02T00:00:00.000Z',
        finishedAt: null,
        logs: 'ERROR: division by zero',
      }),
      record('03_gone_rolled_back', 'SELECT 2;\n', {
        startedAt: '2026-01-03T00:00:00.000Z',
        finishedAt: null,
        rolledBackAt: '2026-01-03T01:00:00.000Z',
      }),
      // A failed attempt, then a successful one: the latest row counts.
      record('04_gone_retried', 'SELECT 3;\n', { id: 'r1', startedAt: '2026-01-04T00:00:00.000Z', finishedAt: null }),
      record('04_gone_retried', 'SELECT 3;\n', {
        id: 'r2',
        startedAt: '2026-01-04T01:00:00.000Z',
        finishedAt: '2026-01-04T01:00:01.000Z',
      }),
    ];
    const byName = new Map(
      computeHistoryStatus([local('01_applied', sqlA)], records).migrations.map((m) => [m.name, m]),
    );
    const unfinished = byName.get('02_gone_unfinished');
    assert.equal(unfinished?.state, 'failed');
    assert.equal(unfinished?.missingLocally, true);
    assert.equal(unfinished?.sqlPath, undefined);
    assert.equal(unfinished?.logs, 'ERROR: division by zero');
    assert.match(unfinished?.note ?? '', /not in the migrations directory: migrate deploy stops on it \(P3009\)/);
    assert.equal(byName.get('03_gone_rolled_back')?.state, 'rolledBack');
    assert.match(byName.get('03_gone_rolled_back')?.note ?? '', /migrate deploy ignores it/);
    assert.equal(byName.get('04_gone_retried')?.state, 'missingLocally');
    assert.equal(byName.get('04_gone_retried')?.appliedAt, '2026-01-04T01:00:01.000Z');
    // The runbook's Verify after a deploy: not ok, and it says why.
    const verify = summarizeVerification(computeHistoryStatus([local('01_applied', sqlA)], records.slice(0, 2)), []);
    assert.equal(verify.ok, false);
    assert.equal(verify.summary, '1 applied · 0 pending · 1 failed · no drift');
    assert.match(
      verify.lines[0],
      /^failed: 02_gone_unfinished — Started but did not finish, and its folder is not in the migrations directory/,
    );
  });

  it('without _prisma_migrations: everything pending, with a clear note', () => {
    const status = computeHistoryStatus([local('01', sqlA)], undefined);
    assert.equal(status.hasMigrationsTable, false);
    assert.equal(status.migrations[0].state, 'pending');
    assert.match(status.notes[0], /no _prisma_migrations table/);
  });

  it('flags migrations applied out of name order', () => {
    const status = computeHistoryStatus(
      [local('20260214_add', sqlA), local('20260214_init', sqlB)],
      [
        record('20260214_init', sqlB, {
          startedAt: '2026-02-14T10:00:00.000Z',
          finishedAt: '2026-02-14T10:00:01.000Z',
        }),
        record('20260214_add', sqlA, { startedAt: '2026-02-14T11:00:00.000Z', finishedAt: '2026-02-14T11:00:01.000Z' }),
      ],
    );
    const hazard = status.hazards.find((h) => h.kind === 'appliedOutOfOrder');
    assert.equal(hazard?.migration, '20260214_add');
    assert.equal(hazard?.other, '20260214_init');
  });

  it('flags a migration whose name sorts before the migration creating what it uses', () => {
    const status = computeHistoryStatus(
      [
        local(
          '20260214_fix_cascade_constraints',
          'ALTER TABLE "assessments" DROP CONSTRAINT "assessments_user_id_fkey";\n',
        ),
        local('20260214_init_assessment_module', 'CREATE TABLE "assessments" ("id" TEXT NOT NULL, "user_id" TEXT);\n'),
      ],
      [],
    );
    const hazard = status.hazards.find((h) => h.kind === 'dependsOnLaterMigration');
    assert.equal(hazard?.migration, '20260214_fix_cascade_constraints');
    assert.equal(hazard?.other, '20260214_init_assessment_module');
    assert.equal(hazard?.object, 'assessments');
  });

  it('explains checksum mismatches', () => {
    assert.equal(explainChecksumMismatch('a\r\nb\r\n', migrationChecksum('a\nb\n')), 'lineEndings');
    assert.equal(explainChecksumMismatch('a\nb\n', migrationChecksum('a\r\nb\r\n')), 'lineEndings');
    assert.equal(explainChecksumMismatch('\uFEFFa\nb', migrationChecksum('a\nb\n')), 'whitespace');
    assert.equal(explainChecksumMismatch('a\nc\n', migrationChecksum('a\nb\n')), 'content');
  });
});
