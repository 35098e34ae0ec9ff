import { type HistoryStatus, type MigrationState, type MigrationStatus, type OrderingHazard } from './status';

/** How many migrations are in each state on one database. */
export type HistoryCounts = Record<MigrationState, number> & { total: number; hazards: number };

/** Counts the states of a history status (for summaries such as "2 pending · 1 failed"). */
export function countStates(status: HistoryStatus): HistoryCounts {
  const counts: HistoryCounts = {
    applied: 0,
    pending: 0,
    failed: 0,
    rolledBack: 0,
    modified: 0,
    missingLocally: 0,
    total: status.migrations.length,
    hazards: status.hazards.length,
  };
  for (const m of status.migrations) counts[m.state]++;
  return counts;
}

/**
 * A baseline: recorded as applied without running (`migrate resolve --applied`), or named like one
 * (`…_baseline_…`), as the runbook and "Create Baseline" name them.
 */
export function isBaseline(m: MigrationStatus): boolean {
  return m.recordedWithoutRunning === true || /(^|_)baseline(_|$)/i.test(m.name.replace(/^\d+_?/, '_'));
}

/** The ordering hazards that concern one migration (as the one at fault or as the other of the pair). */
export function hazardsFor(status: HistoryStatus, name: string): OrderingHazard[] {
  return status.hazards.filter((h) => h.migration === name || h.other === name);
}
