import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import {
  extensionUnavailable,
  findExtensionRequests,
  PGLITE_EXTENSIONS,
  pgliteExtensionsFor,
} from '../../../src/core/engine/extensions';
import { loadProject } from '../../../src/core/project/discovery';
import {
  addMigration,
  copyFixture,
  fixtureDir,
  rejectionOf,
  repoRoot,
  testCacheDir,
} from '../../fixtures/engineProjects';

/** The files of a .tar.gz (ustar: 512-byte headers, name + prefix, octal size), with their contents. */
function tarEntries(file: string): Array<{ name: string; content: Buffer }> {
  const tar = gunzipSync(fs.readFileSync(file));
  const entries: Array<{ name: string; content: Buffer }> = [];
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, length: number): string =>
      header
        .subarray(from, from + length)
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    entries.push({
      name: prefix ? `${prefix}/${field(0, 100)}` : field(0, 100),
      content: tar.subarray(offset + 512, offset + 512 + size),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

const requireHere = createRequire(__filename);
const PACKAGE_DIRS = [
  path.dirname(requireHere.resolve('@electric-sql/pglite')),
  path.dirname(requireHere.resolve('@electric-sql/pglite-pgvector')),
];

describe('extensions of the embedded shadow', function () {
  this.timeout(240_000);

  it('the table of loadable extensions is exactly what the PGlite and pgvector tarballs hold (control files, requires)', () => {
    const shipped: Record<string, { bundle: string; requires?: string[] }> = {};
    for (const dir of PACKAGE_DIRS) {
      for (const tarball of fs.readdirSync(dir).filter((f) => f.endsWith('.tar.gz'))) {
        const bundle = tarball.slice(0, -'.tar.gz'.length);
        for (const entry of tarEntries(path.join(dir, tarball))) {
          const control = /extension\/([^/]+)\.control$/.exec(entry.name);
          if (!control) continue;
          const requires = /^\s*requires\s*=\s*'([^']*)'/m.exec(entry.content.toString('utf8'));
          shipped[control[1]] = requires
            ? { bundle, requires: requires[1].split(',').map((r) => r.trim()) }
            : { bundle };
        }
      }
    }
    const table = Object.fromEntries(
      Object.entries(PGLITE_EXTENSIONS).map(([name, info]) => [
        name,
        info.requires ? { bundle: info.bundle, requires: [...info.requires] } : { bundle: info.bundle },
      ]),
    );
    assert.deepEqual(table, shipped);
  });

  it('finds CREATE EXTENSION however it is written, at its line, ignoring comments', () => {
    const sql = [
      '-- CREATE EXTENSION postgis;', // 1: comment
      '/* CREATE EXTENSION "timescaledb";', // 2: block comment …
      '   still comment */ CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA "public";', // 3
      'create extension if not exists Vector;', // 4: case folded
      'CREATE EXTENSION', // 5: split over lines
      '  "pg_trgm" VERSION \'1.6\' CASCADE;',
      'CREATE EXTENSION citext SCHEMA extensions;', // 7
      'CREATE EXTENSION IF NOT EXISTS vector;', // 8: already found
      'DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS "a""b"; END $$;', // 9: quoted with a doubled quote
    ].join('\n');
    const found = findExtensionRequests([
      { name: '20250101000000_x', sql, sqlPath: '/p/prisma/migrations/20250101000000_x/migration.sql' },
    ]);
    assert.deepEqual(
      found.map((r) => [r.name, r.line]),
      [
        ['uuid-ossp', 3],
        ['vector', 4],
        ['pg_trgm', 5],
        ['citext', 7],
        ['a"b', 9],
      ],
    );
    assert.equal(found[0].file, '/p/prisma/migrations/20250101000000_x/migration.sql');
  });

  it('loads what each extension requires, one tarball per bundle (moddatetime and refint share spi)', () => {
    const requests = ['earthdistance', 'moddatetime', 'refint', 'vector', 'plpgsql'].map((name) => ({
      name,
      migration: 'm',
      line: 1,
    }));
    const loaded = pgliteExtensionsFor(requests, PACKAGE_DIRS);
    assert.deepEqual(Object.keys(loaded).sort(), ['cube', 'earthdistance', 'spi', 'vector']);
  });

  it('an extension PGlite lacks: the migration file:line, the extension, "set a shadow database URL"; a misspelt uuid_ossp gets its real name', () => {
    const postgis = extensionUnavailable({
      name: 'postgis',
      migration: '20250302000000_maps',
      line: 4,
      file: '/p/prisma/migrations/20250302000000_maps/migration.sql',
    });
    assert.equal(postgis.code, 'extension-unavailable');
    assert.equal(
      postgis.message,
      '20250302000000_maps/migration.sql:4 creates the extension "postgis", which the embedded shadow database (PGlite) does not provide: set a shadow database URL (--shadow-url, or the driftGuard.shadowDatabaseUrl setting) to a PostgreSQL server that has it.',
    );
    assert.deepEqual(postgis.location, {
      file: '/p/prisma/migrations/20250302000000_maps/migration.sql',
      line: 4,
      character: 1,
    });
    const misspelt = rejectionOfSync(() =>
      pgliteExtensionsFor([{ name: 'uuid_ossp', migration: '20250302000000_ids', line: 1 }], PACKAGE_DIRS),
    );
    assert.match(
      misspelt.message,
      /^20250302000000_ids\/migration\.sql:1 creates the extension "uuid_ossp", which no PostgreSQL has: its name is "uuid-ossp"/,
    );
  });

  describe('on the embedded shadow (real engine, real PGlite)', () => {
    let session: EngineOperations;
    before(() => {
      session = new EngineOperations({ cacheDir: testCacheDir() });
    });
    after(async () => {
      await session.dispose();
    });

    it('a project whose migrations create every extension PGlite ships (pgvector included) and use some checks clean', async () => {
      const project = await loadProject(fixtureDir('extensions'));
      const sql = fs.readFileSync(
        path.join(project.migrationsDir, '20250101000000_extensions', 'migration.sql'),
        'utf8',
      );
      const created = new Set(findExtensionRequests([{ name: 'x', sql }]).map((r) => r.name));
      assert.deepEqual(
        Object.keys(PGLITE_EXTENSIONS).filter((name) => !created.has(name)),
        [],
        'the fixture creates every extension of the table',
      );
      const report = await session.diffMigrationsToSchema(project);
      assert.deepEqual(report.items, []);
      assert.equal(report.empty, true);
    });

    it('an extension PGlite lacks stops the analysis with the file:line message, before any migration runs', async () => {
      const project = await addMigration(
        await loadProject(copyFixture('extensions')),
        '20250103000000_maps',
        '-- maps\n\nCREATE EXTENSION IF NOT EXISTS "postgis" WITH SCHEMA public;\n',
      );
      const error = await rejectionOf(session.diffMigrationsToSchema(project));
      assert.equal(error.code, 'extension-unavailable');
      assert.match(
        error.message,
        /^20250103000000_maps\/migration\.sql:3 creates the extension "postgis", .*set a shadow database URL/,
      );
      assert.equal(error.location?.line, 3);
      assert.equal(
        path.relative(project.root, error.location?.file ?? ''),
        path.join('prisma', 'migrations', '20250103000000_maps', 'migration.sql'),
      );
    });
  });

  it('the extension package (vsce file list, after npm run build) ships every extension tarball', async () => {
    const dist = path.join(repoRoot(), 'dist');
    if (!fs.existsSync(path.join(dist, 'cli.js'))) {
      throw new Error(`${dist}/cli.js is missing: run npm run build first`);
    }
    const vsce = requireHere('@vscode/vsce') as {
      listFiles(options: { cwd: string; packageManager: number }): Promise<string[]>;
    };
    const files = new Set(
      (await vsce.listFiles({ cwd: repoRoot(), packageManager: 2 /* None */ })).map((f) => f.replace(/\\/g, '/')),
    );
    const bundles = [...new Set(Object.values(PGLITE_EXTENSIONS).map((e) => e.bundle))];
    assert.deepEqual(
      bundles.filter((bundle) => !files.has(`dist/${bundle}.tar.gz`)),
      [],
    );
  });
});

function rejectionOfSync(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an exception');
}
