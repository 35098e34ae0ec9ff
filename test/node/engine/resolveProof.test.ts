import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DriftItem } from '../../../src/core/drift/diffItems';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { missingChanges } from '../../../src/core/app/resolveProof';
import { loadProject } from '../../../src/core/project/discovery';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { addMigration, copyFixture, rejectionOf, testCacheDir } from '../../fixtures/engineProjects';

describe('resolve --applied proof: every change, not only what is created (pure)', () => {
  const column = (sql: string, over: Partial<DriftItem> = {}): DriftItem => ({
    object: 'column',
    change: 'altered',
    table: 'posts',
    column: 'title',
    sql,
    ...over,
  });
  const none = { before: [], after: [], database: [] };

  it('an item only in the diff up to the migration is missing; the same item on both sides is other drift', () => {
    const drift = column('ALTER TABLE "authors" DROP COLUMN "nickname"', {
      table: 'authors',
      column: 'nickname',
      change: 'removed',
    });
    const { changes } = missingChanges({
      before: [drift],
      after: [drift, column(`ALTER TABLE "posts" ALTER COLUMN "title" SET DEFAULT 'untitled'`)],
      checks: none,
      schemaFiles: [],
    });
    assert.deepEqual(
      changes.map((c) => c.description),
      ['column posts.title: default differs'],
    );
    // The database differs from both states, differently: the migration touches it.
    const other = missingChanges({
      before: [column(`ALTER TABLE "posts" ALTER COLUMN "title" SET DEFAULT 'a'`)],
      after: [column(`ALTER TABLE "posts" ALTER COLUMN "title" SET DEFAULT 'b'`)],
      checks: none,
      schemaFiles: [],
    });
    assert.equal(other.changes.length, 1);
  });

  it('CHECK constraints from the catalogs: added, changed and dropped by the migration', () => {
    const check = (name: string, definition: string): { table: string; name: string; definition: string } => ({
      table: 'posts',
      name,
      definition,
    });
    const { changes } = missingChanges({
      before: [],
      after: [],
      checks: {
        before: [
          check('kept', 'CHECK (id > 0)'),
          check('changed', 'CHECK (id > 1)'),
          check('dropped', 'CHECK (id < 10)'),
        ],
        after: [check('kept', 'CHECK (id > 0)'), check('changed', 'CHECK (id > 2)'), check('added', 'CHECK (id <> 5)')],
        database: [check('changed', 'CHECK (id > 1)'), check('dropped', 'CHECK (id < 10)')],
      },
      schemaFiles: [],
    });
    assert.deepEqual(
      changes.map((c) => `${c.change} ${c.name}`),
      ['altered changed', 'added added', 'removed dropped'],
    );
  });
});

/** Each kind of change a baseline can make, recorded as applied on a database that lacks it: refused; accepted once it has it. */
describe('resolve --applied proof on PostgreSQL 15', function () {
  this.timeout(300_000);
  let pg: PostgresFixture;
  let session: EngineOperations;
  let counter = 0;
  const cleanup: string[] = [];

  before(async () => {
    pg = await sharedPostgres();
    session = new EngineOperations({ cacheDir: testCacheDir() });
  });
  after(async () => {
    await session.dispose();
    for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
  });

  const CASES: Array<{ kind: string; prep?: string; change: string; expected: RegExp }> = [
    {
      kind: 'column default',
      change: `ALTER TABLE "posts" ALTER COLUMN "title" SET DEFAULT 'untitled';\n`,
      expected: /column posts\.title \(Post\.title\): default differs/,
    },
    {
      kind: 'column type',
      change: 'ALTER TABLE "authors" ALTER COLUMN "name" SET DATA TYPE VARCHAR(200);\n',
      expected: /column authors\.name \(Author\.name\): type differs/,
    },
    {
      kind: 'nullability',
      change: 'ALTER TABLE "posts" ALTER COLUMN "title" DROP NOT NULL;\n',
      expected: /column posts\.title \(Post\.title\): nullability differs/,
    },
    {
      kind: 'CHECK constraint',
      change: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_title_not_blank" CHECK (char_length("title") > 0);\n',
      expected: /check constraint posts_title_not_blank on posts \(CHECK \(\(char_length\(title\) > 0\)\)\) missing/,
    },
    {
      kind: 'enum value set',
      change: `ALTER TYPE "PostStatus" ADD VALUE 'ARCHIVED';\n`,
      expected: /enum value PostStatus\.ARCHIVED .*missing/,
    },
    {
      kind: 'dropped column',
      change: 'ALTER TABLE "posts" DROP COLUMN "title";\n',
      expected: /column posts\.title \(Post\.title\): still present, the migration drops it/,
    },
    {
      kind: 'dropped index',
      prep: 'CREATE INDEX "posts_title_idx" ON "posts"("title");\n',
      change: 'DROP INDEX "posts_title_idx";\n',
      expected: /index posts_title_idx: still present, the migration drops it/,
    },
  ];

  for (const c of CASES) {
    it(`${c.kind}: refused while the database lacks it (nothing written), recorded once it has it`, async () => {
      const dir = copyFixture('blog-multifile');
      cleanup.push(dir);
      let project = await loadProject(dir);
      if (c.prep) project = await addMigration(project, '20250302090000_prep', c.prep);
      const dbName = `resolve_proof_${process.pid}_${counter++}`;
      const url = await pg.createDatabase(dbName);
      await session.deploy(project, url);
      // Drift the migration does not touch must not block the proof.
      await pg.psql('ALTER TABLE "authors" ADD COLUMN "nickname" TEXT;', dbName);
      const name = '20250303090000_baseline';
      project = await addMigration(project, name, c.change);

      const refusal = await rejectionOf(session.resolve(project, url, { applied: name }));
      assert.equal(refusal.code, 'refused', refusal.message);
      assert.match(refusal.message, c.expected);
      assert.equal(
        (await pg.psql(`SELECT count(*) FROM _prisma_migrations WHERE migration_name = '${name}'`, dbName)).trim(),
        '0',
      );

      await pg.psql(fs.readFileSync(path.join(project.migrationsDir, name, 'migration.sql'), 'utf8'), dbName);
      const resolved = await session.resolve(project, url, { applied: name });
      assert.equal(resolved.recorded, true);
      assert.deepEqual(resolved.missingChanges, []);
    });
  }
});
