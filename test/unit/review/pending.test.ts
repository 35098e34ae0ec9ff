import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pendingFromGit, pendingFromRecords, readLocalMigrations } from '../../../src/core/review/pending';
import { type ReviewMigration } from '../../../src/core/review/rules';
import { type MigrationRecord } from '../../../src/core/history/status';
import { migrationChecksum } from '../../../src/core/history/checksums';

/** A real git repository in a temp folder with a Prisma migrations folder. */
class Repo {
  constructor(readonly root: string) {}
  get migrations(): string {
    return path.join(this.root, 'prisma', 'migrations');
  }
  git(...args: string[]): string {
    return execFileSync(
      'git',
      ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args],
      { cwd: this.root, encoding: 'utf8' },
    );
  }
  async add(name: string, sql = 'SELECT 1;'): Promise<void> {
    await fs.mkdir(path.join(this.migrations, name), { recursive: true });
    await fs.writeFile(path.join(this.migrations, name, 'migration.sql'), sql);
  }
  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-qm', message);
  }
  async local(): Promise<ReviewMigration[]> {
    const names = (await fs.readdir(this.migrations)).sort();
    return readLocalMigrations(
      names.map((name) => ({
        name,
        dir: path.join(this.migrations, name),
        sqlPath: path.join(this.migrations, name, 'migration.sql'),
        hasSql: true,
      })),
    );
  }
}

const names = (list: readonly ReviewMigration[]): string[] => list.map((m) => m.name);

describe('review: which migrations are pending', function () {
  this.timeout(60_000);
  const made: string[] = [];
  async function repo(init = true): Promise<Repo> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-review-'));
    made.push(root);
    const r = new Repo(root);
    if (init) r.git('init', '-q');
    return r;
  }
  // Temp folders may sit inside another work tree (TMPDIR under a clone): git must not look above them.
  const ceiling = process.env.GIT_CEILING_DIRECTORIES;
  before(() => {
    process.env.GIT_CEILING_DIRECTORIES = os.tmpdir();
  });
  after(async () => {
    if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
    else process.env.GIT_CEILING_DIRECTORIES = ceiling;
    for (const dir of made) await fs.rm(dir, { recursive: true, force: true });
  });

  it('on a feature branch: the migrations main does not have, committed or not', async () => {
    const r = await repo();
    await r.add('20260101000000_init');
    r.commit('init');
    r.git('checkout', '-qb', 'feature');
    await r.add('20260201000000_feature');
    r.commit('feature');
    await r.add('20260202000000_wip');
    const split = await pendingFromGit(r.migrations, await r.local());
    assert.deepEqual(names(split.pending), ['20260201000000_feature', '20260202000000_wip']);
    assert.deepEqual(names(split.applied), ['20260101000000_init']);
    assert.equal(split.basis, 'not in main');
  });

  it('prefers origin/main to main, and takes master when there is no main', async () => {
    const upstream = await repo();
    await upstream.add('20260101000000_init');
    upstream.commit('init');
    await upstream.add('20260102000000_merged');
    upstream.commit('merged upstream');
    const clone = new Repo(await fs.mkdtemp(path.join(os.tmpdir(), 'dg-review-clone-')));
    made.push(clone.root);
    execFileSync('git', ['clone', '-q', upstream.root, clone.root]);
    // The local main is behind origin/main: the merged migration is not pending.
    clone.git('reset', '-q', '--hard', 'HEAD~1');
    clone.git('checkout', '-qb', 'feature');
    await clone.add('20260102000000_merged');
    await clone.add('20260103000000_mine');
    const split = await pendingFromGit(clone.migrations, await clone.local());
    assert.equal(split.basis, 'not in origin/main');
    assert.deepEqual(names(split.pending), ['20260103000000_mine']);

    const old = await repo(false);
    old.git('init', '-q', '--initial-branch=master');
    await old.add('20260101000000_init');
    old.commit('init');
    await old.add('20260105000000_new');
    const onMaster = await pendingFromGit(old.migrations, await old.local());
    assert.equal(onMaster.basis, 'not in master');
    assert.deepEqual(names(onMaster.pending), ['20260105000000_new']);
  });

  it('without a main branch: the migrations newer than the last one committed', async () => {
    const r = await repo(false);
    r.git('init', '-q', '--initial-branch=trunk');
    await r.add('20260101000000_init');
    await r.add('20260110000000_second');
    r.commit('two');
    await r.add('20260105000000_older_uncommitted');
    await r.add('20260111000000_new');
    const split = await pendingFromGit(r.migrations, await r.local());
    assert.deepEqual(names(split.pending), ['20260111000000_new']);
    assert.match(split.basis, /20260110000000_second/);
  });

  it('outside git, or with no commit and no main branch: a clear error', async () => {
    const r = await repo(false);
    await r.add('20260101000000_init');
    await assert.rejects(
      pendingFromGit(r.migrations, await r.local()),
      (e: Error & { code?: string }) => e.code === 'not-a-repository' && /--url or --env/.test(e.message),
    );
    r.git('init', '-q', '--initial-branch=trunk');
    await assert.rejects(
      pendingFromGit(r.migrations, await r.local()),
      (e: Error & { code?: string }) => e.code === 'no-commit',
    );
  });

  it('with a database: not applied by its _prisma_migrations, or rolled back', () => {
    const local: ReviewMigration[] = ['a_1', 'b_2', 'c_3', 'd_4'].map((name) => ({
      name,
      sqlPath: `/m/${name}/migration.sql`,
      sql: `-- ${name}`,
    }));
    const record = (name: string, rolledBack = false): MigrationRecord => ({
      id: name,
      checksum: migrationChecksum(`-- ${name}`),
      migrationName: name,
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:01Z',
      rolledBackAt: rolledBack ? '2026-01-02T00:00:00Z' : null,
      logs: null,
      appliedStepsCount: 1,
    });
    const split = pendingFromRecords(local, [record('a_1'), record('c_3', true)], 'prod');
    assert.deepEqual(names(split.pending), ['b_2', 'c_3', 'd_4']);
    assert.deepEqual(names(split.applied), ['a_1']);
    assert.equal(split.basis, 'not applied on prod');
    assert.deepEqual(names(pendingFromRecords(local, undefined, 'x').pending), ['a_1', 'b_2', 'c_3', 'd_4']);
  });
});
