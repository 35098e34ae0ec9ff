import * as assert from 'node:assert/strict';
import { prepareSchema, withoutViewKeys } from '../../../src/core/engine/projectInput';

describe('engine/projectInput', () => {
  it('blanks @id, @@id and @@index in view blocks only (Prisma 5 views), keeping every line and column', () => {
    const schema = [
      'model Trace {',
      '  id String @id @default(cuid())',
      '  @@index([id])',
      '}',
      'view TraceView {',
      '  id   String @id @default(cuid()) // @id in a comment stays',
      '  name String @default("@id") @unique',
      '  tags String[] @default([])',
      '  @@id([id, name], map: "x(y)")',
      '  @@index([tags(ops: ArrayOps)], type: Gin)',
      '}',
      'view Identity {',
      '  identifier String @unique',
      '}',
    ].join('\n');
    const out = withoutViewKeys(schema);
    assert.equal(out.length, schema.length);
    const lines = out.split('\n');
    assert.equal(lines.length, 14);
    assert.deepEqual(lines.slice(0, 4), schema.split('\n').slice(0, 4));
    assert.equal(lines[5], '  id   String     @default(cuid()) // @id in a comment stays');
    assert.equal(lines[6], '  name String @default("@id") @unique');
    assert.equal(lines[8].trim(), '');
    assert.equal(lines[9].trim(), '');
    assert.equal(lines[12], '  identifier String @unique');
    assert.equal(
      prepareSchema([
        { path: 'schema.prisma', content: `datasource db {\n  provider = "postgresql"\n}\n${schema}` },
      ]).files[0].content.split('\n')[8],
      lines[5],
    );
  });

  it('blanks url / directUrl / shadowDatabaseUrl lines and keeps every line number', () => {
    const content = [
      'datasource db {',
      '  provider          = "postgresql"',
      '  url               = env("DATABASE_URL")',
      '  directUrl         = env("DIRECT_URL")',
      '  shadowDatabaseUrl = env("SHADOW_URL") // for migrate dev',
      '}',
      '',
      'model User {',
      '  id  Int    @id',
      '  url String // a field called url stays',
      '}',
    ].join('\r\n');
    const { files, provider } = prepareSchema([{ path: '/p/schema.prisma', content }]);
    assert.equal(provider, 'postgresql');
    const lines = files[0].content.split('\n');
    assert.equal(lines.length, content.split('\n').length);
    assert.equal(lines[2].trim(), '');
    assert.equal(lines[3].trim(), '');
    assert.equal(lines[4].trim(), '');
    assert.match(lines[9], /url String/);
    assert.match(lines[1], /provider/);
  });

  it('refuses other providers with the provider location, and schemas without a datasource', () => {
    assert.throws(
      () =>
        prepareSchema([
          { path: '/p/schema.prisma', content: 'datasource db {\n  provider = "mysql"\n  url = env("X")\n}\n' },
        ]),
      (error: Error & { code?: string; location?: { line: number } }) =>
        error.code === 'unsupported-provider' &&
        /"mysql": only PostgreSQL/.test(error.message) &&
        error.location?.line === 2,
    );
    assert.throws(
      () => prepareSchema([{ path: '/p/a.prisma', content: 'model A {\n  id Int @id\n}\n' }]),
      /no datasource block/,
    );
  });

  it('reads the datasource with the schema scanner: a commented-out one does not count, a url in a model stays', () => {
    assert.throws(
      () =>
        prepareSchema([
          {
            path: '/p/a.prisma',
            content: '// datasource db {\n//   provider = "postgresql"\n// }\nmodel A {\n  id Int @id\n}\n',
          },
        ]),
      /no datasource block/,
    );
    const content =
      'model A {\n  id  Int    @id\n  url String\n}\ndatasource db {\n  url      = env("X")\n  provider = "postgresql"\n}\n';
    const { files, providerLocation } = prepareSchema([{ path: '/p/a.prisma', content }]);
    assert.deepEqual(files[0].content.split('\n').slice(2, 7), [
      '  url String',
      '}',
      'datasource db {',
      '',
      '  provider = "postgresql"',
    ]);
    assert.deepEqual(providerLocation, { file: '/p/a.prisma', line: 7, character: 3 });
  });
});
