import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { driftItemKey } from '../../../src/core/drift/diffItems';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { loadProject } from '../../../src/core/project/discovery';
import { addMigration, copyFixture, loadFixture, rejectionOf, testCacheDir } from '../../fixtures/engineProjects';

/** Schema vs migrations on the embedded PGlite shadow, with the real WASM engine. */
describe('engine on the embedded shadow (PGlite)', function () {
  this.timeout(180_000);
  let session: EngineOperations;
  const logs: string[] = [];

  before(() => {
    // No idle close for the shared session: its shadow must still be open when 'reports its memory' runs, however
    // long the tests before it take on a loaded machine (the idle close has its own test, on its own session).
    session = new EngineOperations({ cacheDir: testCacheDir(), log: (m) => logs.push(m), embeddedIdleMs: 0 });
  });
  after(async () => {
    await session.dispose();
  });

  it('finds the drift of a Prisma 6 project (url/directUrl, @map/@@map, enums, DO $$, trigger, btree_gist)', async () => {
    const project = await loadFixture('shop');
    const report = await session.diffMigrationsToSchema(project);
    assert.equal(report.empty, false);
    const keys = report.items
      .map(
        (i) =>
          `${i.change} ${i.object} ${i.table ?? i.enum ?? ''}${i.column ? `.${i.column}` : ''}${i.value ? `.${i.value}` : ''}`,
      )
      .sort();
    assert.deepEqual(keys, [
      'added column users.activated_at',
      'added column users.activation_token',
      'added enum invoice_status',
      'added enumValue Role.SUPPORT',
      'added foreignKey invoices.user_id',
      'added index invoices.number',
      'added index users.activation_token',
      'added table invoices',
      'removed column orders.coupon_code',
      'removed table legacy_notes',
    ]);
    // Removed objects point at the migration line that created them.
    const legacy = report.items.find((i) => i.table === 'legacy_notes');
    assert.equal(path.basename(path.dirname(legacy?.location?.file ?? '')), '20240104000000_legacy_notes');
    assert.equal(legacy?.location?.line, 2);
    const coupon = report.items.find((i) => i.column === 'coupon_code');
    assert.equal(coupon?.location?.line, 10);
    // The exclusion constraint (btree_gist) and the trigger are not drift.
    assert.doesNotMatch(report.script, /bookings|trim_order_note/);
  });

  it('re-analyses a changed schema from the kept migrated state, identical to a fresh shadow, much faster', async () => {
    const project = await loadFixture('shop');
    await session.diffMigrationsToSchema(project); // migrated shadow kept; fast path prepared after it
    const changed = project.schemaFiles.map((f) => ({
      ...f,
      content: f.content.replace('  note       String?', '  note       String?\n  priority   Int     @default(0)'),
    }));
    const started = performance.now();
    const warm = await session.diffMigrationsToSchema(project, { schemaFiles: changed });
    const warmMs = performance.now() - started;
    assert.equal(warm.shadow, 'embedded-datamodel');
    assert.ok(warm.items.some((i) => i.table === 'orders' && i.column === 'priority' && i.change === 'added'));
    const fresh = await session.diffMigrationsToSchemaFresh({ ...project, schemaFiles: changed });
    assert.equal(warm.script, fresh.script);
    logs.push(`warm ${Math.round(warmMs)} ms, fresh ${Math.round(fresh.timings.totalMs)} ms`);
  });

  it('reports an enum value removed from the schema, and a removed model at its creating line', async () => {
    const project = await loadFixture('shop');
    const schemaFiles = project.schemaFiles.map((f) => ({
      ...f,
      content: f.content.replace('  ADMIN\n  SUPPORT\n', '  SUPPORT\n').replace(/model Booking \{[^}]*\}\n/, ''),
    }));
    const report = await session.diffMigrationsToSchema(project, { schemaFiles });
    const admin = report.items.find((i) => i.object === 'enumValue' && i.value === 'ADMIN');
    assert.equal(admin?.change, 'removed');
    assert.equal(admin?.enum, 'Role');
    assert.equal(admin?.location?.line, 2);
    const bookings = report.items.find((i) => i.object === 'table' && i.table === 'bookings');
    assert.equal(bookings?.change, 'removed');
    assert.match(bookings?.location?.file ?? '', /20240103000000_bookings_overlap/);
  });

  it('reads a multi-file Prisma 7 schema (no URL in the datasource) and finds it in sync', async () => {
    const project = await loadFixture('blog-multifile');
    assert.equal(project.schemaFiles.length, 2);
    const report = await session.diffMigrationsToSchema(project);
    assert.equal(report.empty, true);
    assert.equal(report.script, '');
    assert.deepEqual(report.items, []);
  });

  it('baseline: writes the folder atomically, the result diffs empty, and a second baseline has nothing to do', async () => {
    const project = await loadFixture('shop', true);
    const result = await session.createBaseline(project, { name: 'Baseline invoicing!', now: '2026-02-17T09:30:00Z' });
    assert.equal(result.created, true);
    assert.equal(result.migrationName, '20260217093000_baseline_invoicing');
    assert.equal(result.verified, true);
    assert.equal(fs.readFileSync(result.sqlPath ?? '', 'utf8'), result.script);
    assert.deepEqual(
      fs.readdirSync(project.migrationsDir).filter((n) => n.startsWith('.')),
      [],
    );
    const reloaded = await loadProject(project.root);
    const after = await session.diffMigrationsToSchema(reloaded);
    assert.equal(after.empty, true);
    const again = await session.createBaseline(reloaded, { name: 'again' });
    assert.equal(again.created, false);
    assert.match(again.message, /Nothing to baseline/);
    assert.equal(fs.readdirSync(reloaded.migrationsDir).filter((n) => n.endsWith('_again')).length, 0);
  });

  it('migration for some objects only: verified to apply and to leave exactly the other changes; one that needs an unselected change is refused, nothing written', async () => {
    const project = await loadFixture('shop', true);
    const full = await session.diffMigrationsToSchema(project);
    const activation = full.items.filter(
      (i) => i.table === 'users' && (i.column === 'activated_at' || i.column === 'activation_token'),
    );
    assert.equal(activation.length, 3, 'two columns and the unique index of one');
    const named = await rejectionOf(
      session.createBaseline(project, { kind: 'migration', only: activation.map(driftItemKey) }),
    );
    assert.equal(named.code, 'invalid-argument');
    const result = await session.createBaseline(project, {
      kind: 'migration',
      name: 'add_user_activation',
      only: activation.map(driftItemKey),
      now: '2026-02-17T09:30:00Z',
    });
    assert.equal(result.created, true);
    assert.equal(result.migrationName, '20260217093000_add_user_activation');
    assert.deepEqual(result.items.map(driftItemKey).sort(), activation.map(driftItemKey).sort());
    const written = fs.readFileSync(result.sqlPath ?? '', 'utf8');
    assert.match(written, /ADD COLUMN\s+"activated_at"/);
    assert.doesNotMatch(written, /invoices|legacy_notes/);
    assert.match(result.message, /verified on the shadow database; 7 SQL statements stay for another migration/);
    const after = await session.diffMigrationsToSchema(await loadProject(project.root));
    assert.deepEqual(
      after.items.map(driftItemKey).sort(),
      full.items
        .filter((i) => !activation.includes(i))
        .map(driftItemKey)
        .sort(),
    );

    // The foreign key alone needs its table, which was not selected: refused, and nothing is left behind.
    const reloaded = await loadProject(project.root);
    const fk = after.items.filter((i) => i.object === 'foreignKey');
    const before = fs.readdirSync(reloaded.migrationsDir).sort();
    const refused = await rejectionOf(
      session.createBaseline(reloaded, {
        kind: 'migration',
        name: 'fk_only',
        only: fk.map(driftItemKey),
        now: '2026-02-18T09:30:00Z',
      }),
    );
    assert.equal(refused.code, 'refused');
    assert.match(
      refused.message,
      /^The migration with only the selected changes failed on the shadow database at line 1 .*relation "invoices" does not exist.*Nothing was written to prisma\/migrations\. It needs a change that was not selected/,
    );
    assert.deepEqual(fs.readdirSync(reloaded.migrationsDir).sort(), before);
    assert.deepEqual(
      fs.readdirSync(path.join(reloaded.root, '.drift-guard', 'drafts')).filter((n) => !n.startsWith('.')),
      [],
      'the partial draft is removed',
    );
  });

  it('never overwrites an existing migration folder', async () => {
    const project = await loadFixture('shop', true);
    fs.mkdirSync(path.join(project.migrationsDir, '20260217093000_baseline'));
    const error = await rejectionOf(session.createBaseline(project, { now: '2026-02-17T09:30:00Z' }));
    assert.equal(error.code, 'already-exists');
  });

  it('a migration failing on the shadow names the migration, the line and the PostgreSQL error', async () => {
    const project = await addMigration(
      await loadFixture('blog-multifile', true),
      '20250302000000_broken',
      'ALTER TABLE "posts" ADD COLUMN "slug" TEXT;\n\nALTER TABLE "comments" ADD COLUMN "x" INT;\n',
    );
    const error = await rejectionOf(session.diffMigrationsToSchema(project));
    assert.equal(error.code, 'migration-failed');
    assert.equal(error.migration, '20250302000000_broken');
    assert.equal(error.location?.line, 3);
    assert.match(
      error.message,
      /20250302000000_broken failed on the shadow database \(line 3\): relation "comments" does not exist/,
    );
  });

  it('a runtime error after an explicit COMMIT, a DO $$ body and a BEGIN ATOMIC function is located at its statement, not at line 1', async () => {
    const sql = [
      'ALTER TABLE "posts" ADD COLUMN "slug" TEXT;',
      'DO $$',
      'BEGIN',
      "  RAISE NOTICE 'one; two';",
      'END $$;',
      'CREATE FUNCTION add_one(i integer) RETURNS integer LANGUAGE SQL',
      'BEGIN ATOMIC',
      '  SELECT i + 1;',
      'END;',
      'COMMIT;',
      '-- a check that fails at run time, not at parse time',
      'SELECT 1 / (SELECT count(*) FROM "posts")::int;',
      '',
    ].join('\n');
    const project = await addMigration(await loadFixture('blog-multifile', true), '20250302000000_commit_midway', sql);
    const error = await rejectionOf(session.diffMigrationsToSchema(project));
    assert.equal(error.code, 'migration-failed');
    assert.equal(error.location?.line, 12);
    assert.match(
      error.message,
      /20250302000000_commit_midway failed on the shadow database \(line 12\): division by zero/,
    );
  });

  it('an extension PGlite does not ship is named with its migration', async () => {
    const project = await addMigration(
      await loadFixture('blog-multifile', true),
      '20250302000000_postgis',
      '-- maps\nCREATE EXTENSION IF NOT EXISTS "postgis";\n',
    );
    const error = await rejectionOf(session.diffMigrationsToSchema(project));
    assert.equal(error.code, 'extension-unavailable');
    assert.match(error.message, /^20250302000000_postgis\/migration\.sql:2 creates the extension "postgis"/);
  });

  it('bad inputs: invalid schema (engine message with location), other provider, no lock file, no migrations folder', async () => {
    const project = await loadFixture('blog-multifile');
    const blog = project.schemaFiles.find((f) => f.path.endsWith('blog.prisma'));
    assert.ok(blog);
    const invalid = project.schemaFiles.map((f) =>
      f === blog ? { ...f, content: f.content.replace('  title    String', '  title    Strin') } : f,
    );
    const schemaError = await rejectionOf(session.diffMigrationsToSchema(project, { schemaFiles: invalid }));
    assert.equal(schemaError.code, 'invalid-schema');
    assert.equal(schemaError.location?.file, blog.path);
    assert.equal(schemaError.location?.line, 16);
    assert.match(schemaError.message, /blog\.prisma:16\): Type "Strin" is neither a built-in type/);

    const mysql = project.schemaFiles.map((f) => ({ ...f, content: f.content.replace('"postgresql"', '"mysql"') }));
    assert.equal(
      (await rejectionOf(session.diffMigrationsToSchema(project, { schemaFiles: mysql }))).code,
      'unsupported-provider',
    );

    const noLock = await loadFixture('blog-multifile', true);
    fs.rmSync(path.join(noLock.migrationsDir, 'migration_lock.toml'));
    const lockError = await rejectionOf(session.diffMigrationsToSchema(await loadProject(noLock.root)));
    assert.equal(lockError.code, 'missing-lock-file');
    assert.match(lockError.message, /migration_lock\.toml is missing/);

    const noFolder = copyFixture('blog-multifile');
    fs.rmSync(path.join(noFolder, 'prisma', 'migrations'), { recursive: true });
    const folderError = await rejectionOf(session.diffMigrationsToSchema(await loadProject(noFolder)));
    assert.equal(folderError.code, 'missing-migrations-folder');
  });

  it('applies only appended migrations to the kept shadow', async () => {
    // No cache folder: nothing persisted by earlier runs can answer for the shadow.
    const own = new EngineOperations();
    after(() => own.dispose());
    const base = await loadFixture('blog-multifile', true);
    await own.diffMigrationsToSchema(base);
    const project = await addMigration(
      base,
      '20250303000000_add_slug',
      'ALTER TABLE "posts" ADD COLUMN "slug" TEXT;\n',
    );
    const report = await own.diffMigrationsToSchema(project);
    assert.equal(report.shadow, 'embedded-migrated');
    assert.deepEqual(
      report.items.map((i) => `${i.change} ${i.table}.${i.column}`),
      ['removed posts.slug'],
    );
    assert.match(report.items[0].location?.file ?? '', /20250303000000_add_slug/);
  });

  it('closes the idle embedded shadow; schema edits are still answered from the cached datamodel', async () => {
    // No cache folder: the first analysis really runs the shadow.
    const own = new EngineOperations({ embeddedIdleMs: 300 });
    after(() => own.dispose());
    const project = await loadFixture('blog-multifile');
    await own.diffMigrationsToSchema(project);
    assert.equal((await own.stats()).embeddedShadowRunning, true);
    const deadline = Date.now() + 10_000;
    while ((await own.stats()).embeddedShadowRunning && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await own.stats()).embeddedShadowRunning, false);
    const edited = project.schemaFiles.map((f) => ({
      ...f,
      content: f.content.replace('  name  String', '  name  String\n  bio   String?'),
    }));
    const report = await own.diffMigrationsToSchema(project, { schemaFiles: edited });
    assert.equal(report.shadow, 'embedded-datamodel');
    assert.deepEqual(
      report.items.map((i) => `${i.change} ${i.table}.${i.column}`),
      ['added authors.bio'],
    );
    assert.equal((await own.stats()).embeddedShadowRunning, false);
  });

  it('reports its memory', async () => {
    const stats = await session.stats();
    assert.ok(stats.rssBytes > 0);
    assert.equal(stats.embeddedShadowRunning, true);
    assert.match(stats.engineVersion ?? '', /^[0-9a-f]{40}$/);
  });
});
