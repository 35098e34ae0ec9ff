import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  PRISMA_VERSION_DIFFERENCES,
  adaptScriptToPrismaMajor,
  judgePrismaVersion,
  majorOfVersion,
} from '../../../src/core/project/prismaVersion';
import { prepareSchema, withoutUnknownPreviewFeatures } from '../../../src/core/engine/projectInput';
import { loadProject, pnpmCatalogEntry } from '../../../src/core/project/discovery';
import { formatProjectSummary } from '../../../src/core/project/projectSummary';

/** What the bundled engine writes for an implicit many-to-many table (Prisma 6+ layout), as it prints it. */
const CREATE_M2M = `-- CreateTable
CREATE TABLE "Tag" (
    "id" SERIAL NOT NULL,

    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "_PostToTag" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_PostToTag_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateIndex
CREATE INDEX "_PostToTag_B_index" ON "_PostToTag"("B");

-- AddForeignKey
ALTER TABLE "_PostToTag" ADD CONSTRAINT "_PostToTag_A_fkey" FOREIGN KEY ("A") REFERENCES "Post"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;

/** What it writes for a relation table in Prisma 5's layout against a Prisma 6+ schema. */
const UPGRADE_M2M = `-- AlterTable
ALTER TABLE "_PostToTag" ADD CONSTRAINT "_PostToTag_AB_pkey" PRIMARY KEY ("A", "B");

-- AlterTable
ALTER TABLE "Post" ADD COLUMN     "title" TEXT;

-- DropIndex
DROP INDEX "_PostToTag_AB_unique";
`;

describe('Prisma version: detection and judgement', () => {
  it('reads the major of ranges and versions', () => {
    const cases: Array<[string, number | undefined]> = [
      ['5.22.0', 5],
      ['^5.22.0', 5],
      ['~6.1', 6],
      ['6', 6],
      ['6.x', 6],
      ['>=6.2.0 <7', 6],
      ['v7.1.0', 7],
      ['7.10.0-dev.3', 7],
      ['npm:prisma@5.10.2', 5],
      ['workspace:^6.1.0', 6],
      ['catalog:', undefined],
      ['catalog:prisma', undefined],
      ['latest', undefined],
      ['*', undefined],
      ['github:prisma/prisma', undefined],
      ['file:../prisma', undefined],
    ];
    for (const [range, major] of cases) assert.equal(majorOfVersion(range), major, range);
  });

  it('judges by the installed version first, then the declared range, else as the bundled engine with a note', () => {
    assert.deepEqual(
      judgePrismaVersion({
        declared: '^6.19.0',
        declaredIn: 'package.json devDependencies.prisma',
        installed: '5.22.0',
        installedIn: 'node_modules/prisma',
      }),
      {
        major: 5,
        source: 'node_modules/prisma 5.22.0',
      },
    );
    assert.deepEqual(judgePrismaVersion({ declared: '^6.19.0', declaredIn: 'package.json devDependencies.prisma' }), {
      major: 6,
      source: 'package.json devDependencies.prisma ^6.19.0',
    });
    const none = judgePrismaVersion({});
    assert.equal(none.major, 7);
    assert.match(none.note ?? '', /no Prisma version found.*judged as Prisma 7/);
    const unresolved = judgePrismaVersion({ declared: 'catalog:', declaredIn: 'package.json dependencies.prisma' });
    assert.equal(unresolved.major, 7);
    assert.match(unresolved.note ?? '', /"catalog:"/);
    const old = judgePrismaVersion({ installed: '4.16.2' });
    assert.equal(old.major, 5);
    assert.match(old.note ?? '', /Prisma 4 is judged as Prisma 5/);
    const future = judgePrismaVersion({ declared: '8.0.0-rc.1' });
    assert.equal(future.major, 7);
    assert.match(future.note ?? '', /Prisma 8 is newer than the bundled engine/);
  });

  it('reads catalog entries of pnpm-workspace.yaml (default and named catalogs)', () => {
    const yaml = `packages:
  - "packages/*"

catalog:
  # shared versions
  "@prisma/client": 7.8.0
  prisma: '^6.19.0'
  typescript: 5.9.3

catalogs:
  legacy:
    prisma: ~5.22.0
`;
    assert.equal(pnpmCatalogEntry(yaml, 'prisma', 'default'), '^6.19.0');
    assert.equal(pnpmCatalogEntry(yaml, '@prisma/client', 'default'), '7.8.0');
    assert.equal(pnpmCatalogEntry(yaml, 'prisma', 'legacy'), '~5.22.0');
    assert.equal(pnpmCatalogEntry(yaml, 'prisma', 'other'), undefined);
    assert.equal(pnpmCatalogEntry('packages:\n  - a\n', 'prisma', 'default'), undefined);
  });

  describe('in a project folder', () => {
    let root: string;
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-guard-prisma-version-'));
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
    const write = (file: string, content: string): void => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    };
    const schema = 'datasource db {\n  provider = "postgresql"\n}\n\nmodel A {\n  id Int @id\n}\n';

    it('resolves catalog: in a pnpm monorepo from the workspace root', async () => {
      write('pnpm-workspace.yaml', 'packages:\n  - "packages/*"\ncatalog:\n  prisma: ^5.22.0\n');
      write('package.json', JSON.stringify({ name: 'root', private: true }));
      write('packages/db/package.json', JSON.stringify({ name: 'db', devDependencies: { prisma: 'catalog:' } }));
      write('packages/db/prisma/schema.prisma', schema);
      const project = await loadProject(path.join(root, 'packages/db'));
      assert.equal(project.prismaVersion.declared, '^5.22.0');
      assert.match(
        project.prismaVersion.declaredIn ?? '',
        /^\.\.\/\.\.\/pnpm-workspace\.yaml catalog \(package\.json devDependencies\.prisma\)$/,
      );
      assert.deepEqual(judgePrismaVersion(project.prismaVersion), {
        major: 5,
        source: `${project.prismaVersion.declaredIn} ^5.22.0`,
      });
    });

    it('resolves catalog: from package.json catalogs (Bun) and a named catalog', async () => {
      write(
        'package.json',
        JSON.stringify({
          name: 'root',
          workspaces: { packages: ['apps/*'], catalogs: { db: { '@prisma/client': '6.5.0' } } },
        }),
      );
      write('apps/web/package.json', JSON.stringify({ name: 'web', dependencies: { '@prisma/client': 'catalog:db' } }));
      write('apps/web/prisma/schema.prisma', schema);
      const project = await loadProject(path.join(root, 'apps/web'));
      assert.equal(project.prismaVersion.declared, '6.5.0');
      assert.equal(judgePrismaVersion(project.prismaVersion).major, 6);
    });

    it('takes the declaration of the nearest parent package.json when the project has none', async () => {
      write('package.json', JSON.stringify({ name: 'root', devDependencies: { prisma: '~6.1.0' } }));
      write('services/api/package.json', JSON.stringify({ name: 'api', dependencies: { express: '^4' } }));
      write('services/api/prisma/schema.prisma', schema);
      const project = await loadProject(path.join(root, 'services/api'));
      assert.equal(project.prismaVersion.declared, '~6.1.0');
      assert.equal(project.prismaVersion.declaredIn, '../../package.json devDependencies.prisma');
    });

    it('a root prisma.config pointing into a workspace package takes that package\'s declaration (formbricks; was "no Prisma version found")', async () => {
      write('package.json', JSON.stringify({ name: 'root', private: true, devDependencies: { turbo: '^2' } }));
      write(
        'prisma.config.ts',
        'export default { schema: "packages/database/schema", migrations: { path: "packages/database/migrations" } };\n',
      );
      write('packages/database/package.json', JSON.stringify({ name: 'db', devDependencies: { prisma: '7.8.0' } }));
      write('packages/database/schema/main.prisma', schema);
      const project = await loadProject(root);
      assert.equal(project.prismaVersion.declared, '7.8.0');
      assert.equal(project.prismaVersion.declaredIn, 'packages/database/package.json devDependencies.prisma');
      // The root's own declaration still wins.
      write('package.json', JSON.stringify({ name: 'root', devDependencies: { prisma: '^6.19.0' } }));
      assert.equal((await loadProject(root)).prismaVersion.declared, '^6.19.0');
    });

    it('the installed version wins, hoisted or not, prisma before @prisma/client; the summary says how it is judged', async () => {
      write('package.json', JSON.stringify({ name: 'root', devDependencies: { prisma: '^6.19.0' } }));
      write('node_modules/@prisma/client/package.json', JSON.stringify({ version: '6.19.0' }));
      write('prisma/schema.prisma', schema);
      let project = await loadProject(root);
      assert.equal(project.prismaVersion.installed, '6.19.0');
      assert.equal(project.prismaVersion.installedIn, 'node_modules/@prisma/client');
      write('node_modules/prisma/package.json', JSON.stringify({ version: '5.22.0' }));
      project = await loadProject(root);
      assert.deepEqual(judgePrismaVersion(project.prismaVersion), { major: 5, source: 'node_modules/prisma 5.22.0' });
      assert.match(
        formatProjectSummary(project),
        /\n {2}Judged as: {3}Prisma 5 \(from node_modules\/prisma 5\.22\.0\)/,
      );
    });
  });
});

describe('Prisma version: the survey of 5 → 6 → 7 differences', () => {
  it('every row is handled and has its test (by id, in this file or the engine test)', () => {
    const tests = [
      path.join(__dirname, 'prismaVersion.test.js'),
      path.join(__dirname, '..', '..', 'node', 'engine', 'prismaVersion.engine.test.js'),
    ]
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    for (const row of PRISMA_VERSION_DIFFERENCES) {
      assert.ok(row.handling.length > 0 && /^\d+\.\d+\.\d+$/.test(row.since), row.id);
      assert.ok(tests.includes(`survey: ${row.id}`), `no test named "survey: ${row.id}"`);
    }
  });

  describe('survey: m2m-primary-key (pure part)', () => {
    it('judged as Prisma 5, the two layouts of one relation table are no difference; other changes stay', () => {
      const adapted = adaptScriptToPrismaMajor(UPGRADE_M2M, 5);
      assert.equal(adapted, '-- AlterTable\nALTER TABLE "Post" ADD COLUMN     "title" TEXT;\n');
      assert.equal(
        adaptScriptToPrismaMajor(UPGRADE_M2M.replace(/(?:-- \w+\n)?ALTER TABLE "Post"[^\n]*\n\n/, ''), 5),
        '',
      );
      // The reverse direction (a database in Prisma 6's layout, a schema judged as Prisma 5) is the same table too.
      const reverse =
        '-- AlterTable\nALTER TABLE "_PostToTag" DROP CONSTRAINT "_PostToTag_AB_pkey";\n\n-- CreateIndex\nCREATE UNIQUE INDEX "_PostToTag_AB_unique" ON "_PostToTag"("A", "B");\n';
      assert.equal(adaptScriptToPrismaMajor(reverse, 5), '');
    });

    it('judged as Prisma 6 or 7, nothing changes', () => {
      assert.equal(adaptScriptToPrismaMajor(UPGRADE_M2M, 6), UPGRADE_M2M);
      assert.equal(adaptScriptToPrismaMajor(CREATE_M2M, 7), CREATE_M2M);
    });

    it('a half pair is a real difference, kept', () => {
      const onlyDrop = '-- DropIndex\nDROP INDEX "_PostToTag_AB_unique";\n';
      assert.equal(adaptScriptToPrismaMajor(onlyDrop, 5), onlyDrop);
      const otherTable = UPGRADE_M2M.replace('DROP INDEX "_PostToTag_AB_unique"', 'DROP INDEX "_CatToDog_AB_unique"');
      assert.equal(adaptScriptToPrismaMajor(otherTable, 5), otherTable);
    });

    it('a relation table created for a Prisma 5 project gets Prisma 5 layout: no primary key, a unique index before the B index', () => {
      const adapted = adaptScriptToPrismaMajor(CREATE_M2M, 5);
      assert.ok(
        adapted.includes('CREATE TABLE "_PostToTag" (\n    "A" INTEGER NOT NULL,\n    "B" INTEGER NOT NULL\n);'),
        adapted,
      );
      assert.doesNotMatch(adapted, /_AB_pkey/);
      assert.ok(
        adapted.includes(
          '-- CreateIndex\nCREATE UNIQUE INDEX "_PostToTag_AB_unique" ON "_PostToTag"("A", "B");\n\n-- CreateIndex\nCREATE INDEX "_PostToTag_B_index" ON "_PostToTag"("B");',
        ),
        adapted,
      );
      assert.ok(adapted.includes('CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")'), 'model tables keep their primary key');
      const qualified = adaptScriptToPrismaMajor(
        CREATE_M2M.replace(/"_PostToTag"(?=[ (]|$)/gm, '"blog"."_PostToTag"'),
        5,
      );
      assert.match(qualified, /CREATE UNIQUE INDEX "_PostToTag_AB_unique" ON "blog"\."_PostToTag"\("A", "B"\);/);
    });
  });

  describe('survey: preview-features-removed (pure part)', () => {
    it('removes the features the engine rejects, keeping the others, every line and every line number', () => {
      const content = [
        'datasource db {',
        '  provider = "postgresql"',
        '}',
        'generator client {',
        '  provider        = "prisma-client-js"',
        '  previewFeatures = ["metrics", "driverAdapters", "Tracing"]',
        '}',
        'generator other {',
        '  provider        = "x"',
        '  previewFeatures = [',
        '    "views",',
        '    "metrics"',
        '  ]',
        '}',
        'generator third {',
        '  provider        = "y"',
        '  previewFeatures = ["esm"] // only that',
        '}',
        'model A {',
        '  id Int @id',
        '}',
        '',
      ].join('\n');
      const { content: stripped, ignored } = withoutUnknownPreviewFeatures(content, '/p/schema.prisma');
      assert.equal(stripped.split('\n').length, content.split('\n').length);
      const lines = stripped.split('\n');
      assert.equal(lines[5], '  previewFeatures = ["driverAdapters", "Tracing"]');
      assert.equal(lines[10], '    "views"');
      assert.equal(lines[11], '');
      assert.equal(lines[16], '  previewFeatures = [] // only that');
      assert.deepEqual(
        ignored.map((f) => `${f.name}@${f.location.line}:${f.location.character}`),
        ['metrics@6:22', 'metrics@12:5', 'esm@17:22'],
      );
      // The models are untouched; prepareSchema reports what it removed.
      assert.equal(lines.slice(18).join('\n'), content.split('\n').slice(18).join('\n'));
      assert.deepEqual(
        prepareSchema([{ path: '/p/schema.prisma', content }]).ignoredPreviewFeatures.map((f) => f.name),
        ['metrics', 'metrics', 'esm'],
      );
      const untouched = 'generator client {\n  previewFeatures = ["relationJoins"]\n}\n';
      assert.deepEqual(withoutUnknownPreviewFeatures(untouched, 'x'), { content: untouched, ignored: [] });
    });
  });
});
