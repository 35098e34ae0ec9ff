import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { type DriftReport } from '../../../src/core/drift/driftReport';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { ComposedAdapterFactory, OfflineDriverAdapter } from '../../../src/core/engine/pgliteAdapter';
import { PREVIEW_FEATURES_UNKNOWN_TO_ENGINE, prepareSchema } from '../../../src/core/engine/projectInput';
import { loadSchemaEngine } from '../../../src/core/engine/wasmLoader';
import { loadProject } from '../../../src/core/project/discovery';
import { type PrismaProject } from '../../../src/core/project/types';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { rejectionOf, testCacheDir } from '../../fixtures/engineProjects';

/**
 * Every preview feature Prisma 5, 6 and 7 listed (psl/psl-core/src/common/preview_features.rs over those majors,
 * deprecated ones included): a schema of any of these versions may carry them.
 */
const PREVIEW_FEATURES_OF_PRISMA_5_TO_7 = [
  'aggregateApi',
  'atomicNumberOperations',
  'clientExtensions',
  'cockroachdb',
  'connectOrCreate',
  'createMany',
  'dataProxy',
  'deno',
  'distinct',
  'driverAdapters',
  'esm',
  'extendedIndexes',
  'extendedWhereUnique',
  'fieldReference',
  'filteredRelationCount',
  'filterJson',
  'fullTextIndex',
  'fullTextSearch',
  'fullTextSearchPostgres',
  'groupBy',
  'improvedQueryRaw',
  'interactiveTransactions',
  'jsonProtocol',
  'metrics',
  'microsoftSqlServer',
  'middlewares',
  'mongoDb',
  'multiSchema',
  'namedConstraints',
  'nApi',
  'nativeDistinct',
  'nativeTypes',
  'orderByAggregateGroup',
  'orderByNulls',
  'orderByRelation',
  'postgresqlExtensions',
  'referentialActions',
  'referentialIntegrity',
  'selectRelationCount',
  'tracing',
  'transactionApi',
  'uncheckedScalarInputs',
  'views',
  'relationJoins',
  'reactNative',
  'prismaSchemaFolder',
  'omitApi',
  'typedSql',
  'strictUndefinedChecks',
  'shardKeys',
  'partialIndexes',
  'queryCompiler',
  'schemaEngineDriverAdapters',
];

/** Prisma 5's migration for two models and their implicit many-to-many relation (what `prisma migrate dev` 5.22 writes). */
const PRISMA5_M2M_INIT = `-- CreateTable
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Tag" (
    "id" SERIAL NOT NULL,

    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "_PostToTag" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "_PostToTag_AB_unique" ON "_PostToTag"("A", "B");

-- CreateIndex
CREATE INDEX "_PostToTag_B_index" ON "_PostToTag"("B");

-- AddForeignKey
ALTER TABLE "_PostToTag" ADD CONSTRAINT "_PostToTag_A_fkey" FOREIGN KEY ("A") REFERENCES "Post"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_PostToTag" ADD CONSTRAINT "_PostToTag_B_fkey" FOREIGN KEY ("B") REFERENCES "Tag"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;

const M2M_MODELS = `model Post {
  id   Int   @id @default(autoincrement())
  tags Tag[]
}

model Tag {
  id    Int    @id @default(autoincrement())
  posts Post[]
}
`;

const M2M_MORE_MODELS = `${M2M_MODELS}
model Cat {
  id   Int   @id @default(autoincrement())
  pets Pet[]
}

model Pet {
  id   Int   @id @default(autoincrement())
  cats Cat[]
}
`;

interface TestProject {
  /** `prisma` in package.json devDependencies (omitted: no package.json). */
  prisma?: string;
  /** Extra lines of the datasource block. */
  datasource?: string[];
  /** `previewFeatures` of the generator (omitted: no generator block). */
  previewFeatures?: string[];
  models: string;
  migrations: string[];
}

describe('Prisma version fidelity with the bundled engine (real engine, PGlite, PostgreSQL 15 as the judge)', function () {
  this.timeout(600_000);
  let pg: PostgresFixture;
  let session: EngineOperations;
  let counter = 0;
  const roots: string[] = [];
  const salt = `prisma version run ${process.pid} ${Date.now()}`;

  before(async () => {
    pg = await sharedPostgres();
    session = new EngineOperations({ cacheDir: testCacheDir() });
  });
  after(async () => {
    await session.dispose();
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });

  const writeProject = async (spec: TestProject): Promise<PrismaProject> => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-guard-prisma-version-'));
    roots.push(root);
    const migrationsDir = path.join(root, 'prisma', 'migrations');
    fs.mkdirSync(migrationsDir, { recursive: true });
    fs.writeFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    spec.migrations.forEach((sql, i) => {
      const dir = path.join(migrationsDir, `2024010${i + 1}000000_step_${i + 1}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'migration.sql'), `-- ${salt}\n${sql}`);
    });
    if (spec.prisma) {
      fs.writeFileSync(
        path.join(root, 'package.json'),
        JSON.stringify({ name: 'p', devDependencies: { prisma: spec.prisma } }),
      );
    }
    const generator = spec.previewFeatures
      ? `generator client {\n  provider        = "prisma-client-js"\n  previewFeatures = [${spec.previewFeatures.map((f) => JSON.stringify(f)).join(', ')}]\n}\n\n`
      : '';
    const datasource = [
      'datasource db {',
      '  provider = "postgresql"',
      ...(spec.datasource ?? []).map((l) => `  ${l}`),
      '}',
    ].join('\n');
    fs.writeFileSync(path.join(root, 'prisma', 'schema.prisma'), `${datasource}\n\n${generator}${spec.models}`);
    return loadProject(root);
  };

  /** The engine with a fresh database of the real PostgreSQL 15 cluster as the shadow. */
  const onPostgres15 = async (project: PrismaProject): Promise<DriftReport> => {
    const name = `prisma_version_${process.pid}_${counter++}`;
    const url = await pg.createDatabase(name);
    try {
      return await session.diffMigrationsToSchema(project, { shadow: { kind: 'url', url } });
    } finally {
      await pg.dropDatabase(name);
    }
  };
  const describeItems = (report: DriftReport): string[] =>
    report.items.map((i) => `${i.change} ${i.object} ${i.table ?? '?'} ${i.name ?? ''}`.trim()).sort();

  describe('survey: m2m-primary-key', () => {
    it('a Prisma 5 project whose migrations have Prisma 5 layout shows no drift (embedded shadow, datamodel, PostgreSQL 15)', async () => {
      const project = await writeProject({ prisma: '^5.22.0', models: M2M_MODELS, migrations: [PRISMA5_M2M_INIT] });
      const embedded = await session.diffMigrationsToSchema(project);
      assert.deepEqual(describeItems(embedded), [], embedded.script);
      assert.equal(embedded.script, '');
      const again = await session.diffMigrationsToSchema(project);
      assert.deepEqual(describeItems(again), [], `${again.shadow}: ${again.script}`);
      assert.deepEqual(describeItems(await onPostgres15(project)), []);
    });

    it('a Prisma 6 or 7 project with the Prisma 5 layout in its history shows the drift its Prisma shows, in model terms (never "table ?")', async () => {
      for (const prisma of ['^6.19.0', '7.10.0']) {
        const project = await writeProject({ prisma, models: M2M_MODELS, migrations: [PRISMA5_M2M_INIT] });
        const expected = [
          'added primaryKey _PostToTag _PostToTag_AB_pkey',
          'removed index _PostToTag _PostToTag_AB_unique',
        ];
        const reference = await onPostgres15(project);
        assert.deepEqual(describeItems(reference), expected, reference.script);
        const embedded = await session.diffMigrationsToSchema(project);
        assert.deepEqual(describeItems(embedded), expected, embedded.script);
        // What Prisma 6's upgrade guide has users generate: add the primary key, drop the unique index.
        assert.match(
          embedded.script,
          /ALTER TABLE "_PostToTag" ADD CONSTRAINT "_PostToTag_AB_pkey" PRIMARY KEY \("A", "B"\);[\s\S]*DROP INDEX "_PostToTag_AB_unique";/,
        );
      }
    });

    it('a Prisma 5 baseline creates relation tables in Prisma 5 layout; it replays on PostgreSQL 15 and checks clean there', async () => {
      const project = await writeProject({
        prisma: '^5.22.0',
        models: M2M_MORE_MODELS,
        migrations: [PRISMA5_M2M_INIT],
      });
      const result = await session.createBaseline(project, { now: '2024-06-01T00:00:00Z' });
      assert.ok(result.created && result.verified && result.sqlPath, result.message);
      const sql = fs.readFileSync(result.sqlPath, 'utf8');
      assert.match(sql, /CREATE TABLE "_CatToPet" \(\n {4}"A" INTEGER NOT NULL,\n {4}"B" INTEGER NOT NULL\n\);/);
      assert.match(sql, /CREATE UNIQUE INDEX "_CatToPet_AB_unique" ON "_CatToPet"\("A", "B"\);/);
      assert.doesNotMatch(sql, /_AB_pkey/);
      // The migrations + baseline replayed as `migrate deploy` would (psql, whole scripts) give Prisma 5's layout.
      const name = `prisma5_replay_${process.pid}_${counter++}`;
      await pg.createDatabase(name);
      try {
        for (const file of [path.join(project.migrations[0].sqlPath), result.sqlPath]) {
          await pg.psql(fs.readFileSync(file, 'utf8'), name);
        }
        const constraints = await pg.psql(
          `SELECT conname FROM pg_constraint WHERE conrelid = '"_CatToPet"'::regclass AND contype = 'p'`,
          name,
        );
        assert.equal(constraints.trim(), '');
        const indexes = await pg.psql(
          `SELECT indexname FROM pg_indexes WHERE tablename = '_CatToPet' ORDER BY 1`,
          name,
        );
        assert.deepEqual(indexes.trim().split('\n'), ['_CatToPet_AB_unique', '_CatToPet_B_index']);
      } finally {
        await pg.dropDatabase(name);
      }
      const after = await loadProject(project.root);
      assert.deepEqual(describeItems(await onPostgres15(after)), []);
      assert.deepEqual(describeItems(await session.diffMigrationsToSchema(after)), []);
    });
  });

  describe('survey: preview-features-removed', () => {
    it('the bundled engine accepts every preview feature of Prisma 5 to 7 except exactly the ones removed before it sees the schema', async () => {
      const { runtime } = await loadSchemaEngine();
      const offline = (): Promise<OfflineDriverAdapter> => Promise.resolve(new OfflineDriverAdapter());
      const rejected: string[] = [];
      for (const feature of PREVIEW_FEATURES_OF_PRISMA_5_TO_7) {
        const content = `datasource db {\n  provider = "postgresql"\n}\n\ngenerator client {\n  provider        = "prisma-client-js"\n  previewFeatures = ["${feature}"]\n}\n\nmodel A {\n  id Int @id\n}\n`;
        const engine = await runtime.SchemaEngine.new(
          { datamodels: [['schema.prisma', content]] },
          () => undefined,
          bindMigrationAwareSqlAdapterFactory(new ComposedAdapterFactory(offline, offline)),
        );
        try {
          const files = [{ path: 'schema.prisma', content }];
          await engine.diff({
            from: { tag: 'empty' },
            to: { tag: 'schemaDatamodel', files },
            script: true,
            exitCode: null,
            filters: { externalTables: [], externalEnums: [] },
          });
        } catch (error) {
          assert.match(String((error as Error).message), new RegExp(`The preview feature "${feature}" is not known`));
          rejected.push(feature);
        } finally {
          engine.free();
        }
      }
      assert.deepEqual(rejected.sort(), [...PREVIEW_FEATURES_UNKNOWN_TO_ENGINE].sort());
      // With all of them in one schema, the prepared schema is accepted.
      const all = prepareSchema([
        {
          path: 'schema.prisma',
          content: `datasource db {\n  provider = "postgresql"\n}\n\ngenerator client {\n  provider = "prisma-client-js"\n  previewFeatures = [${PREVIEW_FEATURES_OF_PRISMA_5_TO_7.filter(
            (f) => f !== 'partialIndexes',
          )
            .map((f) => `"${f}"`)
            .join(', ')}]\n}\n\nmodel A {\n  id Int @id\n}\n`,
        },
      ]);
      const engine = await runtime.SchemaEngine.new(
        { datamodels: all.files.map((f): [string, string] => [f.path, f.content]) },
        () => undefined,
        bindMigrationAwareSqlAdapterFactory(new ComposedAdapterFactory(offline, offline)),
      );
      try {
        await engine.diff({
          from: { tag: 'empty' },
          to: { tag: 'schemaDatamodel', files: all.files },
          script: true,
          exitCode: null,
          filters: { externalTables: [], externalEnums: [] },
        });
      } finally {
        engine.free();
      }
    });

    it('a Prisma 6 schema with metrics and driverAdapters is analysed (was exit 2 after migrating the shadow)', async () => {
      const project = await writeProject({
        prisma: '6.14.0',
        previewFeatures: ['metrics', 'driverAdapters'],
        models: M2M_MODELS,
        migrations: [
          PRISMA5_M2M_INIT.replace(/-- CreateIndex\nCREATE UNIQUE INDEX[^\n]*\n/, '').replace(
            '"B" INTEGER NOT NULL\n',
            '"B" INTEGER NOT NULL,\n\n    CONSTRAINT "_PostToTag_AB_pkey" PRIMARY KEY ("A","B")\n',
          ),
        ],
      });
      const report = await session.diffMigrationsToSchema(project);
      assert.deepEqual(describeItems(report), [], report.script);
      assert.deepEqual(describeItems(await onPostgres15(project)), []);
    });

    it('a preview feature no Prisma knows is a schema error, found before any shadow is migrated', async () => {
      const fresh = new EngineOperations({ cacheDir: testCacheDir() });
      try {
        const project = await writeProject({
          prisma: '6.14.0',
          previewFeatures: ['metrcs'],
          models: M2M_MODELS,
          migrations: [PRISMA5_M2M_INIT],
        });
        const error = await rejectionOf(fresh.diffMigrationsToSchema(project));
        assert.equal(error.code, 'invalid-schema');
        assert.match(error.message, /The preview feature "metrcs" is not known/);
        assert.equal(error.location?.line, 7);
        assert.equal(
          (await fresh.stats()).embeddedShadowRunning,
          false,
          'the embedded shadow was started for a schema that cannot be analysed',
        );
      } finally {
        await fresh.dispose();
      }
    });
  });

  it('survey: datasource-urls — a Prisma 5 schema with url, directUrl and shadowDatabaseUrl is analysed', async () => {
    const project = await writeProject({
      prisma: '5.22.0',
      datasource: [
        'url = env("DATABASE_URL")',
        'directUrl = env("DIRECT_URL")',
        'shadowDatabaseUrl = env("SHADOW_URL")',
      ],
      models: M2M_MODELS,
      migrations: [PRISMA5_M2M_INIT],
    });
    assert.deepEqual(describeItems(await session.diffMigrationsToSchema(project)), []);
  });

  it('survey: view-keys — a Prisma 5 schema whose views have @id, @@id and @@index is analysed (was exit 2: "Views cannot have primary keys")', async () => {
    const project = await writeProject({
      prisma: '5.22.0',
      previewFeatures: ['views'],
      models: `${M2M_MODELS}\nview PostView {\n  id    Int      @id\n  tags  String[]\n\n  @@index([tags(ops: ArrayOps)], type: Gin)\n}\n\nview PairView {\n  a Int\n  b Int\n\n  @@id([a, b])\n}\n`,
      migrations: [
        PRISMA5_M2M_INIT,
        'CREATE VIEW "PostView" AS SELECT "id", ARRAY[]::TEXT[] AS "tags" FROM "Post";\nCREATE VIEW "PairView" AS SELECT "A" AS "a", "B" AS "b" FROM "_PostToTag";',
      ],
    });
    assert.deepEqual(describeItems(await session.diffMigrationsToSchema(project)), []);
    assert.deepEqual(describeItems(await onPostgres15(project)), []);
  });

  it('survey: full-text-search-renamed — fullTextSearch (Prisma 5) and fullTextSearchPostgres (Prisma 6) both analysed', async () => {
    for (const [prisma, feature] of [
      ['5.22.0', 'fullTextSearch'],
      ['6.19.0', 'fullTextSearchPostgres'],
    ]) {
      const project = await writeProject({
        prisma,
        previewFeatures: [feature],
        models: 'model A {\n  id Int @id\n}\n',
        migrations: ['CREATE TABLE "A" ("id" INTEGER NOT NULL, CONSTRAINT "A_pkey" PRIMARY KEY ("id"));\n'],
      });
      assert.deepEqual(describeItems(await session.diffMigrationsToSchema(project)), [], feature);
    }
  });

  it('survey: multi-schema-ga — schemas with the multiSchema preview feature (Prisma 5/6) and without it (6.13+) give the same answer as PostgreSQL 15', async () => {
    const models = 'model A {\n  id Int @id\n\n  @@schema("blog")\n}\n';
    const migration =
      'CREATE SCHEMA IF NOT EXISTS "blog";\nCREATE TABLE "blog"."A" ("id" INTEGER NOT NULL, CONSTRAINT "A_pkey" PRIMARY KEY ("id"));\n';
    for (const previewFeatures of [['multiSchema'], undefined]) {
      const project = await writeProject({
        prisma: '6.19.0',
        datasource: ['schemas = ["public", "blog"]'],
        ...(previewFeatures ? { previewFeatures } : {}),
        models,
        migrations: [migration],
      });
      assert.deepEqual(describeItems(await session.diffMigrationsToSchema(project)), []);
      assert.deepEqual(describeItems(await onPostgres15(project)), []);
    }
  });

  describe('survey: partial-indexes', () => {
    const RAW_INDEXES = `CREATE TABLE "Post" ("id" SERIAL NOT NULL, "slug" TEXT NOT NULL, "title" TEXT NOT NULL, "deletedAt" TIMESTAMP(3), CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));
CREATE INDEX "Post_title_idx" ON "Post"("title");
CREATE UNIQUE INDEX "Post_slug_live_key" ON "Post"("slug") WHERE "deletedAt" IS NULL;
CREATE INDEX "Post_title_lower_idx" ON "Post"(lower("title"));
CREATE INDEX "Post_title_live_idx" ON "Post"("title") WHERE "deletedAt" IS NULL;
`;
    const POST = (extra: string): string => `model Post {
  id        Int       @id @default(autoincrement())
  slug      String
  title     String
  deletedAt DateTime?${extra}

  @@index([title])
}
`;

    it('raw partial and expression indexes: baseline writes only what the schema adds, replays, and checks clean (embedded and PostgreSQL 15)', async () => {
      for (const prisma of ['5.22.0', '6.19.0', '7.10.0']) {
        const project = await writeProject({
          prisma,
          models: POST('\n  views     Int       @default(0)'),
          migrations: [RAW_INDEXES],
        });
        const reference = await onPostgres15(project);
        assert.deepEqual(describeItems(reference), ['added column Post'], reference.script);
        const result = await session.createBaseline(project, { now: '2024-06-01T00:00:00Z' });
        assert.ok(result.created && result.verified && result.sqlPath, result.message);
        const sql = fs.readFileSync(result.sqlPath, 'utf8');
        assert.doesNotMatch(sql, /DROP INDEX|ALTER INDEX/, sql);
        const after = await loadProject(project.root);
        assert.deepEqual(describeItems(await session.diffMigrationsToSchema(after)), []);
        assert.deepEqual(describeItems(await session.diffMigrationsToSchema(after)), []);
        assert.deepEqual(describeItems(await onPostgres15(after)), []);
      }
    });

    it('with partialIndexes enabled, declared partial indexes are compared as declared; an undeclared raw one is drift, as Prisma 7 says', async () => {
      const declared = POST(
        '\n\n  @@unique([slug], map: "Post_slug_live_key", where: raw("\\"deletedAt\\" IS NULL"))\n  @@index([title], map: "Post_title_live_idx", where: raw("\\"deletedAt\\" IS NULL"))',
      );
      const project = await writeProject({
        prisma: '7.10.0',
        previewFeatures: ['partialIndexes'],
        models: declared,
        migrations: [RAW_INDEXES],
      });
      const reference = await onPostgres15(project);
      assert.deepEqual(describeItems(reference), [], reference.script);
      assert.deepEqual(describeItems(await session.diffMigrationsToSchema(project)), []);
      const undeclared = await writeProject({
        prisma: '7.10.0',
        previewFeatures: ['partialIndexes'],
        models: POST(''),
        migrations: [RAW_INDEXES],
      });
      const expected = describeItems(await onPostgres15(undeclared));
      assert.ok(
        expected.some((i) => /^removed index Post Post_slug_live_key$/.test(i)),
        expected.join(', '),
      );
      assert.deepEqual(describeItems(await session.diffMigrationsToSchema(undeclared)), expected);
    });
  });
});
