import * as assert from 'node:assert/strict';
import { expandEnv, parseEnvFile } from '../../../src/core/project/envFile';
import { parsePrismaConfig } from '../../../src/core/project/prismaConfig';

describe('envFile', () => {
  it('parses quotes, export, comments, multi-line values and line numbers', () => {
    const entries = parseEnvFile(
      [
        '# comment',
        'DATABASE_URL="postgresql://a:b@h:5432/db?schema=public" # trailing',
        'export DIRECT_URL=postgresql://x@y/z',
        "SINGLE='it''s'",
        '',
        'MULTI="line1',
        'line2"',
        'EMPTY=',
        'ESCAPED="a\\nb"',
      ].join('\r\n'),
    );
    const get = (k: string) => entries.find((e) => e.key === k);
    assert.equal(get('DATABASE_URL')!.value, 'postgresql://a:b@h:5432/db?schema=public');
    assert.equal(get('DATABASE_URL')!.line, 2);
    assert.equal(get('DIRECT_URL')!.value, 'postgresql://x@y/z');
    assert.equal(get('DIRECT_URL')!.line, 3);
    assert.equal(get('MULTI')!.value, 'line1\nline2');
    assert.equal(get('MULTI')!.line, 6);
    assert.equal(get('EMPTY')!.value, '');
    assert.equal(get('ESCAPED')!.value, 'a\nb');
  });

  it('follows dotenv where it differs from our former parser: a repeated key keeps its last value', () => {
    // Prisma loads .env with dotenv, so the last assignment is the one its commands see.
    const entries = parseEnvFile('A=1\nB=2\nA=3\n');
    assert.deepEqual(entries, [
      { key: 'B', value: '2', line: 2 },
      { key: 'A', value: '3', line: 3 },
    ]);
  });

  it('expands ${VAR} from the process env first, then the file, with defaults', () => {
    const out = expandEnv(
      { HOST: 'db', URL: 'postgresql://${USER}@${HOST}:${PORT:-5432}/app', LIT: '\\$HOME' },
      { USER: 'me' },
    );
    assert.equal(out.URL, 'postgresql://me@db:5432/app');
    assert.equal(out.LIT, '$HOME');
  });
});

describe('prismaConfig', () => {
  it('reads the Prisma 7 shape with env() and path.join', () => {
    const text = `import 'dotenv/config'
import path from 'node:path'
import { defineConfig, env } from 'prisma/config'

// schema: 'wrong/place.prisma'
export default defineConfig({
  schema: path.join('db', 'schema.prisma'),
  migrations: {
    path: 'db/migrations', /* seed: 'x' */
    seed: 'tsx db/seed.ts',
  },
  datasource: {
    url: env('DATABASE_URL'),
    shadowDatabaseUrl: process.env.SHADOW_URL ?? "postgresql://localhost/shadow",
  },
})
`;
    const c = parsePrismaConfig('/p/prisma.config.ts', text);
    assert.equal(c.problem, undefined);
    assert.equal(c.loadsDotenv, true);
    assert.deepEqual(c.schema && c.schema.kind === 'string' ? c.schema.value : undefined, 'db/schema.prisma');
    assert.deepEqual(
      c.migrationsPath && c.migrationsPath.kind === 'string' ? c.migrationsPath.value : undefined,
      'db/migrations',
    );
    assert.equal(c.url?.kind, 'env');
    assert.equal(c.url?.kind === 'env' ? c.url.variable : '', 'DATABASE_URL');
    assert.deepEqual(c.positionOf(c.url.offset), { line: 13, character: 10 });
    assert.equal(
      c.shadowDatabaseUrl?.kind === 'env' ? c.shadowDatabaseUrl.fallback : '',
      'postgresql://localhost/shadow',
    );
  });

  it('follows a named config object and reports computed values as expressions', () => {
    const c = parsePrismaConfig(
      '/p/prisma.config.ts',
      `import type { PrismaConfig } from 'prisma'
const schemaDir = "prisma/schema"
const config = { schema: schemaDir, migrations: { path: getPath() } } satisfies PrismaConfig
export default config
`,
    );
    assert.equal(c.schema?.kind === 'string' ? c.schema.value : undefined, 'prisma/schema');
    assert.equal(c.migrationsPath?.kind, 'expression');
    assert.equal(c.loadsDotenv, false);
  });

  it('says so when there is no static config object', () => {
    const c = parsePrismaConfig('/p/prisma.config.ts', 'export default makeConfig()\n');
    assert.match(c.problem ?? '', /no static config object/);
  });
});
