/**
 * The run history kept per workspace — one record per step execution, skip or refusal — and its markdown
 * export ("Export Run Log"): what ran, where, when, for how long, and how it ended.
 */
import { type StepStatus } from './protocol';

export interface RunRecord {
  runId: string;
  /** Workspace-relative path of the runbook. */
  runbook: string;
  section: string;
  stepId: string;
  step: string;
  /** The command as it ran. */
  command: string;
  /** `local` or the environment's name. */
  environment: string;
  /** Where it ran: `local`, `root@88.99.254.59:22`… */
  target: string;
  /** ISO start time. */
  startedAt: string;
  durationMs?: number;
  exitCode?: number | null;
  status: StepStatus | 'refused';
  message?: string;
  backupPath?: string;
  restoreCommand?: string;
}

/** How many records the workspace keeps (oldest dropped first). */
export const MAX_RUN_RECORDS = 2_000;

/** Appends `record`, keeping at most {@link MAX_RUN_RECORDS}. */
export function appendRecord(records: readonly RunRecord[], record: RunRecord, max = MAX_RUN_RECORDS): RunRecord[] {
  const out = [...records, record];
  return out.length > max ? out.slice(out.length - max) : out;
}

/** `1.2 s`, `340 ms`, `2 min 05 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text.replace(/\r?\n/g, ' ')}${fence.length > 1 ? ' ' : ''}${fence}`;
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const STATUS_TEXT: Record<RunRecord['status'], string> = {
  notRun: 'not run',
  running: 'running',
  succeeded: '✓ succeeded',
  failed: '✗ failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
  refused: '⛔ refused',
};

/** The run log as markdown, newest run first; each run is a table of its steps, then its backups. */
export function formatRunLog(records: readonly RunRecord[], options: { title?: string; generatedAt?: Date } = {}): string {
  const lines: string[] = [`# ${options.title ?? 'Runbook run log'}`, ''];
  lines.push(`Generated ${localTime((options.generatedAt ?? new Date()).toISOString())} · ${records.length} record${records.length === 1 ? '' : 's'}`, '');
  if (records.length === 0) {
    lines.push('No step has run yet.', '');
    return lines.join('\n');
  }
  const runs = new Map<string, RunRecord[]>();
  for (const r of records) {
    const list = runs.get(r.runId) ?? [];
    list.push(r);
    runs.set(r.runId, list);
  }
  const ordered = [...runs.values()].sort((a, b) => b[0].startedAt.localeCompare(a[0].startedAt));
  for (const run of ordered) {
    const environments = [...new Set(run.map((r) => r.environment))].join(', ');
    const failed = run.filter((r) => r.status === 'failed').length;
    lines.push(`## Run of ${localTime(run[0].startedAt)} — ${run[0].runbook}`, '');
    lines.push(`Environments: ${environments} · ${run.length} step execution${run.length === 1 ? '' : 's'}${failed ? ` · ${failed} failed` : ''}`, '');
    lines.push('| Start | Section | Step | Environment | Duration | Exit | Result |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of run) {
      const exit = r.exitCode === undefined ? '' : r.exitCode === null ? '—' : String(r.exitCode);
      const result = `${STATUS_TEXT[r.status]}${r.message ? ` — ${r.message}` : ''}`;
      lines.push(`| ${localTime(r.startedAt)} | ${cell(r.section)} | ${cell(r.step)}<br>${cell(code(r.command))} | ${cell(r.environment)} (${cell(r.target)}) | ${formatDuration(r.durationMs)} | ${exit} | ${cell(result)} |`);
    }
    const backups = run.filter((r) => r.backupPath);
    if (backups.length > 0) {
      lines.push('', '**Backups**', '');
      for (const b of backups) {
        lines.push(`- ${b.environment}: \`${b.backupPath}\`${b.restoreCommand ? ` — restore with ${code(b.restoreCommand)}` : ''}`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}
