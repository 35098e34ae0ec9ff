import * as assert from 'node:assert/strict';
import {
  SchemaIndex,
  firstStringArg,
  parseAttributes,
  scanSchema,
  schemaBlockSpans,
  schemaConfigText,
} from '../../../src/core/project/schemaScanner';

const SCHEMA = `// Nexus schema
generator client {
  provider = "prisma-client-js"
}

datasource db {
  provider  = "postgresql"
  url       = env("DATABASE_URL")
  directUrl = env("DIRECT_URL") // pooled vs direct
}

/// A user of the platform
model User {
  id              String    @id @default(cuid())
  email           String    @unique
  activatedAt     DateTime?
  activationToken String?   @unique @map("activation_token")
  invoices        Invoice[]
  note            String    @default("a // not a comment; {x}")
  search          Unsupported("tsvector")?

  @@index([email,
          activatedAt])
  @@map("users")
}

enum InvoiceStatus {
  DRAFT
  PAID     @map("paid")
  @@map("invoice_status")
}

model Invoice {
  id     Int @id
  userId String @map("user_id")
  user   User @relation(fields: [userId], references: [id], onDelete: Cascade)
  @@map(name: "invoices")
  @@schema("billing")
}
`;

describe('schemaScanner', () => {
  const scanned = scanSchema('/p/schema.prisma', SCHEMA);
  const byName = (n: string) => scanned.blocks.find((b) => b.name === n)!;

  it('finds every block with its kind, name position and closing line', () => {
    assert.deepEqual(
      scanned.blocks.map((b) => `${b.kind} ${b.name}`),
      ['generator client', 'datasource db', 'model User', 'enum InvoiceStatus', 'model Invoice'],
    );
    const user = byName('User');
    assert.deepEqual(user.location, { file: '/p/schema.prisma', line: 13, character: 7 });
    assert.equal(user.start.line, 13);
    assert.equal(user.endLine, 25);
    assert.equal(scanned.warnings.length, 0, JSON.stringify(scanned.warnings));
  });

  it('reads @@map, @map and @@schema names', () => {
    assert.equal(byName('User').dbName, 'users');
    assert.equal(byName('Invoice').dbName, 'invoices');
    assert.equal(byName('Invoice').dbSchema, 'billing');
    assert.equal(byName('InvoiceStatus').dbName, 'invoice_status');
    const token = byName('User').members.find((m) => m.name === 'activationToken')!;
    assert.equal(token.dbName, 'activation_token');
    assert.deepEqual(token.location, { file: '/p/schema.prisma', line: 17, character: 3 });
    assert.equal(token.optional, true);
    const paid = byName('InvoiceStatus').members.find((m) => m.name === 'PAID')!;
    assert.equal(paid.dbName, 'paid');
    assert.equal(paid.location.line, 29);
  });

  it('keeps strings with // and braces inside a field, and multi-line block attributes', () => {
    const user = byName('User');
    assert.deepEqual(
      user.members.map((m) => m.name),
      ['id', 'email', 'activatedAt', 'activationToken', 'invoices', 'note', 'search'],
    );
    assert.equal(user.members.find((m) => m.name === 'search')!.typeName, 'Unsupported("tsvector")');
    assert.equal(user.members.find((m) => m.name === 'invoices')!.list, true);
    assert.deepEqual(
      user.blockAttributes.map((a) => a.name),
      ['index', 'map'],
    );
  });

  it('reads datasource assignments with value positions', () => {
    const ds = byName('db');
    assert.deepEqual(
      ds.assignments.map((a) => [a.key, a.value]),
      [
        ['provider', '"postgresql"'],
        ['url', 'env("DATABASE_URL")'],
        ['directUrl', 'env("DIRECT_URL")'],
      ],
    );
    assert.deepEqual(ds.assignments[1].valueLocation, { file: '/p/schema.prisma', line: 8, character: 15 });
  });

  it('maps tables and columns back to models and fields, skipping relation fields', () => {
    const index = new SchemaIndex([scanned]);
    const user = index.modelForTable('users')!;
    assert.equal(user.name, 'User');
    assert.equal(index.fieldForColumn(user, 'activation_token')!.name, 'activationToken');
    assert.equal(index.fieldForColumn(user, 'invoices'), undefined);
    assert.equal(index.enumForType('invoice_status')!.name, 'InvoiceStatus');
    assert.equal(index.modelForTable('nope'), undefined);
  });

  it('survives CRLF line endings and unclosed blocks with a warning', () => {
    const crlf = scanSchema('/p/a.prisma', 'model A {\r\n  id Int @id\r\n}\r\nmodel B {\r\n  id Int @id\r\n');
    assert.deepEqual(
      crlf.blocks.map((b) => [b.name, b.closed, b.members.map((m) => m.location.line)]),
      [
        ['A', true, [2]],
        ['B', false, [5]],
      ],
    );
    assert.match(crlf.warnings[0].message, /not closed/);
  });

  it('parses attribute arguments', () => {
    assert.deepEqual(parseAttributes('@id @default(dbgenerated("gen_random_uuid()")) @map("x")', '@'), [
      { name: 'id' },
      { name: 'default', args: 'dbgenerated("gen_random_uuid()")' },
      { name: 'map', args: '"x"' },
    ]);
    assert.equal(firstStringArg('name: "a\\"b"'), 'a"b');
    assert.equal(firstStringArg('fields: [a]'), undefined);
  });

  it('gives each block its offsets in the text (brace on the next line, comments, CRLF, braces in strings)', () => {
    const text = [
      '// model Commented {',
      'generator client {',
      '  provider = "prisma-client-js" // }',
      '}',
      'model Post',
      '{',
      '  title String @default("{ }")',
      '}',
      'enum Role { A B }',
    ].join('\r\n');
    const spans = schemaBlockSpans(text);
    assert.deepEqual(
      spans.map((s) => [s.block.kind, s.block.name, text.slice(s.start, s.end).replace(/\r\n/g, '|')]),
      [
        ['generator', 'client', 'generator client {|  provider = "prisma-client-js" // }|}'],
        ['model', 'Post', 'model Post|{|  title String @default("{ }")|}'],
        ['enum', 'Role', 'enum Role { A B }'],
      ],
    );
    assert.deepEqual(
      schemaBlockSpans(text, ['model']).map((s) => s.block.name),
      ['Post'],
    );
    assert.equal(
      schemaConfigText('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id Int @id\n}\n'),
      'datasource db {\n  provider = "postgresql"\n}',
    );
    const unclosed = 'model A {\n  id Int @id\n';
    assert.equal(schemaBlockSpans(unclosed)[0].end, unclosed.length);
  });
});
