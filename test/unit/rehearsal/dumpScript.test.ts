import * as assert from 'node:assert/strict';
import { type CatalogSnapshot, destructiveChanges } from '../../../src/core/rehearsal/catalog';
import { dumpExtensions, parseDump } from '../../../src/core/rehearsal/dumpScript';
import { checkPlainDump, DumpError, libpqEnvironment } from '../../../src/core/rehearsal/dumpSource';
import {
  type RehearsalReport,
  rehearsalExitCode,
  rehearsalMarkdown,
  rehearsalText,
} from '../../../src/core/rehearsal/report';

/** A dump as `docker exec … pg_dump -U nexus_admin nexus_prod` prints it (owners, grants, rows). */
const DUMP = `--
-- PostgreSQL database dump
--

\\restrict AbC123

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: public; Type: SCHEMA; Schema: -; Owner: nexus_admin
--

CREATE SCHEMA public;


ALTER SCHEMA public OWNER TO nexus_admin;

--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

CREATE FUNCTION public.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  -- a line that looks like a COPY header must not start one:
  PERFORM 1;
COPY public.fake FROM stdin;
  RETURN NEW;
END;
$$;

ALTER FUNCTION public.touch() OWNER TO nexus_admin;

CREATE TABLE public.users (
    id text NOT NULL,
    note text
);

ALTER TABLE public.users OWNER TO nexus_admin;

--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: nexus_admin
--

COPY public.users (id, note) FROM stdin;
u1	a; b
u2	\\N
\\.


GRANT ALL ON SCHEMA public TO app_reader;
REVOKE ALL ON TABLE public.users FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE nexus_admin IN SCHEMA public GRANT SELECT ON TABLES TO app_reader;

\\unrestrict AbC123
`;

describe('deploy rehearsal: reading a pg_dump', () => {
  it('keeps SQL and COPY blocks in order, drops meta-commands, skips what a copy cannot reproduce', () => {
    const dump = parseDump(DUMP);
    assert.equal(dump.serverVersion, '15.18 (Debian 15.18-0+deb12u1)');
    assert.equal(dump.dumpVersion, '15.18 (Debian 15.18-0+deb12u1)');
    assert.deepEqual(dump.skipped, { ownership: 3, privileges: 3 });
    const sql = dump.steps.filter((s) => s.kind === 'sql').map((s) => (s.kind === 'sql' ? s.sql : ''));
    assert.ok(sql.includes('CREATE SCHEMA IF NOT EXISTS public;'), 'CREATE SCHEMA public made idempotent');
    assert.ok(
      sql.some((s) => s.startsWith('CREATE FUNCTION public.touch()') && s.includes('COPY public.fake FROM stdin;')),
      'a function body is one statement, its COPY-looking line included',
    );
    assert.ok(
      !sql.some((s) => s.startsWith('--') || s.startsWith('\\')),
      'statements start at their code, not at the comment block above',
    );
    const copy = dump.steps.find((s) => s.kind === 'copy');
    assert.ok(copy && copy.kind === 'copy');
    assert.equal(copy.table, 'public.users');
    assert.equal(copy.columns, '(id, note)');
    assert.equal(copy.rows, 2);
    assert.equal(copy.data, 'u1\ta; b\nu2\t\\N\n');
    assert.equal(dump.dataTables, 1);
    const createTable = dump.steps.find((s) => s.kind === 'sql' && s.sql.startsWith('CREATE TABLE public.users'));
    assert.equal(
      createTable?.line,
      DUMP.split('\n').findIndex((l) => l.startsWith('CREATE TABLE public.users')) + 1,
      'line numbers point into the dump',
    );
    assert.deepEqual(dumpExtensions(dump), ['pgcrypto']);
  });

  it('refuses custom-format archives and output that is not a dump', () => {
    assert.throws(
      () => checkPlainDump('PGDMP\u0001\u000e', 'pg_dump'),
      (e: unknown) => e instanceof DumpError && e.code === 'not-a-dump' && /-Fc/.test(e.message),
    );
    assert.throws(
      () => checkPlainDump('Error: No such container: nexus-postgres-db\n', 'The dump command'),
      /printed no SQL dump \(it printed: Error: No such container/,
    );
    assert.doesNotThrow(() => checkPlainDump(DUMP, 'pg_dump'));
  });

  it('passes the connection to pg_dump in PG* variables, Prisma-only parameters left out', () => {
    assert.deepEqual(
      libpqEnvironment('postgresql://nexus%40admin:p%3Ass@127.0.0.1:41234/nexus_prod?schema=public&sslmode=require'),
      {
        PGHOST: '127.0.0.1',
        PGPORT: '41234',
        PGUSER: 'nexus@admin',
        PGPASSWORD: 'p:ss',
        PGDATABASE: 'nexus_prod',
        PGSSLMODE: 'require',
        PGCONNECT_TIMEOUT: '15',
        PGAPPNAME: 'prisma-drift-guard rehearsal (read-only)',
      },
    );
  });
});

const BEFORE: CatalogSnapshot = {
  tables: ['public.users', 'public.legacy_notes', 'public._prisma_migrations'],
  columns: {
    'public.users': {
      id: { type: 'text', notNull: true, hasDefault: false },
      phone: { type: 'text', notNull: false, hasDefault: false },
      age: { type: 'integer', notNull: false, hasDefault: false },
      nickname: { type: 'text', notNull: false, hasDefault: false },
      role: { type: '"Role"', notNull: true, hasDefault: true },
    },
    'public.legacy_notes': { id: { type: 'integer', notNull: true, hasDefault: false } },
    'public._prisma_migrations': {},
  },
  enums: { 'public.Role': ['ADMIN', 'COACH', 'GUEST'] },
  uniqueIndexes: { 'public.users_pkey': 'public.users' },
};

const MIGRATION = `-- AlterEnum
BEGIN;
CREATE TYPE "Role_new" AS ENUM ('ADMIN', 'COACH');
ALTER TABLE "users" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
ALTER TYPE "Role" RENAME TO "Role_old";
ALTER TYPE "Role_new" RENAME TO "Role";
DROP TYPE "Role_old";
COMMIT;

-- DropTable
DROP TABLE "legacy_notes";

-- AlterTable
ALTER TABLE "users" DROP COLUMN "nickname",
ADD COLUMN     "email" TEXT NOT NULL,
ADD COLUMN     "plan" TEXT NOT NULL DEFAULT 'free',
ALTER COLUMN "phone" SET NOT NULL,
ALTER COLUMN "age" SET DATA TYPE BIGINT;

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

DELETE FROM "users";
`;

const AFTER: CatalogSnapshot = {
  tables: ['public.users', 'public._prisma_migrations'],
  columns: {
    'public.users': {
      id: { type: 'text', notNull: true, hasDefault: false },
      phone: { type: 'text', notNull: true, hasDefault: false },
      age: { type: 'bigint', notNull: false, hasDefault: false },
      role: { type: '"Role"', notNull: true, hasDefault: true },
      email: { type: 'text', notNull: true, hasDefault: false },
      plan: { type: 'text', notNull: true, hasDefault: true },
    },
    'public._prisma_migrations': {},
  },
  enums: { 'public.Role': ['ADMIN', 'COACH'] },
  uniqueIndexes: { 'public.users_pkey': 'public.users', 'public.users_email_key': 'public.users' },
};

describe('deploy rehearsal: destructive changes between two catalogs', () => {
  it('names each destructive change with its line and the real row count', () => {
    const warnings = destructiveChanges(BEFORE, AFTER, MIGRATION, { 'public.users': 1234, 'public.legacy_notes': 0 });
    const byKind = (kind: string): Array<{ message: string; line?: number; column?: string }> =>
      warnings.filter((w) => w.kind === kind);
    const lineOf = (text: string): number => MIGRATION.split('\n').findIndex((l) => l.includes(text)) + 1;
    assert.deepEqual(
      byKind('dropTable').map((w) => [w.message, w.line]),
      [
        [
          'Drops table legacy_notes: its rows are lost (legacy_notes looks empty on the real database).',
          lineOf('DROP TABLE "legacy_notes"'),
        ],
      ],
    );
    assert.deepEqual(
      byKind('dropColumn').map((w) => [w.column, w.line]),
      [['nickname', lineOf('DROP COLUMN "nickname"')]],
    );
    assert.deepEqual(
      byKind('typeChange').map((w) => [w.column, w.line]),
      [['age', lineOf('"age" SET DATA TYPE')]],
    );
    assert.match(byKind('typeChange')[0].message, /from integer to bigint/);
    assert.deepEqual(
      byKind('notNullAdded').map((w) => [w.column, w.line]),
      [['phone', lineOf('"phone" SET NOT NULL')]],
    );
    assert.match(byKind('notNullAdded')[0].message, /users has about 1,234 rows on the real database/);
    assert.deepEqual(
      byKind('requiredColumnAdded').map((w) => [w.column, w.line]),
      [['email', lineOf('ADD COLUMN     "email"')]],
      'plan has a default: fine',
    );
    assert.deepEqual(
      byKind('enumValueRemoved').map((w) => [w.message, w.line]),
      [["Removes 'GUEST' from the enum Role: fails if a row still uses it.", lineOf('CREATE TYPE "Role_new"')]],
    );
    assert.deepEqual(
      byKind('uniqueAdded').map((w) => w.line),
      [lineOf('CREATE UNIQUE INDEX "users_email_key"')],
    );
    assert.deepEqual(
      byKind('rowsDeleted').map((w) => [w.message, w.line]),
      [['Deletes every row of users (users has about 1,234 rows on the real database).', lineOf('DELETE FROM')]],
    );
    assert.equal(byKind('dropEnum').length, 0, "Prisma's enum swap is not a dropped enum");
  });

  it('renames are not drops', () => {
    const before: CatalogSnapshot = {
      tables: ['public.posts'],
      columns: { 'public.posts': { title: { type: 'text', notNull: true, hasDefault: false } } },
      enums: {},
      uniqueIndexes: {},
    };
    const after: CatalogSnapshot = {
      tables: ['public.articles'],
      columns: { 'public.articles': { headline: { type: 'text', notNull: true, hasDefault: false } } },
      enums: {},
      uniqueIndexes: {},
    };
    assert.deepEqual(destructiveChanges(before, after, 'ALTER TABLE "posts" RENAME TO "articles";'), []);
    const renamedColumn: CatalogSnapshot = {
      ...before,
      columns: { 'public.posts': { headline: { type: 'text', notNull: true, hasDefault: false } } },
    };
    assert.deepEqual(
      destructiveChanges(before, renamedColumn, 'ALTER TABLE "posts" RENAME COLUMN "title" TO "headline";'),
      [],
    );
  });
});

describe('deploy rehearsal: report', () => {
  const report: RehearsalReport = {
    target: 'production',
    startedAt: '2026-02-17T09:00:00.000Z',
    source: {
      kind: 'command',
      description: '`docker exec nexus-postgres-db pg_dump -U nexus_admin --schema-only nexus_prod` on 88.99.254.59',
      bytes: 40_000,
      ms: 850,
    },
    copy: {
      engine: 'PostgreSQL 17.5 (PGlite, embedded)',
      realVersion: '15.18',
      loadMs: 500,
      statements: 141,
      skipped: { ownership: 38 },
      dataTables: 0,
      problems: [],
      missingExtensions: [],
    },
    history: { source: 'database', recorded: 10, applied: 10 },
    blockers: [],
    migrations: [
      {
        name: '20260301090000_add_nickname',
        status: 'passed',
        ms: 3.2,
        warnings: [
          {
            kind: 'notNullAdded',
            object: 'public.users',
            column: 'phone',
            message: 'Makes users.phone required (NOT NULL): fails if a row has no value in it.',
            line: 2,
          },
        ],
        sqlPath: '/p/prisma/migrations/20260301090000_add_nickname/migration.sql',
      },
      {
        name: '20260302090000_create_invoices',
        status: 'failed',
        ms: 1.1,
        error: { message: 'relation "invoices" already exists', code: '42P07', line: 2, character: 1 },
        warnings: [],
        sqlPath: '/p/prisma/migrations/20260302090000_create_invoices/migration.sql',
      },
      { name: '20260303090000_after', status: 'notRun', warnings: [] },
    ],
    ok: false,
    warningCount: 1,
    totalMs: 2100,
    notes: [],
  };

  it('exit code: 1 on a failure; warnings only with --strict', () => {
    assert.equal(rehearsalExitCode(report), 1);
    const passed = { ...report, ok: true, migrations: report.migrations.slice(0, 1) };
    assert.equal(rehearsalExitCode(passed), 0);
    assert.equal(rehearsalExitCode(passed, true), 1);
    assert.equal(rehearsalExitCode({ ...passed, warningCount: 0 }, true), 0);
  });

  it('markdown and text name each migration with its result, error location and warnings', () => {
    const relative = (f: string): string => f.replace('/p/', '');
    const md = rehearsalMarkdown(report, relative);
    assert.match(md, /^# Deploy rehearsal on a copy of production/);
    assert.match(md, /\| 2 \| `20260302090000_create_invoices` \| ✗ \*\*failed\*\* \| 1\.1 ms \|/);
    assert.match(
      md,
      /\*\*PostgreSQL error\*\* `42P07` at `prisma\/migrations\/20260302090000_create_invoices\/migration\.sql:2`/,
    );
    assert.match(md, /relation "invoices" already exists/);
    assert.match(md, /Nothing was written to production/);
    const text = rehearsalText(report, relative);
    assert.match(
      text,
      /^Deploy rehearsal on a copy of production: FAILED — 1 of 3 pending migrations passed, 1 failed, 1 warning\./,
    );
    assert.match(
      text,
      /✗ 20260302090000_create_invoices {2}1\.1 ms\n {4}prisma\/migrations\/20260302090000_create_invoices\/migration\.sql:2: relation "invoices" already exists \[42P07\]/,
    );
    assert.match(text, /· 20260303090000_after \(not run\)/);
  });
});
