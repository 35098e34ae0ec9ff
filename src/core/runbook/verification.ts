/**
 * The post-deploy verification in one line and a few details: the environment's migration history and its
 * live drift, both read through the engine (not the terminal's text).
 */
import * as l10n from '@vscode/l10n';
import { driftedObjects } from '../drift/counts';
import { type DriftFinding } from '../drift/driftFindings';
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
  const others = history.migrations.filter(
    (m) => m.state === 'rolledBack' || m.state === 'modified' || m.state === 'missingLocally',
  );
  const parts = [l10n.t('{0} applied', applied), l10n.t('{0} pending', pending.length)];
  if (failed.length > 0) parts.push(l10n.t('{0} failed', failed.length));
  if (others.length > 0) parts.push(l10n.t('{0} other', others.length));
  parts.push(findings.length === 0 ? l10n.t('no drift') : driftedObjects(findings.length));
  const lines: string[] = [];
  for (const m of failed) {
    lines.push(m.note ? l10n.t('failed: {0} — {1}', m.name, m.note) : l10n.t('failed: {0}', m.name));
  }
  for (const m of pending) lines.push(l10n.t('pending: {0}', m.name));
  for (const m of others) {
    lines.push(
      m.note
        ? l10n.t('{0}: {1} — {2}', stateLabel(m.state), m.name, m.note)
        : l10n.t('{0}: {1}', stateLabel(m.state), m.name),
    );
  }
  for (const f of findings.slice(0, 10)) lines.push(l10n.t('drift: {0}', f.message));
  if (findings.length > 10) lines.push(l10n.t('drift: … and {0} more', findings.length - 10));
  for (const note of history.notes) lines.push(note);
  return {
    ok: pending.length === 0 && failed.length === 0 && findings.length === 0 && history.hasMigrationsTable,
    summary: parts.join(' · '),
    lines,
  };
}

/** The state's name as the summary writes it (English: the state's own identifier, as before). */
function stateLabel(state: string): string {
  switch (state) {
    case 'rolledBack':
      return l10n.t('rolledBack');
    case 'modified':
      return l10n.t('modified');
    case 'missingLocally':
      return l10n.t('missingLocally');
    default:
      return state;
  }
}
