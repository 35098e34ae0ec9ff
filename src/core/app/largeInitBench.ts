/**
 * Bench of the text work an analysis does on one large `init` migration (no database, no engine): creation
 * sites of every object, enum and index replays, the diff script parsed into items, every item attributed to
 * the schema and every removed one located in the migration, and the history status with its ordering check.
 * It was quadratic (a 3000-model init never finished); it must stay linear.
 */
import { computeHistoryStatus } from '../history/status';
import { attributeToSchema } from '../drift/attribution';
import { createdObjects, enumValuesAfter, indexTablesAfter, locateRemovedObjects } from '../drift/creationSites';
import { parseDiffScript } from '../drift/diffItems';
import { largeInit } from '../drift/largeInit';

/** Result of {@link benchLargeInitText}; times in milliseconds. */
export interface LargeInitBenchResult {
  models: number;
  /** Size of migration.sql. */
  bytes: number;
  /** Objects the migration creates (tables, columns, indexes, keys, enum values). */
  objects: number;
  /** Drift items when the schema has all of it (added) and when it has none of it (removed). */
  items: number;
  /** Median of the runs, slowest run. */
  medianMs: number;
  maxMs: number;
  runsMs: number[];
}

/** Runs the text work on a `models`-model init migration `runs` times. */
export function benchLargeInitText(models = 3000, runs = 3): LargeInitBenchResult {
  const project = largeInit(models);
  const migration = {
    name: project.migrationName,
    sqlPath: `/bench/${project.migrationName}/migration.sql`,
    sql: project.sql,
  };
  const schemaFiles = [{ path: '/bench/schema.prisma', content: project.schema }];
  let objects = 0;
  let items = 0;
  const runsMs: number[] = [];
  for (let run = 0; run < Math.max(1, runs); run++) {
    const started = performance.now();
    objects = createdObjects(migration).length;
    enumValuesAfter([migration]);
    indexTablesAfter([migration]);
    // The migration is in the engine's diff format: as a diff from nothing, every object is "added".
    const added = parseDiffScript(project.sql);
    attributeToSchema(added, schemaFiles);
    // And as a diff to nothing, every object is "removed", located at its creating line.
    const removed = added.map((item) => ({ ...item, change: 'removed' as const }));
    attributeToSchema(locateRemovedObjects(removed, [migration]), schemaFiles);
    computeHistoryStatus([migration], undefined);
    items = added.length;
    runsMs.push(performance.now() - started);
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return {
    models,
    bytes: Buffer.byteLength(project.sql),
    objects,
    items,
    medianMs: sorted[Math.floor(sorted.length / 2)],
    maxMs: sorted[sorted.length - 1],
    runsMs,
  };
}
