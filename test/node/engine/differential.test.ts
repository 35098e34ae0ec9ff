import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { type DriftReport } from '../../../src/core/drift/driftReport';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { loadProject } from '../../../src/core/project/discovery';
import { type PrismaProject } from '../../../src/core/project/types';
import {
  GENERIC_VARIANTS,
  TRICKY_HISTORIES,
  type TrickyHistory,
  schemaText,
  writeHistoryProject,
} from '../../fixtures/histories';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { testCacheDir } from '../../fixtures/engineProjects';

/**
 * The differential test of "schema vs migrations": every tricky history, and every schema variant of it, is
 * answered by each way the engine can obtain the migrations' end state, and the answers must be the same item by
 * item — the reference being the engine with a real PostgreSQL 15 shadow database, as `prisma migrate diff
 * --from-migrations --shadow-database-url` would run it.
 *
 *  - pg15:              a fresh database on the real PostgreSQL 15 cluster as the shadow (the reference);
 *  - pglite-fresh:      the embedded shadow emptied and every migration applied by the engine itself;
 *  - pglite-migrated:   the embedded shadow migrated by us and kept, introspected for each analysis;
 *  - datamodel:         the fast path — the end state as a verified datamodel, no database;
 *  - datamodel-on-disk: the same datamodel read back by a new session from the cache folder.
 */
describe('differential: cached, uncached and real PostgreSQL shadow give the same answer', function () {
  this.timeout(600_000);
  let pg: PostgresFixture;
  /** Never uses the datamodel: the embedded shadow is always introspected. */
  let migrated: EngineOperations;
  /** The default session: the fast path once its datamodel is prepared. */
  let fast: EngineOperations;
  /** Another session on the same cache folder: the datamodel as a new process reads it from disk. */
  let reread: EngineOperations;
  let counter = 0;
  const salt = `differential run ${process.pid} ${Date.now()}`;
  const datamodelUse: string[] = [];

  before(async () => {
    pg = await sharedPostgres();
    const cacheDir = testCacheDir();
    migrated = new EngineOperations({ cacheDir, datamodelFastPath: false });
    fast = new EngineOperations({ cacheDir });
    reread = new EngineOperations({ cacheDir });
  });
  after(async () => {
    await Promise.all([migrated.dispose(), fast.dispose(), reread.dispose()]);
    // Which histories the fast path could serve (the others fall back to the shadow: slower, never wrong).
    console.log(`      datamodel fast path: ${datamodelUse.join('; ')}`);
  });

  /**
   * SQL compared whitespace-normalised; for the datamodel paths also without `"public".` qualifiers: from a
   * datamodel the engine spells some statements unqualified (the same statements; baselines are always written
   * from the shadow, see `forWriting`).
   */
  const normal = (sql: string | undefined, unqualified: boolean): string | undefined => {
    const spaced = sql?.replace(/\s+/g, ' ').trim();
    return unqualified ? spaced?.replace(/"public"\./g, '') : spaced;
  };
  /** Item identity and the SQL of the item. */
  const itemsOf = (report: DriftReport, unqualified = false): string[] =>
    report.items
      .map((i) =>
        JSON.stringify({
          object: i.object,
          change: i.change,
          schema: i.schema,
          table: i.table,
          column: i.column,
          name: i.name,
          enum: i.enum,
          value: i.value,
          sql: normal(i.sql, unqualified),
        }),
      )
      .sort();
  const scriptOf = (report: DriftReport, unqualified = false): string => normal(report.script, unqualified) ?? '';

  const onPostgres15 = async (project: PrismaProject): Promise<DriftReport> => {
    const name = `differential_${process.pid}_${counter++}`;
    const url = await pg.createDatabase(name);
    try {
      return await migrated.diffMigrationsToSchema(project, { shadow: { kind: 'url', url } });
    } finally {
      await pg.dropDatabase(name);
    }
  };

  const variantsOf = (history: TrickyHistory): Array<[string, string]> => [
    ['as migrated', history.schema],
    ...Object.entries(history.variants ?? {}),
    ...Object.entries(GENERIC_VARIANTS).map(([name, edit]): [string, string] => [name, edit(history)]),
  ];

  for (const history of TRICKY_HISTORIES) {
    it(`${history.name}: ${history.why}`, async () => {
      const root = writeHistoryProject(history, salt);
      const project = await loadProject(root);
      try {
        // The first analysis migrates the embedded shadow and prepares the fast path after answering.
        await fast.diffMigrationsToSchema(project);
        const paths: string[] = [];
        for (const [variant, body] of variantsOf(history)) {
          const schemaFiles = project.schemaFiles.map((f) => ({ ...f, content: schemaText(history, body) }));
          const edited: PrismaProject = { ...project, schemaFiles };
          const reference = await onPostgres15(edited);
          const answers: Array<[string, DriftReport]> = [
            ['pglite-fresh', await migrated.diffMigrationsToSchemaFresh(edited)],
            ['pglite-migrated', await migrated.diffMigrationsToSchema(project, { schemaFiles })],
            ['datamodel', await fast.diffMigrationsToSchema(project, { schemaFiles })],
            ['datamodel-on-disk', await reread.diffMigrationsToSchema(project, { schemaFiles })],
          ];
          for (const [label, report] of answers) {
            const where = `${history.name} / ${variant} / ${label} (${report.shadow})`;
            const unqualified = report.shadow === 'embedded-datamodel';
            assert.deepEqual(
              itemsOf(report, unqualified),
              itemsOf(reference, unqualified),
              `${where}: items differ from the PostgreSQL 15 shadow`,
            );
            assert.equal(
              scriptOf(report, unqualified),
              scriptOf(reference, unqualified),
              `${where}: script differs from the PostgreSQL 15 shadow`,
            );
          }
          paths.push(answers[2][1].shadow);
          if (variant === 'as migrated') {
            // The fixtures describe their schema as closely as Prisma can: the reference finds only what they expect.
            const expected = (history.expectedDrift ?? []).map((sql) => normal(sql, false)).sort();
            const found = reference.items.map((i) => normal(i.sql, false)).sort();
            assert.deepEqual(
              found,
              expected,
              `${history.name}: the PostgreSQL 15 shadow's answer for the schema as migrated:\n${reference.script}`,
            );
          }
        }
        datamodelUse.push(
          `${history.name}=${paths.every((p) => p === 'embedded-datamodel') ? 'yes' : paths.join(',')}`,
        );
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  }

  it('the fast path serves plain histories (so the comparisons above really exercise it)', () => {
    for (const name of [
      'table-renamed-cleanly',
      'column-types-and-defaults',
      'enum-evolution',
      'data-statements-and-not-null',
    ]) {
      assert.ok(
        datamodelUse.includes(`${name}=yes`),
        `${name} was not answered from the datamodel: ${datamodelUse.join('; ')}`,
      );
    }
    // The history a datamodel cannot represent is answered from the shadow instead.
    assert.ok(!datamodelUse.includes('table-renamed-two-unique-indexes=yes'), datamodelUse.join('; '));
  });
});
