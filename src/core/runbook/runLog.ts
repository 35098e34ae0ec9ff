/**
 * The run log moved to the application layer (src/core/app/runLog.ts): one audit trail for the runbook, the
 * Migrations view, Create Baseline and the CLI. Re-exported here for the runbook's modules.
 */
export { appendRecord, formatDuration, formatRunLog, MAX_RUN_RECORDS, type RunRecord } from '../app/runLog';
