import * as assert from 'node:assert/strict';
import { blankLiterals } from '../../../src/core/sql/sqlText';
import { type ReviewFinding } from '../../../src/core/review/reviewFindings';
import { narrows, reviewMigrations, type ReviewMigration } from '../../../src/core/review/rules';

/** The history every case builds on: a User table with rows-to-be, a Role enum, a Post table. */
const INIT = `-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'GUEST');

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" VARCHAR(100),
    "age" BIGINT,
    "price" DECIMAL(10,2),
    "role" "Role" NOT NULL DEFAULT 'USER',
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" INTEGER NOT NULL, "title" TEXT NOT NULL);
`;

const applied: ReviewMigration[] = [
  { name: '20260101000000_init', sqlPath: '/p/20260101000000_init/migration.sql', sql: INIT },
];

function review(
  sql: string,
  options: { name?: string; before?: ReviewMigration[]; extraApplied?: ReviewMigration[] } = {},
): ReviewFinding[] {
  const name = options.name ?? '20260301000000_change';
  return reviewMigrations({
    applied: [...applied, ...(options.extraApplied ?? [])],
    pending: [...(options.before ?? []), { name, sqlPath: `/p/${name}/migration.sql`, sql }],
  });
}

/** `rule@line:character` of each finding, in order. */
function brief(findings: readonly ReviewFinding[]): string[] {
  return findings.map((f) => `${f.rule}@${f.line}:${f.character}`);
}

describe('review: rules over pending migrations (no database)', () => {
  const cases: Array<{ title: string; sql: string; expected: string[] }> = [
    { title: 'DROP TABLE of an existing table', sql: 'DROP TABLE "Post";', expected: ['data-loss/drop-table@1:12'] },
    {
      title: 'DROP TABLE of two tables, one per finding',
      sql: 'DROP TABLE IF EXISTS "Post", "User" CASCADE;',
      expected: ['data-loss/drop-table@1:22', 'data-loss/drop-table@1:30'],
    },
    {
      title: "Prisma's DROP COLUMN and ADD COLUMN in one ALTER TABLE",
      sql: '-- AlterTable\nALTER TABLE "User" DROP COLUMN "name",\nADD COLUMN "x" TEXT NOT NULL;',
      expected: ['data-loss/drop-column@2:20', 'existing-rows/required-column@3:1'],
    },
    {
      title: 'a required column with a default is safe',
      sql: `ALTER TABLE "User" ADD COLUMN "x" TEXT NOT NULL DEFAULT 'a';`,
      expected: [],
    },
    {
      title: 'NOT NULL inside a default string is not a constraint',
      sql: `ALTER TABLE "User" ADD COLUMN "x" TEXT DEFAULT 'NOT NULL';`,
      expected: [],
    },
    {
      title: 'a serial column has its own default',
      sql: 'ALTER TABLE "Post" ADD COLUMN "n" SERIAL NOT NULL;',
      expected: [],
    },
    {
      title: 'SET NOT NULL',
      sql: 'ALTER TABLE "User" ALTER COLUMN "name" SET NOT NULL;',
      expected: ['existing-rows/set-not-null@1:20'],
    },
    {
      title: 'a unique index, without CONCURRENTLY',
      sql: 'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");',
      expected: ['existing-rows/unique-index@1:1', 'lock/create-index@1:1'],
    },
    {
      title: 'CREATE INDEX CONCURRENTLY alone in its migration is right',
      sql: 'CREATE INDEX CONCURRENTLY "Post_authorId_idx" ON "Post"("authorId");',
      expected: [],
    },
    {
      title: 'CONCURRENTLY with another statement',
      sql: 'CREATE INDEX CONCURRENTLY "Post_authorId_idx" ON "Post"("authorId");\nALTER TABLE "Post" ADD COLUMN "y" TEXT;',
      expected: ['prisma/concurrently-in-transaction@1:1'],
    },
    {
      title: 'a foreign key without NOT VALID; with NOT VALID it is fine',
      sql: 'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;\nALTER TABLE "Post" ADD CONSTRAINT "b" FOREIGN KEY ("authorId") REFERENCES "User"("id") NOT VALID;',
      expected: ['lock/foreign-key@1:20'],
    },
    {
      title: 'a unique constraint',
      sql: 'ALTER TABLE "User" ADD CONSTRAINT "u" UNIQUE ("email");',
      expected: ['existing-rows/unique-index@1:20'],
    },
    {
      title: 'type narrowing: VARCHAR(100) to VARCHAR(50)',
      sql: 'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE VARCHAR(50);',
      expected: ['data-loss/type-narrowing@1:20'],
    },
    {
      title: 'type narrowing: BIGINT to INTEGER, TEXT to INTEGER',
      sql: 'ALTER TABLE "User" ALTER COLUMN "age" SET DATA TYPE INTEGER,\nALTER COLUMN "email" TYPE INTEGER USING "email"::integer;',
      expected: ['data-loss/type-narrowing@1:20', 'data-loss/type-narrowing@2:1'],
    },
    {
      title: 'widening VARCHAR(100) to TEXT: no rewrite, no finding',
      sql: 'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE TEXT;',
      expected: [],
    },
    {
      title: 'widening INTEGER to BIGINT rewrites the table',
      sql: 'ALTER TABLE "Post" ALTER COLUMN "authorId" SET DATA TYPE BIGINT;',
      expected: ['lock/alter-type@1:20'],
    },
    {
      title: 'a column of unknown type',
      sql: 'ALTER TABLE "Other" ALTER COLUMN "c" TYPE TEXT;',
      expected: ['lock/alter-type@1:21'],
    },
    {
      title: 'TRUNCATE and DELETE without WHERE; DELETE with WHERE is a data migration',
      sql: 'TRUNCATE "Post";\nDELETE FROM "User";\nDELETE FROM "User" WHERE "id" = 1;',
      expected: ['data-loss/delete-rows@1:10', 'data-loss/delete-rows@2:1'],
    },
    {
      title: 'DROP inside strings, dollar bodies and comments is not a statement',
      sql: `-- DROP TABLE "User";\n/* DROP TABLE "Post"; */\nINSERT INTO "Post" ("title") VALUES ('DROP TABLE "User"; DELETE FROM "User"');\nDO $$ BEGIN DROP TABLE "User"; END $$;`,
      expected: [],
    },
    {
      title: 'two statements on one line',
      sql: 'ALTER TABLE "User" DROP COLUMN "age"; DROP TABLE "Post";',
      expected: ['data-loss/drop-column@1:20', 'data-loss/drop-table@1:50'],
    },
    {
      title: 'quoted identifiers with spaces and dots',
      sql: 'ALTER TABLE "public"."User" DROP COLUMN "we;ird.name";',
      expected: ['data-loss/drop-column@1:29'],
    },
    {
      title: "Prisma's enum swap removing a value",
      sql: `-- AlterEnum\nBEGIN;\nCREATE TYPE "Role_new" AS ENUM ('USER', 'ADMIN');\nALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");\nALTER TYPE "Role" RENAME TO "Role_old";\nALTER TYPE "Role_new" RENAME TO "Role";\nDROP TYPE "Role_old";\nCOMMIT;`,
      expected: ['data-loss/enum-value-removed@3:1'],
    },
    { title: 'adding an enum value is safe', sql: `ALTER TYPE "Role" ADD VALUE 'OWNER';`, expected: [] },
    {
      title: 'tables created by the pending migrations are not existing tables',
      sql: 'CREATE TABLE "Tag" ("id" INTEGER NOT NULL);\nALTER TABLE "Tag" ADD COLUMN "x" TEXT NOT NULL;\nCREATE UNIQUE INDEX "Tag_x_key" ON "Tag"("x");\nALTER TABLE "Tag" DROP COLUMN "x";\nDROP TABLE "Tag";',
      expected: [],
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      assert.deepEqual(brief(review(c.sql)), c.expected);
    });
  }

  it('a table created by an earlier pending migration is not existing in a later one', () => {
    const before = [
      {
        name: '20260201000000_tag',
        sqlPath: '/p/t/migration.sql',
        sql: 'CREATE TABLE "Tag" ("id" INTEGER NOT NULL, "name" TEXT);',
      },
    ];
    assert.deepEqual(
      brief(review('ALTER TABLE "Tag" ALTER COLUMN "name" SET NOT NULL;\nDROP TABLE "Tag";', { before })),
      [],
    );
    assert.deepEqual(brief(review('DROP TABLE "Post";', { before })), ['data-loss/drop-table@1:12']);
  });

  it('the applied history is never reviewed', () => {
    const findings = reviewMigrations({
      applied: [...applied, { name: '20260102000000_drop', sqlPath: '/p/d', sql: 'DROP TABLE "Post";' }],
      pending: [],
    });
    assert.deepEqual(findings, []);
  });

  it('a pending migration sorting before an applied one that changed the same table', () => {
    const extraApplied = [
      { name: '20260401000000_later', sqlPath: '/p/l', sql: 'ALTER TABLE "Post" ADD COLUMN "z" TEXT;' },
    ];
    assert.deepEqual(brief(review('ALTER TABLE "Post" ADD COLUMN "w" TEXT;', { extraApplied })), [
      'prisma/out-of-order@1:13',
    ]);
    assert.deepEqual(brief(review('ALTER TABLE "User" ADD COLUMN "w" TEXT;', { extraApplied })), []);
    assert.deepEqual(
      brief(review('ALTER TABLE "Post" ADD COLUMN "w" TEXT;', { extraApplied, name: '20260501000000_after' })),
      [],
    );
  });

  it('findings carry the file, the why, the rewrite, the table and a position in the file', () => {
    const [f] = review('\n\nDROP TABLE "Post";');
    assert.equal(f.file, '/p/20260301000000_change/migration.sql');
    assert.equal(f.migration, '20260301000000_change');
    assert.equal(f.severity, 'error');
    assert.equal(f.table, 'Post');
    assert.match(f.message, /Post/);
    assert.match(f.fix, /Expand\/contract/);
    assert.equal(f.offset, 13);
    assert.equal(f.line, 3);
  });

  describe('waivers', () => {
    it('a waiver naming the rule with a reason waives that statement only', () => {
      const sql =
        '-- drift-guard-ignore data-loss/drop-column: unused since v3\nALTER TABLE "User" DROP COLUMN "age";\nALTER TABLE "User" DROP COLUMN "name";';
      assert.deepEqual(brief(review(sql)), ['data-loss/drop-column@3:20']);
    });
    it("a waiver at the end of the statement's line, and inside it", () => {
      const sql =
        'DROP TABLE "Post"; -- drift-guard-ignore data-loss/drop-table: moved to the archive DB\nALTER TABLE "User"\n  -- drift-guard-ignore data-loss/drop-column: unused\n  DROP COLUMN "age";';
      assert.deepEqual(brief(review(sql)), []);
    });
    it('a waiver of another rule waives nothing', () => {
      assert.deepEqual(brief(review('-- drift-guard-ignore lock/create-index: fine\nDROP TABLE "Post";')), [
        'data-loss/drop-table@2:12',
      ]);
    });
    it('a waiver without a reason is itself a finding and waives nothing', () => {
      assert.deepEqual(brief(review('-- drift-guard-ignore data-loss/drop-table\nDROP TABLE "Post";')), [
        'data-loss/drop-table@2:12',
        'waiver/no-reason@1:4',
      ]);
      assert.deepEqual(brief(review('/* drift-guard-ignore data-loss/drop-table:   */ DROP TABLE "Post";')), [
        'data-loss/drop-table@1:61',
        'waiver/no-reason@1:4',
      ]);
    });
    it('a waiver naming an unknown rule', () => {
      assert.deepEqual(brief(review('-- drift-guard-ignore data-loss/drop-tabel: typo\nDROP TABLE "Post";')), [
        'data-loss/drop-table@2:12',
        'waiver/unknown-rule@1:4',
      ]);
    });
    it('the words in a string are no waiver', () => {
      assert.deepEqual(
        brief(
          review(
            `INSERT INTO "Post" ("title") VALUES ('-- drift-guard-ignore data-loss/drop-table: x');\nDROP TABLE "Post";`,
          ),
        ),
        ['data-loss/drop-table@2:12'],
      );
    });
  });

  describe('mechanical rewrites', () => {
    it('CONCURRENTLY for an index alone in its migration; none when other statements share the transaction', () => {
      const sql = 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");';
      const [f] = review(sql);
      assert.ok(f.edit);
      assert.equal(
        sql.slice(0, f.edit.offset) + f.edit.text + sql.slice(f.edit.offset + f.edit.length),
        'CREATE INDEX CONCURRENTLY "Post_authorId_idx" ON "Post"("authorId");',
      );
      assert.deepEqual(
        review(sql + '\nSELECT 1;').map((x) => x.edit),
        [undefined],
      );
    });
    it("NOT VALID for a foreign key that is its statement's only action", () => {
      const sql = 'ALTER TABLE "Post" ADD CONSTRAINT "f" FOREIGN KEY ("authorId") REFERENCES "User"("id");';
      const [f] = review(sql);
      assert.ok(f.edit);
      assert.equal(
        sql.slice(0, f.edit.offset) + f.edit.text + sql.slice(f.edit.offset),
        'ALTER TABLE "Post" ADD CONSTRAINT "f" FOREIGN KEY ("authorId") REFERENCES "User"("id") NOT VALID;',
      );
      const two = review(
        'ALTER TABLE "Post" ADD COLUMN "q" TEXT, ADD CONSTRAINT "f" FOREIGN KEY ("authorId") REFERENCES "User"("id");',
      );
      assert.deepEqual(
        two.map((x) => [x.rule, x.edit]),
        [['lock/foreign-key', undefined]],
      );
    });
  });

  it('narrowing of types', () => {
    assert.equal(narrows('text', 'varchar(10)'), true);
    assert.equal(narrows('varchar(10)', 'varchar(20)'), false);
    assert.equal(narrows('numeric(10,2)', 'numeric(10,1)'), true);
    assert.equal(narrows('integer', 'bigint'), false);
    assert.equal(narrows('double precision', 'integer'), true);
    assert.equal(narrows('timestamp(3)', 'timestamp(0)'), true);
  });

  it('blankLiterals blanks strings and dollar bodies, keeps identifiers and offsets', () => {
    const code = `SELECT 'a;b', "x'y", $f$ DROP $f$, E'q\\'r' FROM t`;
    const out = blankLiterals(code);
    assert.equal(out.length, code.length);
    assert.equal(out, `SELECT '   ', "x'y", $f$      $f$, E'    ' FROM t`);
  });
});
