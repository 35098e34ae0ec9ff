import * as assert from 'node:assert/strict';
import { createdObjects, indexTablesAfter, locateRemovedObjects } from '../../../src/core/drift/creationSites';
import { type DriftItem, parseDiffScript } from '../../../src/core/drift/diffItems';
import { stripSqlComments, truncateIdent } from '../../../src/core/sql/sqlText';

const SCRIPT = `/*
  Warnings:

  - The values [LEGACY] on the enum \`Role\` will be removed. If these variants are still used in the database, this will fail.
  - You are about to drop the column \`coupon_code\` on the \`orders\` table. All the data in the column will be lost.

*/
-- AlterEnum
BEGIN;
CREATE TYPE "Role_new" AS ENUM ('CUSTOMER', 'ADMIN');
ALTER TABLE "users" ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "users" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
ALTER TYPE "Role" RENAME TO "Role_old";
ALTER TYPE "Role_new" RENAME TO "Role";
DROP TYPE "Role_old";
ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'CUSTOMER';
COMMIT;

-- AlterEnum
ALTER TYPE "Status" ADD VALUE 'ARCHIVED';

-- DropForeignKey
ALTER TABLE "orders" DROP CONSTRAINT "orders_user_id_fkey";

-- DropIndex
DROP INDEX "orders_user_id_idx";

-- AlterTable
ALTER TABLE "orders" DROP COLUMN "coupon_code",
ALTER COLUMN "note" SET DATA TYPE VARCHAR(200),
ALTER COLUMN "note" SET NOT NULL;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "activated_at" TIMESTAMP(3),
ADD COLUMN     "activation_token" TEXT,
ADD COLUMN     "label" TEXT NOT NULL DEFAULT 'a, b; c';

-- DropTable
DROP TABLE "legacy_notes";

-- CreateEnum
CREATE TYPE "invoice_status" AS ENUM ('DRAFT', 'PAID');

-- CreateTable
CREATE TABLE "billing"."invoices" (
    "id" TEXT NOT NULL,
    "amount" DECIMAL(10,2) NOT NULL,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "invoices_number_key" ON "billing"."invoices"("number");

-- CreateIndex
CREATE INDEX "users_a_b_idx" ON "users"("a", "b");

-- AddForeignKey
ALTER TABLE "billing"."invoices" ADD CONSTRAINT "invoices_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "tags" DROP CONSTRAINT "tags_pkey",
ADD CONSTRAINT "tags_pkey" PRIMARY KEY ("id", "kind");
`;

describe('drift/diffItems', () => {
  const items = parseDiffScript(SCRIPT);
  const find = (pred: (i: (typeof items)[number]) => boolean) => items.filter(pred);

  it('gives one item per added column of a multi-column ALTER TABLE, with its own SQL', () => {
    const added = find((i) => i.object === 'column' && i.change === 'added' && i.table === 'users');
    assert.deepEqual(
      added.map((i) => i.column),
      ['activated_at', 'activation_token', 'label'],
    );
    assert.equal(added[0].sql, 'ALTER TABLE "users" ADD COLUMN     "activated_at" TIMESTAMP(3);');
    assert.match(added[2].sql, /DEFAULT 'a, b; c';$/);
  });

  it('merges several ALTER COLUMN actions on one column and reports dropped columns', () => {
    const note = find((i) => i.table === 'orders' && i.column === 'note');
    assert.equal(note.length, 1);
    assert.equal(note[0].change, 'altered');
    assert.match(note[0].sql, /SET DATA TYPE VARCHAR\(200\),\nALTER COLUMN "note" SET NOT NULL;/);
    assert.equal(find((i) => i.column === 'coupon_code' && i.change === 'removed').length, 1);
  });

  it('reports enums, enum values (added and removed from the warning), tables, indexes, keys', () => {
    assert.deepEqual(
      find((i) => i.object === 'enumValue').map((i) => [i.enum, i.value, i.change]),
      [
        ['Status', 'ARCHIVED', 'added'],
        ['Role', 'LEGACY', 'removed'],
      ],
    );
    assert.equal(find((i) => i.object === 'enum' && i.enum === 'invoice_status' && i.change === 'added').length, 1);
    const invoices = find((i) => i.object === 'table' && i.table === 'invoices');
    assert.equal(invoices[0].schema, 'billing');
    assert.equal(find((i) => i.object === 'table' && i.table === 'legacy_notes')[0].change, 'removed');
    const unique = find((i) => i.name === 'invoices_number_key')[0];
    assert.deepEqual(
      [unique.object, unique.table, unique.column, unique.schema],
      ['index', 'invoices', 'number', 'billing'],
    );
    assert.equal(find((i) => i.name === 'users_a_b_idx')[0].column, undefined);
    assert.equal(find((i) => i.name === 'orders_user_id_idx')[0].change, 'removed');
    assert.deepEqual(
      find((i) => i.object === 'foreignKey').map((i) => [i.name, i.change]),
      [
        ['orders_user_id_fkey', 'removed'],
        ['invoices_user_id_fkey', 'added'],
      ],
    );
    const pk = find((i) => i.object === 'primaryKey');
    assert.equal(pk.length, 1);
    assert.equal(pk[0].change, 'altered');
  });

  it('gives nothing for an empty script', () => {
    assert.deepEqual(parseDiffScript(''), []);
    assert.deepEqual(parseDiffScript('-- This is an empty migration.\n'), []);
  });
});

describe('drift/creationSites', () => {
  const migration = {
    name: '20240101000000_init',
    sqlPath: '/p/migrations/20240101000000_init/migration.sql',
    sql: `-- CreateTable\nCREATE TABLE "legacy_notes" (\n    "id" SERIAL NOT NULL,\n    "body" TEXT NOT NULL,\n    CONSTRAINT "legacy_notes_pkey" PRIMARY KEY ("id")\n);\n\nDO $$ BEGIN RAISE NOTICE 'ALTER TABLE "x" ADD COLUMN "y" int;'; END $$;\n-- ALTER TABLE "orders" ADD COLUMN "ghost" TEXT;\nALTER TABLE "orders" ADD COLUMN "coupon_code" TEXT;\nCREATE TYPE "Mood" AS ENUM ('HAPPY', 'SAD');\nALTER TYPE "Mood" ADD VALUE 'MEH';\n`,
  };

  it('finds tables, columns, keys, enums and values a migration creates, with 1-based positions', () => {
    const created = createdObjects(migration);
    const at = (pred: (c: (typeof created)[number]) => boolean) => created.find(pred)?.location;
    assert.deepEqual(
      at((c) => c.object === 'table' && c.table === 'legacy_notes'),
      { file: migration.sqlPath, line: 2, character: 1 },
    );
    assert.equal(at((c) => c.object === 'column' && c.column === 'body')?.line, 4);
    assert.equal(at((c) => c.object === 'primaryKey')?.line, 5);
    assert.equal(at((c) => c.column === 'coupon_code')?.line, 10);
    assert.equal(at((c) => c.object === 'enumValue' && c.value === 'SAD')?.line, 11);
    assert.equal(at((c) => c.object === 'enumValue' && c.value === 'MEH')?.line, 12);
    // Commented-out SQL creates nothing.
    assert.equal(
      created.some((c) => c.column === 'ghost'),
      false,
    );
  });

  it('locates removed items on the creating migration line', () => {
    const removed: DriftItem = {
      object: 'table',
      change: 'removed',
      table: 'legacy_notes',
      sql: 'DROP TABLE "legacy_notes";',
    };
    const items = locateRemovedObjects([removed], [migration]);
    assert.deepEqual(items[0].location, { file: migration.sqlPath, line: 2, character: 1 });
  });

  it('blanks comments without moving anything, and leaves strings and dollar bodies alone', () => {
    const sql = "SELECT '--not' /* x\ny */, $$ -- kept $$; -- gone\n";
    const stripped = stripSqlComments(sql);
    assert.equal(stripped.length, sql.length);
    assert.equal(stripped.split('\n').length, sql.split('\n').length);
    assert.match(stripped, /'--not'/);
    assert.match(stripped, /\$\$ -- kept \$\$/);
    assert.doesNotMatch(stripped, /gone/);
  });

  it('knows the table of every index after renames and drops (DROP INDEX / ALTER INDEX … RENAME do not name it)', () => {
    const history = [
      {
        name: '1',
        sqlPath: '/m/1/migration.sql',
        sql: 'CREATE TABLE "User" ("id" SERIAL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");\nCREATE INDEX "gone" ON "User"("id");',
      },
      {
        name: '2',
        sqlPath: '/m/2/migration.sql',
        sql: 'ALTER TABLE "User" RENAME TO "users";\nALTER TABLE "users" RENAME CONSTRAINT "User_pkey" TO "users_pkey";\nALTER INDEX "User_email_key" RENAME TO "users_email_key";\nDROP INDEX "gone";\nALTER TABLE "audit"."log" ADD CONSTRAINT "log_at_key" UNIQUE ("at");',
      },
    ];
    const tables = indexTablesAfter(history);
    assert.deepEqual(Object.fromEntries(tables), {
      users_pkey: { table: 'users' },
      users_email_key: { table: 'users' },
      log_at_key: { table: 'log', schema: 'audit' },
    });
  });

  it('knows indexes by the name PostgreSQL keeps: identifiers longer than 63 bytes are cut', () => {
    // A hand-written migration (as in a real project) names a unique index past 63 bytes; PostgreSQL keeps
    // "Feedback_accountId_sender_ruleId_messageId_eventType_createdAt_" and Prisma's default name differs, so the
    // engine's item is `ALTER INDEX "<cut name>" RENAME TO "…"`: it must still find its table and creating line.
    const long = 'Feedback_accountId_sender_ruleId_messageId_eventType_createdAt_key';
    const cut = long.slice(0, 63);
    const history = [
      {
        name: '1',
        sqlPath: '/m/1/migration.sql',
        sql: `CREATE TABLE "Feedback" ("id" TEXT NOT NULL);\nCREATE UNIQUE INDEX "${long}" ON "Feedback"("accountId");\nCREATE INDEX ${long.toLowerCase()}_plain ON "Feedback"("id");`,
      },
    ];
    assert.deepEqual(Object.fromEntries(indexTablesAfter(history)), {
      [cut]: { table: 'Feedback' },
      [long.toLowerCase().slice(0, 63)]: { table: 'Feedback' },
    });
    const created = createdObjects(history[0]).find((o) => o.object === 'index' && o.name === cut);
    assert.deepEqual([created?.table, created?.location.line], ['Feedback', 2]);
    const removed: DriftItem[] = [
      { object: 'index', change: 'removed', table: 'Feedback', name: cut, sql: `DROP INDEX "${cut}";` },
    ];
    assert.equal(locateRemovedObjects(removed, history)[0].location?.line, 2);
    // Bytes, not characters, and never half a character: 62 ASCII bytes + "é" (2 bytes) keeps 62 bytes.
    assert.equal(truncateIdent(`${'a'.repeat(62)}é_key`), 'a'.repeat(62));
    assert.equal(truncateIdent(`${'a'.repeat(61)}é_key`), `${'a'.repeat(61)}é`);
    assert.equal(truncateIdent('short'), 'short');
  });
});
