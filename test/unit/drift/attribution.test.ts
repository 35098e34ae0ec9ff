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
        { object: 'column', change: 'added', table: 'users', column: 'activatedAt', sql: 'ALTER TABLE "users" ADD COLUMN "activatedAt" TIMESTAMP(3);' },
        { object: 'index', change: 'added', table: 'users', column: 'activation_token', sql: 'CREATE UNIQUE INDEX …' },
        { object: 'foreignKey', change: 'added', table: 'invoices', sql: 'ALTER TABLE "invoices" ADD CONSTRAINT …' },
        { object: 'enum', change: 'added', enum: 'invoice_status', sql: 'CREATE TYPE …' },
        { object: 'enumValue', change: 'added', enum: 'invoice_status', value: 'paid', sql: "ALTER TYPE … ADD VALUE 'paid';" },
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

  it('keeps the migration location of objects the schema no longer has', () => {
    const created = { file: '/p/prisma/migrations/1_init/migration.sql', line: 12, character: 1 };
    const [table, column] = attributeToSchema(
      [
        { object: 'table', change: 'removed', table: 'legacy_reports', sql: 'DROP TABLE "legacy_reports";', location: created },
        { object: 'column', change: 'removed', table: 'users', column: 'old_flag', sql: 'ALTER TABLE "users" DROP COLUMN "old_flag";', location: created },
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
