/**
 * The post-deploy verification in one line and a few details: the environment's migration history and its
 * live drift, both read through the engine (not the terminal's text).
 */
import { driftedObjects } from '../drift/counts';
import { type DriftFinding } from '../drift/findings';
import { type HistoryStatus } from '../history/status';

export interface VerificationSummary {
  ok: boolean;
  summary: string;
  lines: string[];
}

/** `11 applied · 0 pending · no drift`, with the migrations and drift findings that need attention. */
export function summarizeVerification(history: HistoryStatus, findings: readonly DriftFinding[]): VerificationSummary {
  const count = (state: string): number => history.migrations.filter((m) => m.state === state).length;
  const applied = count('applied');
  const pending = history.migrations.filter((m) => m.state === 'pending');
  const failed = history.migrations.filter((m) => m.state === 'failed');
  const others = history.migrations.filter((m) => m.state === 'rolledBack' || m.state === 'modified' || m.state === 'missingLocally');
  const parts = [`${applied} applied`, `${pending.length} pending`];
  if (failed.length > 0) parts.push(`${failed.length} failed`);
  if (others.length > 0) parts.push(`${others.length} other`);
  parts.push(findings.length === 0 ? 'no drift' : driftedObjects(findings.length));
  const lines: string[] = [];
  for (const m of failed) lines.push(`failed: ${m.name}${m.note ? ` — ${m.note}` : ''}`);
  for (const m of pending) lines.push(`pending: ${m.name}`);
  for (const m of others) lines.push(`${m.state}: ${m.name}${m.note ? ` — ${m.note}` : ''}`);
  for (const f of findings.slice(0, 10)) lines.push(`drift: ${f.message}`);
  if (findings.length > 10) lines.push(`drift: … and ${findings.length - 10} more`);
  for (const note of history.notes) lines.push(note);
  return { ok: pending.length === 0 && failed.length === 0 && findings.length === 0 && history.hasMigrationsTable, summary: parts.join(' · '), lines };
}
