import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DriftReport } from '../../../src/core/drift/driftReport';
import { engineFixedPoints, withoutStatements } from '../../../src/core/engine/engineFixedPoints';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { loadProject } from '../../../src/core/project/discovery';
import { type PrismaProject } from '../../../src/core/project/types';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { testCacheDir } from '../../fixtures/engineProjects';

const PAIR = `-- DropIndex
DROP INDEX "Secret_key_idx";

-- CreateIndex
CREATE INDEX "Secret_key_idx" ON "Secret"("key" text_pattern_ops);
`;

describe('baseline: statements the engine asks for again once applied', () => {
  it('are the remaining statements only when every one of them was in the baseline', () => {
    const baseline = [
      { sql: 'ALTER TABLE "Secret" ADD COLUMN "value" TEXT;' },
      { sql: 'DROP INDEX "Secret_key_idx";' },
      { sql: 'CREATE INDEX "Secret_key_idx" ON "Secret"("key"  text_pattern_ops);' },
    ];
    assert.deepEqual(
      engineFixedPoints(baseline, [
        { sql: 'DROP INDEX "Secret_key_idx";' },
        { sql: 'CREATE INDEX "Secret_key_idx" ON "Secret"("key" text_pattern_ops);' },
      ]),
      ['DROP INDEX "Secret_key_idx";', 'CREATE INDEX "Secret_key_idx" ON "Secret"("key" text_pattern_ops);'],
    );
    assert.equal(engineFixedPoints(baseline, [{ sql: 'DROP INDEX "Other_idx";' }]), undefined);
    assert.equal(engineFixedPoints(baseline, []), undefined);
  });

  it('are cut from the script with their comment lines, the rest kept as the engine printed it', () => {
    const script = `-- AlterTable\nALTER TABLE "Secret" ADD COLUMN     "value" TEXT;\n\n${PAIR}`;
    assert.equal(
      withoutStatements(script, [
        'DROP INDEX "Secret_key_idx";',
        'CREATE INDEX "Secret_key_idx" ON "Secret"("key" text_pattern_ops);',
      ]),
      '-- AlterTable\nALTER TABLE "Secret" ADD COLUMN     "value" TEXT;\n',
    );
    assert.equal(
      withoutStatements(PAIR, [
        'DROP INDEX "Secret_key_idx";',
        'CREATE INDEX "Secret_key_idx" ON "Secret"("key" text_pattern_ops);',
      ]),
      '',
    );
  });

  describe('with the real engine (PostgreSQL 15 as the judge)', function () {
    this.timeout(600_000);
    let pg: PostgresFixture;
    let session: EngineOperations;
    const roots: string[] = [];
    before(async () => {
      pg = await sharedPostgres();
      session = new EngineOperations({ cacheDir: testCacheDir() });
    });
    after(async () => {
      await session.dispose();
      for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
    });

    const project = (models: string): Promise<PrismaProject> => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-guard-fixed-points-'));
      roots.push(root);
      const dir = path.join(root, 'prisma', 'migrations', '20240101000000_init');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(root, 'prisma', 'migrations', 'migration_lock.toml'), 'provider = "postgresql"\n');
      fs.writeFileSync(
        path.join(dir, 'migration.sql'),
        `-- ${process.pid} ${Date.now()}\nCREATE TABLE "Secret" ("id" SERIAL NOT NULL, "key" TEXT NOT NULL, CONSTRAINT "Secret_pkey" PRIMARY KEY ("id"));\nCREATE INDEX IF NOT EXISTS "Secret_key_idx" ON "Secret"("key" text_pattern_ops);\n`,
      );
      fs.writeFileSync(
        path.join(root, 'prisma', 'schema.prisma'),
        `datasource db {\n  provider = "postgresql"\n}\n\n${models}`,
      );
      return loadProject(root);
    };
    const model = (extra: string): string =>
      `model Secret {\n  id    Int    @id @default(autoincrement())\n  key   String${extra}\n\n  @@index([key(ops: raw("text_pattern_ops"))], type: BTree)\n}\n`;
    const onPostgres15 = async (p: PrismaProject): Promise<DriftReport> => {
      const name = `fixed_points_${process.pid}_${Date.now()}`;
      const url = await pg.createDatabase(name);
      try {
        return await session.diffMigrationsToSchema(p, { shadow: { kind: 'url', url } });
      } finally {
        await pg.dropDatabase(name);
      }
    };

    it('an index with an operator class no longer blocks a baseline (was refused with "DROP INDEX … CREATE INDEX" remaining)', async () => {
      const p = await project(model('\n  value String?'));
      const reference = await onPostgres15(p);
      // Prisma itself reports the index every time, beside the real change.
      assert.match(
        reference.script,
        /DROP INDEX "Secret_key_idx";[\s\S]*CREATE INDEX "Secret_key_idx" ON "Secret"\("key" text_pattern_ops\);/,
      );
      const result = await session.createBaseline(p, { now: '2024-06-01T00:00:00Z' });
      assert.ok(result.created && result.sqlPath, result.message);
      assert.match(
        result.message,
        /Left out: DROP INDEX "Secret_key_idx"; CREATE INDEX "Secret_key_idx" .*prisma\/prisma#16275/,
      );
      // Said as data too (baseline --json "leftOut"), so a caller can tell these from a real difference left.
      assert.deepEqual(result.leftOut, [
        'DROP INDEX "Secret_key_idx";',
        'CREATE INDEX "Secret_key_idx" ON "Secret"("key" text_pattern_ops);',
      ]);
      const sql = fs.readFileSync(result.sqlPath, 'utf8');
      assert.equal(sql, '-- AlterTable\nALTER TABLE "Secret" ADD COLUMN     "value" TEXT;\n');
      assert.deepEqual(
        result.items.map((i) => `${i.change} ${i.object} ${i.column ?? i.name ?? ''}`),
        ['added column value'],
      );
      // After it, PostgreSQL 15 as the shadow reports only what it reported for the migrations alone: the index pair.
      const after = await onPostgres15(await loadProject(p.root));
      assert.deepEqual(after.items.map((i) => i.sql).sort(), [
        'CREATE INDEX "Secret_key_idx" ON "Secret"("key" text_pattern_ops);',
        'DROP INDEX "Secret_key_idx";',
      ]);
    });

    it('nothing but such an index: no folder, and the message says why', async () => {
      const p = await project(model(''));
      const result = await session.createBaseline(p, { now: '2024-06-02T00:00:00Z' });
      assert.equal(result.created, false, result.message);
      assert.match(
        result.message,
        /^Nothing to baseline: no folder was written\. Left out: DROP INDEX "Secret_key_idx";/,
      );
      assert.deepEqual(result.leftOut, [
        'DROP INDEX "Secret_key_idx";',
        'CREATE INDEX "Secret_key_idx" ON "Secret"("key" text_pattern_ops);',
      ]);
      assert.deepEqual(fs.readdirSync(p.migrationsDir).sort(), ['20240101000000_init', 'migration_lock.toml']);
    });
  });
});
