/**
 * `drift-guard check`'s guard rails (the `guardRails` JSON key next to the issue 3 contract keys) with the
 * bundled CLI against the harness's real PostgreSQL: the demo's same-day order hazard read from the
 * database's history, an applied migration edited locally (exit 1), and `--strict`.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireCliBundle, runCli } from '../../fixtures/cli';
import { prepareHistoryOnly } from '../../fixtures/demoDatabase';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';

const REPO = path.resolve(__dirname, '../../../..');

interface GuardItem {
  code: string;
  severity: string;
  migration: string;
  message: string;
  environments?: string[];
  members?: string[];
  file?: string;
}

describe('drift-guard check: guard rails (bundled CLI, real PostgreSQL)', function () {
  this.timeout(120_000);
  let pg: PostgresFixture;
  let dbName: string;
  let url: string;
  let demo: string;
  let cacheDir: string;

  before(async () => {
    requireCliBundle();
    pg = await sharedPostgres();
    dbName = `dg_guard_cli_${randomBytes(3).toString('hex')}`;
    url = await pg.createDatabase(dbName);
    await prepareHistoryOnly(url, { withData: false });
    demo = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-guard-cli-'));
    await fs.cp(path.join(REPO, 'demo'), demo, { recursive: true });
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-guard-cli-cache-'));
  });

  after(async () => {
    for (const dir of [demo, cacheDir]) if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  const check = (args: string[]): ReturnType<typeof runCli> =>
    runCli(['check', ...args], demo, { DRIFT_GUARD_CACHE_DIR: cacheDir });

  it('adds "guardRails" next to the contract keys; the same-day order from the history is a warning (exit unchanged)', async () => {
    const run = await check(['--url', url, '--json']);
    const report = JSON.parse(run.stdout) as {
      schemaVsMigrations: unknown;
      databaseVsMigrations: unknown;
      guardRails: { findings: GuardItem[] };
    };
    assert.deepEqual(Object.keys(report), [
      'prisma',
      'schemaVsMigrations',
      'databaseVsMigrations',
      'failedMigrations',
      'guardRails',
    ]);
    assert.equal(run.code, 1, 'exit 1 for the schema drift of the demo, as before');
    const sameDay = report.guardRails.findings.filter((f) => f.code === 'migration-same-day-order');
    assert.equal(sameDay.length, 1, 'one finding for the group');
    assert.deepEqual(sameDay[0].members, [
      '20260214_add_diagnostics_v2_columns',
      '20260214_fix_cascade_constraints',
      '20260214_init_assessment_module',
    ]);
    assert.equal(sameDay[0].severity, 'warning');
    assert.deepEqual(sameDay[0].environments, ['the database']);
    assert.match(sameDay[0].file ?? '', /^prisma\/migrations\/20260214_\w+\/migration\.sql$/);
    assert.ok(report.guardRails.findings.some((f) => f.code === 'migration-date-only' && f.severity === 'info'));

    const text = await check(['--url', url]);
    assert.match(
      text.stdout,
      /⚠ Guard rails: 1 warning, 2 notes\n/,
      'the header counts what is listed: a folded group is one note',
    );
    assert.match(
      text.stdout,
      /\n {2}· \[migration-date-only\] 5 migrations have a date but no time\. A second migration written that day could sort before it[^\n]*\n {6}prisma\/migrations\/20260127_init\/migration\.sql\n/,
      'notes saying the same of several migrations fold into one line',
    );
    assert.doesNotMatch(text.stdout, /20260127_init has a date but no time/);
    assert.match(
      text.stdout,
      /⚠ prisma\/migrations\/20260214_fix_cascade_constraints\/migration\.sql \[migration-same-day-order\] Same-day migrations of 20260214[^\n]*\n {6}20260214_add_diagnostics_v2_columns\n {6}20260214_init_assessment_module\n/,
      'the group once, its other members below',
    );
  });

  it('a git that fails in the repository is a warning where its findings would be, not a rule skipped in silence', async () => {
    // A git that finds a repository with a commit, then fails every question about it (a broken object store).
    const bin = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-guard-cli-git-'));
    try {
      const script = [
        '#!/bin/sh',
        'case "$1 $2" in',
        '  "rev-parse --show-toplevel") pwd ;;',
        '  "rev-parse --verify") echo 0123456789abcdef ;;',
        '  *) echo "fatal: bad object HEAD" >&2; exit 128 ;;',
        'esac',
        '',
      ].join('\n');
      await fs.writeFile(path.join(bin, 'git'), script, { mode: 0o755 });
      const env = { DRIFT_GUARD_CACHE_DIR: cacheDir, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
      const run = await runCli(['check', '--url', url, '--json'], demo, env);
      const findings = (JSON.parse(run.stdout) as { guardRails: { findings: GuardItem[] } }).guardRails.findings;
      const unavailable = findings.filter((f) => f.code === 'guard-input-unavailable');
      assert.deepEqual(
        unavailable.map((f) => [f.severity, f.migration, f.message]),
        [
          [
            'warning',
            '',
            'git could not be read (git log failed: fatal: bad object HEAD): the order same-day migrations were committed in could not be checked.',
          ],
          [
            'warning',
            '',
            'git could not be read (git log failed: fatal: bad object HEAD): the commit messages that added the migrations (rule 4) could not be checked.',
          ],
        ],
      );
      const text = await runCli(['check', '--url', url], demo, env);
      assert.match(
        text.stdout,
        /\n {2}⚠ \[guard-input-unavailable\] git could not be read \(git log failed: fatal: bad object HEAD\): the order same-day migrations were committed in could not be checked\.\n/,
      );
      assert.match(text.stdout, /⚠ Guard rails: 3 warnings, 2 notes\n/, 'counted with the other warnings');
    } finally {
      await fs.rm(bin, { recursive: true, force: true });
    }
  });

  it('an applied migration edited locally is an error: exit 1, errors listed first', async () => {
    const file = path.join(demo, 'prisma', 'migrations', '20260128_add_aria_conversations', 'migration.sql');
    const original = await fs.readFile(file);
    try {
      await fs.writeFile(file, Buffer.concat([original, Buffer.from('\n-- tweaked after deploy\n')]));
      const run = await check(['--url', url, '--json']);
      const findings = (JSON.parse(run.stdout) as { guardRails: { findings: GuardItem[] } }).guardRails.findings;
      const edited = findings.find((f) => f.code === 'applied-migration-edited');
      assert.ok(edited, JSON.stringify(findings));
      assert.equal(edited.severity, 'error');
      assert.equal(edited.migration, '20260128_add_aria_conversations');
      assert.match(edited.message, /was applied on the database: it is read-only/);
      assert.equal(findings[0].code, 'applied-migration-edited', 'errors first');
      assert.equal(run.code, 1);
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('warnings alone leave the exit code at 0, unless --strict', async () => {
    const baseline = await runCli(['baseline', '--json'], demo, { DRIFT_GUARD_CACHE_DIR: cacheDir });
    assert.equal(baseline.code, 0, baseline.stderr);
    const clean = await check(['--url', url]);
    assert.equal(clean.code, 0, clean.stdout);
    assert.match(clean.stdout, /⚠ Guard rails: 1 warning, 2 notes\n/);
    const strict = await check(['--url', url, '--strict']);
    assert.equal(strict.code, 1);
  });
});
