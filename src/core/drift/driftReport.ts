import { type EngineDiff } from '../engine/api';
import { type LocalMigration } from '../project/types';
import { splitQualified } from '../sql/sqlText';
import { enumValuesAfter, indexTablesAfter, locateRemovedObjects } from './creationSites';
import { type DriftItem, parseDiffScript } from './diffItems';

/** The result of a diff: the engine's SQL script and the items parsed from it. */
export interface DriftReport {
  /** The script as `prisma migrate diff --script` prints it (empty string when there is nothing). */
  script: string;
  /** One item per table / column / enum / enum value / index / key, in database names. */
  items: DriftItem[];
  /** True when the engine found nothing to change. */
  empty: boolean;
  /** How the source side was obtained (see {@link EngineDiff.shadow}). */
  shadow: EngineDiff['shadow'];
  timings: EngineDiff['timings'];
}

/**
 * The engine's diff as a drift report: its script parsed into items, and, when migrations are involved, removed
 * objects placed where the migrations created them (enum values replayed, index tables known).
 */
export function toDriftReport(diff: EngineDiff): DriftReport {
  const { script, empty, shadow, timings } = diff;
  if (!diff.migrations) return { script, items: parseDiffScript(script), empty, shadow, timings };
  const migrations = diff.migrations;
  const enumsBefore = enumValuesAfter(migrations);
  const items = withIndexTables(
    locateRemovedObjects(parseDiffScript(script, { enumValuesBefore: (name) => enumsBefore.get(name) }), migrations),
    migrations,
  );
  return { script, items, empty, shadow, timings };
}

/**
 * Index items the engine's script does not place (`DROP INDEX "x"`, `ALTER INDEX "x" RENAME TO "y"`) get the table
 * the migrations created that index on, so they are said in model terms instead of "table ?".
 */
function withIndexTables(items: DriftItem[], migrations: readonly LocalMigration[]): DriftItem[] {
  if (!items.some((i) => i.object === 'index' && i.table === undefined)) return items;
  const tables = indexTablesAfter(migrations);
  for (const item of items) {
    if (item.object !== 'index' || item.table !== undefined || item.name === undefined) continue;
    // A rename names the new index; the migrations know it by the old name.
    const renamed =
      /^\s*ALTER\s+INDEX\s+(?:IF\s+EXISTS\s+)?((?:"(?:[^"]|"")+"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[\w$]+))?)\s+RENAME/i.exec(
        item.sql,
      );
    const known = tables.get(renamed ? splitQualified(renamed[1]).name : item.name);
    if (!known) continue;
    item.table = known.table;
    if (known.schema !== undefined && known.schema !== 'public' && item.schema === undefined) {
      item.schema = known.schema;
    }
  }
  return items;
}
