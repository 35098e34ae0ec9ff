/**
 * The one gathering of guard-rail inputs (core/app/guardRailInputs.ts) in plain Node, with a fake git and a fake
 * file reader: what counts as applied, committed and deleted here, and an input that cannot be read becoming a
 * `guard-input-unavailable` warning instead of a rule that silently did not run.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import {
  deletedAppliedMigrations,
  gatherGuardRailInputs,
  type GuardRailGit,
  guardRailFindings,
  type GuardRailHistory,
} from '../../../src/core/app/guardRailInputs';
import { GitError } from '../../../src/core/guards/git';

const DIR = path.join(path.sep, 'p', 'prisma', 'migrations');
const INIT = '20260101000000_init';
const USERS = '20260102000000_add_users';
const ORDERS = '20260103000000_add_orders';
const INIT_SQL = 'CREATE TABLE "a" ("id" INT);\n';
const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
const USERS_SQL = 'CREATE TABLE "users" ("id" INT);\n';

const folder = (name: string, hasSql = true): { name: string; dir: string; sqlPath: string; hasSql: boolean } => ({
  name,
  dir: path.join(DIR, name),
  sqlPath: path.join(DIR, name, 'migration.sql'),
  hasSql,
});

/** INIT and USERS local; ORDERS applied on staging but gone from the folder. */
const project = { migrationsDir: DIR, migrations: [folder(INIT), folder(USERS)] };
const files = new Map([
  [folder(INIT).sqlPath, INIT_SQL],
  [folder(USERS).sqlPath, USERS_SQL],
]);
const readFile = (file: string): Promise<string> => {
  const content = files.get(file);
  return content === undefined
    ? Promise.reject(Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' }))
    : Promise.resolve(content);
};

const histories: GuardRailHistory[] = [
  {
    environment: 'staging',
    kind: 'staging',
    migrations: [
      { name: INIT, state: 'applied', appliedAt: '2026-01-01T00:00:00Z', checksum: sha256Hex(INIT_SQL) },
      // A stale history (read before the deletion) still says "applied": the folder's absence is what counts.
      { name: ORDERS, state: 'applied', appliedAt: '2026-01-03T00:00:00Z' },
      // Never finished: not applied, so not "deleted" either.
      { name: '20260104000000_half', state: 'failed' },
    ],
  },
];

/** A git that tracks the folder and has ORDERS in HEAD; `fail` makes the named questions reject. */
function fakeGit(
  fail: Partial<Record<keyof GuardRailGit, string>> = {},
  committed = new Set([path.join(DIR, ORDERS, 'migration.sql')]),
): GuardRailGit & { asked: string[] } {
  const asked: string[] = [];
  const answer = <T>(question: keyof GuardRailGit, value: T): Promise<T> => {
    asked.push(question);
    return fail[question] ? Promise.reject(new GitError('failed', fail[question])) : Promise.resolve(value);
  };
  return {
    asked,
    writtenOrder: () =>
      answer('writtenOrder', { kind: 'written' as const, names: [USERS, INIT], times: { [USERS]: 1, [INIT]: 2 } }),
    addingCommits: () => answer('addingCommits', new Map([[USERS, { hash: 'abc', message: 'wip' }]])),
    hasCommittedFiles: () => answer('hasCommittedFiles', true),
    isCommitted: (file) => answer('isCommitted', committed.has(file)),
  };
}

describe('guard-rail inputs (core/app)', () => {
  it('gathers the SQL, the committed order, the adding commits and the deleted applied migrations', async () => {
    const git = fakeGit();
    const inputs = await gatherGuardRailInputs(project, histories, { git, readFile });
    assert.deepEqual(inputs.problems, []);
    assert.deepEqual(
      inputs.input.migrations.map((m) => [m.name, m.sql]),
      [
        [INIT, INIT_SQL],
        [USERS, USERS_SQL],
      ],
    );
    assert.deepEqual(inputs.input.written?.names, [USERS, INIT]);
    assert.equal(inputs.input.commits?.get(USERS)?.message, 'wip');
    assert.deepEqual(inputs.input.deleted, [ORDERS], 'applied on staging, gone here, in git HEAD: deleted here');
    const findings = guardRailFindings(inputs);
    assert.ok(
      findings.some((f) => f.code === 'applied-migration-deleted' && f.migration === ORDERS && f.severity === 'error'),
    );
    assert.ok(!findings.some((f) => f.code === 'guard-input-unavailable'));
  });

  it('deleted: git HEAD decides when it tracks the folder; the database record when it does not; the session when it saw it', async () => {
    const notInHead = fakeGit({}, new Set());
    assert.deepEqual(
      (await gatherGuardRailInputs(project, histories, { git: notInHead, readFile })).input.deleted,
      [],
      'a colleague’s migration, never here',
    );
    assert.deepEqual(
      (await gatherGuardRailInputs(project, histories, { git: notInHead, readFile, seen: new Set([ORDERS]) })).input
        .deleted,
      [ORDERS],
      'seen in the folder earlier',
    );
    const untracked: GuardRailGit = { ...notInHead, hasCommittedFiles: () => Promise.resolve(false) };
    assert.deepEqual(
      (await gatherGuardRailInputs(project, histories, { git: untracked, readFile })).input.deleted,
      [ORDERS],
      'outside git: the database record',
    );
  });

  it('a failing git is a warning naming the rule it could not run, and the other rules still run', async () => {
    const git = fakeGit({
      writtenOrder: 'git log failed: fatal: bad object HEAD',
      addingCommits: 'git log failed: fatal: bad object HEAD',
    });
    const inputs = await gatherGuardRailInputs(project, histories, { git, readFile });
    assert.deepEqual(
      inputs.problems.map((p) => p.input),
      ['committed-order', 'adding-commits'],
    );
    assert.equal(inputs.input.written, undefined);
    assert.deepEqual(inputs.input.deleted, [ORDERS], 'the deleted rule asked git on its own and got an answer');
    const warnings = guardRailFindings(inputs).filter((f) => f.code === 'guard-input-unavailable');
    assert.equal(warnings.length, 2);
    for (const w of warnings) {
      assert.equal(w.severity, 'warning');
      assert.equal(w.migration, '', 'about the whole folder');
    }
    assert.match(
      warnings.map((w) => w.message).join('\n'),
      /git could not be read \(git log failed: fatal: bad object HEAD\): the order same-day migrations were committed in could not be checked\./,
    );
    assert.match(
      warnings.map((w) => w.message).join('\n'),
      /the commit messages that added the migrations \(rule 4\) could not be checked\./,
    );
  });

  it('git failing on the deleted rule: the database record stands in for an unanswered folder, an unanswered HEAD copy is said', async () => {
    const noTree = await deletedAppliedMigrations(
      DIR,
      [{ environment: 'staging', migrations: [{ name: ORDERS, state: 'missingLocally', appliedAt: 'x' }] }],
      { git: fakeGit({ hasCommittedFiles: 'git ls-tree failed: boom' }) },
    );
    assert.deepEqual(noTree.deleted, [ORDERS], 'as outside git: the database record');
    assert.equal(noTree.problems.length, 1);
    assert.match(
      noTree.problems[0].message,
      /^git could not be read \(git ls-tree failed: boom\): whether applied migrations were deleted here could not be fully checked\.$/,
    );
    const noHead = await deletedAppliedMigrations(
      DIR,
      [{ environment: 'staging', migrations: [{ name: ORDERS, state: 'missingLocally', appliedAt: 'x' }] }],
      { git: fakeGit({ isCommitted: 'git cat-file failed' }) },
    );
    assert.deepEqual(noHead.deleted, []);
    assert.equal(noHead.problems.length, 1, 'said, not dropped');
    const none = await deletedAppliedMigrations(
      DIR,
      [{ environment: 'staging', migrations: [{ name: INIT, state: 'applied', appliedAt: 'x' }] }],
      { git: fakeGit({ hasCommittedFiles: 'never asked' }) },
    );
    assert.deepEqual(none, { deleted: [], problems: [] }, 'nothing missing: git is not asked');
  });

  it('an unreadable migration.sql is a warning on that migration; one deleted since the listing is not', async () => {
    const denied = (file: string): Promise<string> =>
      file === folder(INIT).sqlPath
        ? Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))
        : readFile(file);
    const inputs = await gatherGuardRailInputs(
      { migrationsDir: DIR, migrations: [folder(INIT), folder(USERS), folder('20260105000000_just_deleted')] },
      histories,
      { git: fakeGit(), readFile: denied },
    );
    assert.deepEqual(inputs.problems, [
      {
        input: 'migration-sql',
        migration: INIT,
        message: `${INIT}/migration.sql could not be read (EACCES: permission denied): whether it was edited after being applied could not be checked.`,
      },
    ]);
    assert.equal(inputs.input.migrations[0].sql, undefined);
    const warning = guardRailFindings(inputs).find((f) => f.code === 'guard-input-unavailable');
    assert.equal(warning?.migration, INIT);
  });
});
