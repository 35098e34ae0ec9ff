import * as assert from 'node:assert/strict';
import { prepareSchema } from '../../../src/core/engine/projectInput';

describe('engine/projectInput', () => {
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
      () => prepareSchema([{ path: '/p/schema.prisma', content: 'datasource db {\n  provider = "mysql"\n  url = env("X")\n}\n' }]),
      (error: Error & { code?: string; location?: { line: number } }) => error.code === 'unsupported-provider' && /"mysql": only PostgreSQL/.test(error.message) && error.location?.line === 2,
    );
    assert.throws(() => prepareSchema([{ path: '/p/a.prisma', content: 'model A {\n  id Int @id\n}\n' }]), /no datasource block/);
  });
});
