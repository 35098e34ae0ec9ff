/**
 * The git side of the guard rails against a real repository in a temp folder: committed bytes of a
 * migration folder (line endings as committed), the order migrations were committed in, and the clear
 * errors outside a repository or for a folder never committed.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { committedFolder, GitError, isCommitted, writtenOrder } from '../../../src/core/guards/git';
import { migrationNameFindings } from '../../../src/core/guards/migrationNames';

describe('guard rails: git', function () {
  this.timeout(30_000);
  let repo: string;
  let migrations: string;

  const git = (args: string[], date?: string): void => {
    const env = { ...process.env, ...(date ? { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date } : {}) };
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'core.autocrlf=false', ...args], {
      cwd: repo,
      stdio: 'ignore',
      env,
    });
  };
  const write = async (name: string, content: string): Promise<void> => {
    await fs.mkdir(path.join(migrations, name), { recursive: true });
    await fs.writeFile(path.join(migrations, name, 'migration.sql'), content);
  };

  before(async () => {
    repo = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-git-'));
    migrations = path.join(repo, 'prisma', 'migrations');
    git(['init', '-q']);
    // Committed in the seed's order: fix, then init, then add (their names sort add < fix < init).
    await write('20260214_fix_cascade_constraints', 'ALTER TABLE "a" DROP CONSTRAINT "x";\r\n');
    git(['add', '-A']);
    git(['commit', '-qm', 'fix'], '2026-02-14T10:00:00Z');
    await write('20260214_init_assessment_module', 'CREATE TABLE "assessments" ("id" TEXT);\n');
    git(['add', '-A']);
    git(['commit', '-qm', 'init'], '2026-02-14T16:00:00Z');
    await write('20260214_add_diagnostics_v2_columns', 'ALTER TABLE "assessments" ADD COLUMN "v2" TEXT;\n');
    git(['add', '-A']);
    git(['commit', '-qm', 'add'], '2026-02-15T09:00:00Z');
  });

  after(async () => {
    if (repo) await fs.rm(repo, { recursive: true, force: true });
  });

  it('gives the committed bytes of a migration folder, CRLF kept', async () => {
    const dir = path.join(migrations, '20260214_fix_cascade_constraints');
    await fs.writeFile(path.join(dir, 'migration.sql'), 'edited\n');
    const files = await committedFolder(dir);
    assert.deepEqual(
      files.map((f) => [path.relative(repo, f.path), f.content.toString('utf8')]),
      [
        [
          path.join('prisma', 'migrations', '20260214_fix_cascade_constraints', 'migration.sql'),
          'ALTER TABLE "a" DROP CONSTRAINT "x";\r\n',
        ],
      ],
    );
    await fs.rm(dir, { recursive: true });
    assert.equal((await committedFolder(dir)).length, 1, 'a deleted folder too');
    assert.equal(await isCommitted(path.join(dir, 'migration.sql')), true);
    assert.equal(await isCommitted(path.join(migrations, '20260301_new', 'migration.sql')), false);
  });

  it('says clearly when there is nothing to restore', async () => {
    await write('20260301090000_add_invoices', 'SELECT 1;\n');
    await assert.rejects(
      committedFolder(path.join(migrations, '20260301090000_add_invoices')),
      (e: unknown) => e instanceof GitError && e.code === 'not-committed' && /never committed/.test(e.message),
    );
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-nogit-'));
    // The temp folder may itself be inside a repository (TMPDIR in a clone): git must not look above it.
    const ceiling = process.env.GIT_CEILING_DIRECTORIES;
    process.env.GIT_CEILING_DIRECTORIES = path.dirname(outside);
    try {
      await assert.rejects(
        committedFolder(path.join(outside, 'prisma', 'migrations', 'x')),
        (e: unknown) => e instanceof GitError && e.code === 'not-a-repository',
      );
    } finally {
      if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
      else process.env.GIT_CEILING_DIRECTORIES = ceiling;
      await fs.rm(outside, { recursive: true, force: true });
    }
  });

  it('reads the committed order, which the same-day check compares with the name order', async () => {
    const order = await writtenOrder(migrations);
    assert.deepEqual(order?.names, [
      '20260214_fix_cascade_constraints',
      '20260214_init_assessment_module',
      '20260214_add_diagnostics_v2_columns',
    ]);
    const findings = migrationNameFindings({
      migrations: order.names.map((name) => ({ name })),
      observed: [order],
    });
    const sameDay = findings.filter((f) => f.code === 'migration-same-day-order');
    assert.equal(sameDay.length, 1, 'one finding for the three');
    assert.match(
      sameDay[0].message,
      /they were committed fix_cascade_constraints → init_assessment_module → add_diagnostics_v2_columns/,
    );
  });
});
