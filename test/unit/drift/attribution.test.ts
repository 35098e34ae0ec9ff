import * as assert from 'node:assert/strict';
import { attributeToSchema, databaseName, modelTermsName } from '../../../src/core/drift/attribution';

const schema = {
  path: '/p/prisma/schema.prisma',
  content: `datasource db {
  provider = "postgresql"
}

model User {
  id              String    @id
  activatedAt     DateTime?
  activationToken String?   @unique @map("activation_token")
  invoices        Invoice[]

  @@map("users")
}

enum InvoiceStatus {
  DRAFT
  PAID  @map("paid")

  @@map("invoice_status")
}

model Invoice {
  id     Int    @id
  userId String @map("user_id")
  user   User   @relation(fields: [userId], references: [id])

  @@map("invoices")
}
`,
};

describe('attributeToSchema', () => {
  it('names models, fields and enum values and points at their declarations', () => {
    const items = attributeToSchema(
      [
        { object: 'table', change: 'added', table: 'invoices', sql: 'CREATE TABLE "invoices" …' },
        {
          object: 'column',
          change: 'added',
          table: 'users',
          column: 'activatedAt',
          sql: 'ALTER TABLE "users" ADD COLUMN "activatedAt" TIMESTAMP(3);',
        },
        { object: 'index', change: 'added', table: 'users', column: 'activation_token', sql: 'CREATE UNIQUE INDEX …' },
        { object: 'foreignKey', change: 'added', table: 'invoices', sql: 'ALTER TABLE "invoices" ADD CONSTRAINT …' },
        { object: 'enum', change: 'added', enum: 'invoice_status', sql: 'CREATE TYPE …' },
        {
          object: 'enumValue',
          change: 'added',
          enum: 'invoice_status',
          value: 'paid',
          sql: "ALTER TYPE … ADD VALUE 'paid';",
        },
      ] as const,
      [schema],
    );
    assert.deepEqual(
      items.map((i) => [modelTermsName(i), databaseName(i), i.location?.line, i.location?.character]),
      [
        ['Invoice', 'invoices', 21, 7],
        ['User.activatedAt', 'users.activatedAt', 7, 3],
        ['User.activationToken', 'users.activation_token', 8, 3],
        ['Invoice', 'invoices', 21, 7],
        ['InvoiceStatus', 'invoice_status', 14, 6],
        ['InvoiceStatus.PAID', 'invoice_status.paid', 16, 3],
      ],
    );
  });

  it('points index and key items at their @@index / @@unique / @@id line, not at the model', () => {
    const keys = {
      path: '/p/prisma/keys.prisma',
      content: `model Membership {
  teamId    Int    @map("team_id")
  userId    Int    @map("user_id")
  role      String
  email     String @unique
  createdAt DateTime

  @@id([teamId, userId])
  @@index([role])
  @@unique([role, createdAt], map: "membership_role_created")
  @@index([
    createdAt(sort: Desc),
    role
  ], map: "by_date")
  @@unique([email, role])
  @@map("memberships")
}
`,
    };
    const items = attributeToSchema(
      [
        {
          object: 'primaryKey',
          change: 'added',
          table: 'memberships',
          name: 'memberships_pkey',
          sql: 'ALTER TABLE "memberships" ADD CONSTRAINT "memberships_pkey" PRIMARY KEY ("team_id", "user_id");',
        },
        {
          object: 'index',
          change: 'added',
          table: 'memberships',
          name: 'memberships_role_idx',
          sql: 'CREATE INDEX "memberships_role_idx" ON "memberships"("role");',
        },
        {
          object: 'index',
          change: 'added',
          table: 'memberships',
          name: 'membership_role_created',
          sql: 'CREATE UNIQUE INDEX "membership_role_created" ON "memberships"("role", "createdAt");',
        },
        {
          object: 'index',
          change: 'altered',
          table: 'memberships',
          name: 'by_date',
          sql: 'CREATE INDEX "by_date" ON "memberships"("createdAt" DESC, "role");',
        },
        {
          object: 'index',
          change: 'added',
          table: 'memberships',
          name: 'memberships_email_role_key',
          sql: 'CREATE UNIQUE INDEX "memberships_email_role_key" ON "memberships"("email", "role");',
        },
        {
          object: 'index',
          change: 'added',
          table: 'memberships',
          name: 'memberships_email_key',
          sql: 'CREATE UNIQUE INDEX "memberships_email_key" ON "memberships"("email");',
        },
        // A name the schema does not derive (renamed by hand): found by its columns.
        {
          object: 'index',
          change: 'added',
          table: 'memberships',
          name: 'legacy_name',
          sql: 'CREATE INDEX "legacy_name" ON "memberships" USING BTREE ("role");',
        },
        // Unknown to the schema: the model line.
        {
          object: 'index',
          change: 'added',
          table: 'memberships',
          name: 'other',
          sql: 'CREATE INDEX "other" ON "memberships"("team_id", "role");',
        },
      ] as const,
      [keys],
    );
    assert.deepEqual(
      items.map((i) => [i.name, i.location?.line, i.location?.character]),
      [
        ['memberships_pkey', 8, 3],
        ['memberships_role_idx', 9, 3],
        ['membership_role_created', 10, 3],
        ['by_date', 11, 3],
        ['memberships_email_role_key', 15, 3],
        ['memberships_email_key', 5, 3],
        ['legacy_name', 9, 3],
        ['other', 1, 7],
      ],
    );
  });

  it('points a single-column index the engine gives a column at its @@index line, keeping the field in model terms', () => {
    const keys = {
      path: '/p/prisma/store.prisma',
      content: `model SecretStore {
  key   String @unique
  value Json

  @@index([key(ops: raw("text_pattern_ops"))])
}
`,
    };
    const items = attributeToSchema(
      [
        {
          object: 'index',
          change: 'altered',
          table: 'SecretStore',
          column: 'key',
          name: 'SecretStore_key_idx',
          sql: 'CREATE INDEX "SecretStore_key_idx" ON "SecretStore"("key" text_pattern_ops);',
        },
        {
          object: 'index',
          change: 'added',
          table: 'SecretStore',
          column: 'key',
          name: 'SecretStore_key_key',
          sql: 'CREATE UNIQUE INDEX "SecretStore_key_key" ON "SecretStore"("key");',
        },
      ] as const,
      [keys],
    );
    assert.deepEqual(
      items.map((i) => [i.name, i.field, i.location?.line]),
      [
        ['SecretStore_key_idx', 'key', 5],
        ['SecretStore_key_key', 'key', 2],
      ],
    );
  });

  it('keeps the migration location of objects the schema no longer has', () => {
    const created = { file: '/p/prisma/migrations/1_init/migration.sql', line: 12, character: 1 };
    const [table, column] = attributeToSchema(
      [
        {
          object: 'table',
          change: 'removed',
          table: 'legacy_reports',
          sql: 'DROP TABLE "legacy_reports";',
          location: created,
        },
        {
          object: 'column',
          change: 'removed',
          table: 'users',
          column: 'old_flag',
          sql: 'ALTER TABLE "users" DROP COLUMN "old_flag";',
          location: created,
        },
      ],
      [schema],
    );
    assert.equal(table.model, undefined);
    assert.deepEqual(table.location, created);
    assert.equal(column.model, 'User');
    assert.equal(column.field, undefined);
    assert.deepEqual(column.location, created);
  });
});
