/**
 * One vocabulary for drift counts, shared by the CLI, the editor and the runbook: a count of drift is a count of
 * drifted *objects* — a model, field, enum, enum value, or a table or column the schema has no model for, with the
 * indexes and keys of a new table or column folded into it ({@link groupFindings}) — worded "7 drifted objects".
 * SQL statements are counted only where SQL is shown ("16 SQL statements").
 */
import { type AttributedItem, type Comparison, groupFindings } from './driftFindings';

/** The two forms of a count's wording; `many` gets the number already formatted. The editor passes its translations. */
export interface CountWording {
  one: string;
  many: (n: string) => string;
}

export const DRIFTED_OBJECTS: CountWording = { one: '1 drifted object', many: (n) => `${n} drifted objects` };
export const SQL_STATEMENTS: CountWording = { one: '1 SQL statement', many: (n) => `${n} SQL statements` };

/** `n` in `wording`: the singular for 1, the plural otherwise (0 included). */
export function formatCount(n: number, wording: CountWording): string {
  return n === 1 ? wording.one : wording.many(String(n));
}

/** `1 drifted object`, `7 drifted objects` (or the editor's translation of them). */
export function driftedObjects(n: number, wording: CountWording = DRIFTED_OBJECTS): string {
  return formatCount(n, wording);
}

/** `1 SQL statement`, `16 SQL statements`: only next to SQL. */
export function sqlStatements(n: number, wording: CountWording = SQL_STATEMENTS): string {
  return formatCount(n, wording);
}

/** How many drifted objects `items` (the engine's statements, attributed to the schema) are: the count everyone shows. */
export function countDriftedObjects(items: readonly AttributedItem[], comparison: Comparison): number {
  return groupFindings(items, comparison).length;
}
