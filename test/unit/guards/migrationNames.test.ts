import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type GuardFinding } from '../../../src/core/guards/guardFindings';
import {
  appliedOrder,
  meaninglessName,
  mergeAppliedOrders,
  migrationNameFindings,
  parseMigrationName,
  writtenOrderFromGitLog,
} from '../../../src/core/guards/migrationNames';
import { projectGuardFindings } from '../../../src/core/guards/projectGuards';

/** The demo's ten migrations, in folder-name order. */
const DEMO = [
  '20260127_init',
  '20260128_add_aria_conversations',
  '20260129_add_badges_and_reports',
  '20260130_add_subscription_requests_and_notifications',
  '20260131_add_session_booking_system',
  '20260201201415_add_session_overlap_prevention',
  '20260201201534_add_credit_transaction_idempotency',
  '20260214_add_diagnostics_v2_columns',
  '20260214_fix_cascade_constraints',
  '20260214_init_assessment_module',
];

/** Production applied the 14 February ones fix → init → add. */
const PRODUCTION_ORDER = [
  ...DEMO.slice(0, 7),
  '20260214_fix_cascade_constraints',
  '20260214_init_assessment_module',
  '20260214_add_diagnostics_v2_columns',
];

function codes(findings: GuardFinding[], migration?: string): string[] {
  return findings.filter((f) => migration === undefined || f.migration === migration).map((f) => f.code);
}

describe('guard rails: migration names', () => {
  it('parses timestamps of every precision', () => {
    assert.deepEqual(parseMigrationName('20260214_fix_cascade_constraints'), {
      name: '20260214_fix_cascade_constraints',
      stamp: '20260214',
      precision: 'date',
      day: '20260214',
      words: 'fix_cascade_constraints',
    });
    assert.equal(parseMigrationName('20260201201415_add_x').precision, 'full');
    assert.equal(parseMigrationName('202602012014_add_x').precision, 'minutes');
    assert.equal(parseMigrationName('1_init').precision, 'other');
    assert.equal(parseMigrationName('1_init').day, undefined);
    assert.deepEqual(parseMigrationName('20231203063921_'), {
      name: '20231203063921_',
      stamp: '20231203063921',
      precision: 'full',
      day: '20231203',
      words: '',
    });
    assert.deepEqual(parseMigrationName('migration'), { name: 'migration', words: 'migration' });
  });

  it('flags empty and meaningless names, and accepts descriptive ones', () => {
    const meaningless = [
      '20231203063921_',
      '20231203063921',
      'migration',
      '20240101000000_test',
      '20240101000000_new',
      '20240101000000_fix',
      '20240101000000_fix2',
      '20240101000000_new_migration',
      '20240101000000_update_schema',
      '20240101000000_wip',
      '20240101000000_migration_1',
      '20240101000000_mise_a_jour',
    ];
    for (const name of meaningless) {
      assert.ok(meaninglessName(parseMigrationName(name), false), `${name} should be meaningless`);
    }
    const fine = [
      '20260214_fix_cascade_constraints',
      '20240101000000_add_invoice_table',
      '20240101000000_users_email_unique',
      '20260217_baseline_invoicing_and_drift',
      '20240101000000_test_results_table',
    ];
    for (const name of fine) {
      assert.equal(meaninglessName(parseMigrationName(name), false), undefined, `${name} should be fine`);
    }
    assert.equal(
      meaninglessName(parseMigrationName('20240101000000_init'), true),
      undefined,
      'init is fine for the first migration',
    );
    assert.match(meaninglessName(parseMigrationName('20240301000000_init'), false) ?? '', /first migration only/);
  });

  it('accepts the usual names of a first migration (initial_migration, init_schema…), as real projects write them', () => {
    for (const name of [
      '20210604190809_initial_migration',
      '20230404095503_initial_migration',
      '20240101000000_init_schema',
      '20240101000000_initial',
      '20240101000000_init_db',
      '0_init',
    ]) {
      assert.equal(
        meaninglessName(parseMigrationName(name), true),
        undefined,
        `${name} is fine as the first migration`,
      );
      assert.match(
        meaninglessName(parseMigrationName(name), false) ?? '',
        /first migration only/,
        `${name} after the first`,
      );
    }
    assert.match(
      meaninglessName(parseMigrationName('20240101000000_first_migration'), true) ?? '',
      /does not say/,
      'no init word: still meaningless',
    );
  });

  it('the demo: date-only names are notes; with production history the 14 February trio is a same-day order warning', () => {
    const alone = migrationNameFindings({ migrations: DEMO.map((name) => ({ name })) });
    assert.ok(
      alone.every((f) => f.severity === 'info' && f.code === 'migration-date-only'),
      JSON.stringify(alone),
    );
    assert.equal(
      alone.length,
      6,
      'five date-only names alone on their day, and one finding for the 14 February trio (the two 20260201 ones have a time)',
    );
    const trio = alone.find((f) => f.members?.includes('20260214_fix_cascade_constraints'))!;
    assert.deepEqual(trio.members, [
      '20260214_add_diagnostics_v2_columns',
      '20260214_fix_cascade_constraints',
      '20260214_init_assessment_module',
    ]);
    assert.match(
      trio.message,
      /^3 migrations of 20260214 \(20260214_add_diagnostics_v2_columns, 20260214_fix_cascade_constraints, 20260214_init_assessment_module\) have a date but no time\. The 3 migrations of that day run in alphabetical order/,
    );

    const withHistory = migrationNameFindings({
      migrations: DEMO.map((name) => ({ name })),
      observed: mergeAppliedOrders([
        { environment: 'production', names: PRODUCTION_ORDER },
        { environment: 'staging', names: PRODUCTION_ORDER },
      ]),
      appliedHazards: [
        {
          environment: 'production',
          hazard: {
            kind: 'appliedOutOfOrder',
            migration: '20260214_add_diagnostics_v2_columns',
            other: '20260214_init_assessment_module',
            message: '',
          },
        },
      ],
    });
    const sameDay = withHistory.filter((f) => f.code === 'migration-same-day-order');
    assert.equal(sameDay.length, 1, 'one finding for the group');
    assert.equal(sameDay[0].migration, '20260214_fix_cascade_constraints', 'shown at the first one out of place');
    assert.deepEqual(sameDay[0].members, [
      '20260214_add_diagnostics_v2_columns',
      '20260214_fix_cascade_constraints',
      '20260214_init_assessment_module',
    ]);
    const message = sameDay[0].message;
    assert.match(
      message,
      /Same-day migrations of 20260214 run in name order on a fresh database \(add_diagnostics_v2_columns → fix_cascade_constraints → init_assessment_module\)/,
    );
    assert.match(
      message,
      /production, staging applied them fix_cascade_constraints → init_assessment_module → add_diagnostics_v2_columns/,
    );
    assert.deepEqual(sameDay[0].environments, ['production', 'staging']);
    assert.equal(
      withHistory.filter((f) => f.code === 'migration-applied-out-of-order').length,
      0,
      "the engine's hazard for the same pair is not repeated",
    );
    assert.equal(withHistory[0].severity, 'warning', 'warnings sort before notes');
  });

  it('an out-of-order apply across days is reported once with every environment', () => {
    const findings = migrationNameFindings({
      migrations: [{ name: '20240101000000_add_posts' }, { name: '20240105000000_add_tags' }],
      appliedHazards: ['staging', 'production'].map((environment) => ({
        environment,
        hazard: {
          kind: 'appliedOutOfOrder' as const,
          migration: '20240101000000_add_posts',
          other: '20240105000000_add_tags',
          message: '',
        },
      })),
    });
    assert.deepEqual(codes(findings), ['migration-applied-out-of-order']);
    assert.match(findings[0].message, /applied on staging, production after 20240105000000_add_tags/);
  });

  it('no timestamp, duplicate timestamps, a date-only name next to a timed one', () => {
    const findings = migrationNameFindings({
      migrations: [
        { name: '20240101000000_create_users' },
        { name: '20240102120000_add_posts' },
        { name: '20240102120000_add_tags' },
        { name: '20240103_add_comments' },
        { name: '20240103090000_add_likes' },
        { name: 'add_avatars' },
      ],
    });
    assert.deepEqual(codes(findings, 'add_avatars'), ['migration-name-no-timestamp']);
    assert.match(
      findings.find((f) => f.migration === 'add_avatars')!.message,
      /after every dated migration \(20240103090000_add_likes included\)/,
    );
    assert.deepEqual(codes(findings, '20240102120000_add_posts'), ['migration-duplicate-timestamp']);
    assert.equal(codes(findings, '20240102120000_add_tags').length, 0, 'one finding for the pair, at its first member');
    const duplicate = findings.find((f) => f.code === 'migration-duplicate-timestamp')!;
    assert.deepEqual(duplicate.members, ['20240102120000_add_posts', '20240102120000_add_tags']);
    assert.match(
      duplicate.message,
      /^2 migrations share the timestamp 20240102120000 \(20240102120000_add_posts, 20240102120000_add_tags\)/,
    );
    const dateOnly = findings.find((f) => f.migration === '20240103_add_comments')!;
    assert.equal(dateOnly.code, 'migration-date-only');
    assert.match(dateOnly.message, /Prisma sorts it before 20240103090000_add_likes/);
  });

  it('18 migrations sharing one timestamp, committed in another order: one finding per group, not one per pair', () => {
    const names = Array.from({ length: 18 }, (_, i) => `20240301000000_add_table_${String.fromCharCode(97 + i)}`);
    const committed = [...names].reverse();
    const findings = migrationNameFindings({
      migrations: names.map((name) => ({ name })),
      observed: [
        { kind: 'written', names: committed, times: Object.fromEntries(committed.map((n, i) => [n, 1000 + i])) },
      ],
    });
    assert.deepEqual(codes(findings).sort(), ['migration-duplicate-timestamp', 'migration-same-day-order']);
    for (const finding of findings) assert.deepEqual(finding.members, names, finding.code);
    const duplicate = findings.find((f) => f.code === 'migration-duplicate-timestamp')!;
    assert.match(
      duplicate.message,
      /^18 migrations share the timestamp 20240301000000 \(20240301000000_add_table_a, 20240301000000_add_table_b, 20240301000000_add_table_c and 15 more\)/,
    );
    // Before: 18 duplicate findings each naming the 17 others, and one same-day finding per misplaced migration.
    const size = findings.reduce((n, f) => n + f.message.length, 0);
    assert.ok(size < 2000, `${size} characters of messages`);
  });

  it('a migration with an explicit COMMIT before other statements is a warning at the COMMIT line', () => {
    const findings = migrationNameFindings({
      migrations: [
        { name: '20240101000000_create_users', sql: 'BEGIN;\nCREATE TABLE "users" ("id" INT);\nCOMMIT;\n' },
        {
          name: '20240102000000_backfill_emails',
          sql: 'ALTER TABLE "users" ADD COLUMN "email" TEXT;\nCOMMIT;\nUPDATE "users" SET "email" = \'x\';\n',
        },
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.code, f.migration, f.line]),
      [['migration-commits-midway', '20240102000000_backfill_emails', 2]],
    );
    assert.match(
      findings[0].message,
      /explicit COMMIT at line 2 before other statements: if a later statement fails, what ran before it stays committed/,
    );
  });

  it('written order from git: same-day migrations committed in another order than they sort', () => {
    // `git log --diff-filter=A --format=%x00%ct --name-only`, newest first.
    const log = [
      '\u00001700000300',
      '',
      'prisma/migrations/20240103_add_comments/migration.sql',
      '\u00001700000200',
      '',
      'prisma/migrations/20240103_add_bookmarks/migration.sql',
      'prisma/migrations/20240101000000_init/migration.sql',
      '\u00001700000100',
      '',
      'prisma/migrations/migration_lock.toml',
    ].join('\n');
    const written = writtenOrderFromGitLog(log, 'prisma/migrations');
    assert.deepEqual(written?.names, ['20240101000000_init', '20240103_add_bookmarks', '20240103_add_comments']);
    const findings = migrationNameFindings({
      migrations: [
        { name: '20240101000000_init' },
        { name: '20240103_add_comments' },
        { name: '20240103_add_bookmarks' },
      ],
      observed: [
        {
          kind: 'written',
          names: ['20240103_add_comments', '20240103_add_bookmarks'],
          times: { '20240103_add_comments': 1, '20240103_add_bookmarks': 2 },
        },
      ],
    });
    const sameDay = findings.filter((f) => f.code === 'migration-same-day-order');
    assert.equal(sameDay.length, 1);
    assert.deepEqual(sameDay[0].members, ['20240103_add_bookmarks', '20240103_add_comments']);
    assert.match(
      sameDay[0].message,
      /they were committed add_comments → add_bookmarks\. Rename them with the time of day/,
    );
    // Committed together: no order to compare.
    const together = migrationNameFindings({
      migrations: [{ name: '20240103_add_comments' }, { name: '20240103_add_bookmarks' }],
      observed: [
        {
          kind: 'written',
          names: ['20240103_add_comments', '20240103_add_bookmarks'],
          times: { '20240103_add_comments': 5, '20240103_add_bookmarks': 5 },
        },
      ],
    });
    assert.equal(together.filter((f) => f.code === 'migration-same-day-order').length, 0);
  });

  it('reuses the engine check for a migration using what a later-sorting one creates', () => {
    const findings = migrationNameFindings({
      migrations: [
        {
          name: '20240101000000_add_author_fk',
          sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fkey" FOREIGN KEY ("authorId") REFERENCES "users"("id");',
        },
        {
          name: '20240102000000_create_users',
          sql: 'CREATE TABLE "users" ("id" TEXT NOT NULL);\nCREATE TABLE "posts" ("id" TEXT, "authorId" TEXT);',
        },
      ],
    });
    const hazard = findings.find((f) => f.code === 'migration-depends-on-later');
    assert.ok(hazard, JSON.stringify(findings));
    assert.equal(hazard.migration, '20240101000000_add_author_fk');
    assert.deepEqual(hazard.related, ['20240102000000_create_users']);
  });

  it('applied order: by finish time, applied and modified only', () => {
    assert.deepEqual(
      appliedOrder([
        { name: 'b', state: 'applied', appliedAt: '2026-01-02T00:00:00Z' },
        { name: 'a', state: 'modified', appliedAt: '2026-01-03T00:00:00Z' },
        { name: 'c', state: 'pending' },
        { name: 'd', state: 'failed', appliedAt: '2026-01-01T00:00:00Z' },
      ]),
      ['b', 'a'],
    );
  });

  it('project findings: an applied migration edited locally is an error naming the environments', () => {
    const sql = 'CREATE TABLE "a" ("id" INT);\n';
    const applied = createHash('sha256').update(sql).digest('hex');
    const findings = projectGuardFindings({
      migrations: [{ name: '20240101000000_create_a', sql: `${sql}-- edited\n` }],
      histories: [
        {
          environment: 'production',
          kind: 'production',
          migrations: [
            {
              name: '20240101000000_create_a',
              state: 'modified',
              appliedAt: '2026-01-01T00:00:00Z',
              checksum: applied,
            },
          ],
        },
        {
          environment: 'dev',
          kind: 'development',
          migrations: [{ name: '20240101000000_create_a', state: 'pending' }],
        },
      ],
    });
    assert.deepEqual(codes(findings), ['applied-migration-edited']);
    assert.equal(findings[0].severity, 'error');
    assert.deepEqual(findings[0].environments, ['production']);
  });
});
