import * as l10n from '@vscode/l10n';
/**
 * One run of a runbook as plain data: each step's state, the variables given, the backups taken. Kept in the
 * workspace state so a reload of the window continues the same run (a backup taken before the reload still
 * counts for the deploy gate). "New Run" starts over.
 */
import { type BackupRecord } from './gates';
import { type Runbook, type StepTarget } from './parser';
import { type StepStatus } from './protocol';

export type { StepStatus } from './protocol';

/** The result of the post-deploy verification of one environment. */
export interface VerificationState {
  status: 'running' | 'done' | 'failed';
  environment: string;
  summary?: string;
  lines?: string[];
  ok?: boolean;
}

export interface StepRunState {
  status: StepStatus;
  /** The runbook command this state belongs to: when the step's text changes, its state starts over. */
  source: string;
  /** The command as it ran (variables substituted, backup file name pinned). */
  command?: string;
  environment?: string;
  target?: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  exitCode?: number | null;
  signal?: string;
  /** Failure, cancel or skip reason. */
  message?: string;
  /** The last refusal of a gate or of the target (the status is unchanged): shown only while it still holds. */
  refusal?: string;
  /** The end of the output, ANSI codes removed (at most {@link OUTPUT_TAIL_CHARS}). */
  output?: string;
  verification?: VerificationState;
}

export interface RunState {
  id: string;
  /** Workspace-relative path of the runbook. */
  runbook: string;
  startedAt: string;
  variables: Record<string, string>;
  steps: Record<string, StepRunState>;
  backups: BackupRecord[];
  /**
   * Sections run somewhere else than written, chosen by the user from a step's hint (the seed's "Verify"
   * and "Rollback" on the server of "Deploy"). Their local steps run on this target.
   */
  sectionTargets?: Record<string, StepTarget>;
}

export const OUTPUT_TAIL_CHARS = 4_000;

/** Where a step runs in this run: as written, or on its section's chosen target for a local step. */
export function effectiveTarget(
  step: { sectionId: string; target: StepTarget },
  run: Pick<RunState, 'sectionTargets'>,
): StepTarget {
  const chosen = run.sectionTargets?.[step.sectionId];
  return chosen && step.target.kind === 'local' ? chosen : step.target;
}

/** A new run; variable values of `previous` are kept except dates (a new run gets a new timestamp). */
export function newRun(
  runbook: string,
  now: Date,
  previous?: RunState,
  dateVariables: readonly string[] = [],
): RunState {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(previous?.variables ?? {})) {
    if (!dateVariables.includes(name)) variables[name] = value;
  }
  return {
    id: runId(now),
    runbook,
    startedAt: now.toISOString(),
    variables,
    steps: {},
    backups: [],
    // Where a section runs is about the document, not the run: kept.
    ...(previous?.sectionTargets ? { sectionTargets: previous.sectionTargets } : {}),
  };
}

function runId(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Brings a stored run in line with the runbook as it is now: states of steps that are gone or whose command
 * changed are dropped (with the backups they recorded); a step left `running` (the window closed while it
 * ran) becomes failed with an unknown exit code.
 */
export function reconcileRun(run: RunState, runbook: Runbook): RunState {
  const commands = new Map(runbook.sections.flatMap((s) => s.steps).map((s) => [s.id, s.command]));
  const steps: Record<string, StepRunState> = {};
  for (const [id, state] of Object.entries(run.steps)) {
    if (commands.get(id) !== state.source) continue;
    steps[id] =
      state.status === 'running'
        ? {
            ...state,
            status: 'failed',
            exitCode: null,
            message: l10n.t('Interrupted: the window closed while the step ran; its exit code is unknown.'),
          }
        : state;
  }
  const sections = new Set(runbook.sections.map((s) => s.id));
  const sectionTargets = Object.fromEntries(
    Object.entries(run.sectionTargets ?? {}).filter(([id]) => sections.has(id)),
  );
  return { ...run, steps, backups: run.backups.filter((b) => steps[b.stepId]?.status === 'succeeded'), sectionTargets };
}

/** Keeps the end of `text` (whole lines where possible) within `max` characters. */
export function appendTail(previous: string, chunk: string, max = OUTPUT_TAIL_CHARS): string {
  const text = previous + chunk;
  if (text.length <= max) return text;
  const cut = text.slice(text.length - max);
  const newline = cut.indexOf('\n');
  return newline >= 0 && newline < cut.length - 1 ? cut.slice(newline + 1) : cut;
}

/** Terminal output as plain text: ANSI escapes gone, `\r\n` → `\n`, carriage-return overwrites resolved. */
export function plainTerminalText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b[@-Z\\-_]/g, '')
      .replace(/\r\n/g, '\n')
      .split('\n')
      .map((line) => {
        const trimmed = line.replace(/\r+$/, '');
        return trimmed.slice(trimmed.lastIndexOf('\r') + 1);
      })
      .join('\n')
  );
}
