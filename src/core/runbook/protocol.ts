/**
 * The one message protocol between the runbook panel's host (src/features/runbook) and its webview
 * (webview/runbook). Both sides import these types; nothing else crosses the boundary.
 *
 * Handshake: the webview posts `ready` once its script runs (and again after it is re-created when the panel
 * becomes visible); only then does the host post `init` (labels) and `state`. The host always sends the whole
 * view state: it is small (one entry per step) and a snapshot cannot be applied out of order.
 */

/* No imports: the web bundle includes this file as it is. */

export type StepStatus = 'notRun' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export type EnvironmentKindView = 'production' | 'staging' | 'development';

/** Where a step or section runs, as shown. */
export interface TargetView {
  /** `local`, `production · root@88.99.254.59`, `staging (local, its URL)`. */
  label: string;
  environment?: string;
  kind?: EnvironmentKindView;
  remote: boolean;
  /** Why it cannot run yet, with the action that fixes it. */
  problem?: {
    message: string;
    action?: 'addEnvironment';
    /** Said once in the section's banner instead of on the step. */ inSectionBanner?: boolean;
  };
}

export interface VerificationView {
  status: 'running' | 'done' | 'failed';
  environment: string;
  /** One line: `11 applied · 0 pending · no drift`. */
  summary?: string;
  /** Details: pending or failed migrations, drift findings, the error. */
  lines?: string[];
  ok?: boolean;
}

export interface BackupView {
  path: string;
  size?: string;
  restoreCommand?: string;
  sha256?: string;
  /** The restore into a scratch database, compared with the source: where, and what differs. */
  verification?: { status: 'verified' | 'failed'; summary: string };
}

export interface StepView {
  id: string;
  sectionId: string;
  title: string;
  /** The command as it will run (variables substituted when known). */
  command: string;
  line: number;
  manual: boolean;
  notes: string[];
  kinds: string[];
  /** Why it needs a typed confirmation, when it is destructive. */
  destructive?: string;
  target: TargetView;
  /** A refusal known before running (e.g. `db push` on production): the step never runs there. */
  blocked?: string;
  /** A gate that holds until something else happened (a deploy to production waits for a backup). */
  gate?: string;
  /**
   * The extension's equivalent of this Prisma CLI step (for where the CLI cannot run), offered beside Run:
   * Create Baseline for the baseline's `migrate diff`, Mark Applied (with proof) for `migrate resolve --applied`,
   * the engine's status for `migrate status`.
   */
  equivalent?: { kind: 'createBaseline' | 'markApplied' | 'status'; migration?: string };
  /** The team's rules (numbered as in its strategy document) that this step's gates enforce; labels `rule1`…`rule6`. */
  rules?: number[];
  hint?: string;
  /** Warnings on what the command itself does (an unrestorable backup, a detached checkout), with a corrected command. */
  advice?: Array<{ message: string; command?: string }>;
  /** The server the hint suggests (`root@88.99.254.59`), and whether this run uses it for the section. */
  suggestedTarget?: { label: string; applied: boolean };
  status: StepStatus;
  exitCode?: number | null;
  durationMs?: number;
  startedAt?: string;
  /** Failure, cancel or skip reason; or the gate's last refusal. */
  message?: string;
  /** Last lines of output (failed steps). */
  output?: string;
  backup?: BackupView;
  /** Offered after a deploy step: history and live drift of that environment through the engine. */
  verifyOffered?: boolean;
  verification?: VerificationView;
}

export interface SectionView {
  id: string;
  title: string;
  level: number;
  kind: string;
  line: number;
  notes: string[];
  steps: StepView[];
  /** Production targets in this section: the red banner. */
  production?: string;
  /** Why steps of this section cannot run (no environment connects to their server…), once for the section. */
  problems?: Array<{ message: string; action?: 'addEnvironment'; steps: number }>;
}

export interface VariableView {
  name: string;
  kind: 'assignment' | 'placeholder' | 'date';
  value?: string;
}

export interface RunbookViewState {
  file: string;
  relativePath: string;
  title: string;
  runId: string;
  runStartedAt: string;
  /** The step running now, if any (one at a time per runbook). */
  running?: string;
  variables: VariableView[];
  warnings: { line: number; message: string }[];
  sections: SectionView[];
  /** The runbook could not be read or parsed. */
  error?: string;
}

/** Texts of the webview, localised by the host. */
export const LABEL_KEYS = [
  'run',
  'rerun',
  'runSection',
  'skip',
  'copy',
  'cancel',
  'markDone',
  'newRun',
  'exportLog',
  'openSource',
  'addEnvironment',
  'verify',
  'verifyHint',
  'edit',
  'notRun',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
  'manual',
  'destructive',
  'production',
  'exit',
  'backupFile',
  'restoreWith',
  'variables',
  'warnings',
  'runStarted',
  'noSteps',
  'refused',
  'loading',
  'notSet',
  'runOn',
  'runHere',
  'runsOnSuggested',
  'stepsCannotRun',
  'teamRule',
  'rule1',
  'rule2',
  'rule3',
  'rule4',
  'rule5',
  'rule6',
  'equivalentCreateBaseline',
  'equivalentMarkApplied',
  'equivalentStatus',
  'equivalentHint',
] as const;

export type LabelKey = (typeof LABEL_KEYS)[number];
export type Labels = Record<LabelKey, string>;

/** Host → webview. */
export type HostMessage = { type: 'init'; labels: Labels } | { type: 'state'; state: RunbookViewState };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'run'; stepId: string }
  | { type: 'runSection'; sectionId: string }
  | { type: 'skip'; stepId: string }
  | { type: 'markDone'; stepId: string }
  | { type: 'copy'; stepId: string; what: 'command' | 'restore' }
  | { type: 'cancel' }
  | { type: 'verify'; stepId: string }
  | { type: 'newRun' }
  | { type: 'exportLog' }
  | { type: 'openSource'; line: number }
  | { type: 'addEnvironment' }
  | { type: 'editVariable'; name: string }
  /** Run the step's section where its hint suggests (the seed's unbound "Verify" and "Rollback"), or not. */
  | { type: 'useSuggestedTarget'; stepId: string; use: boolean }
  /** Run the extension's equivalent of the step's Prisma CLI command instead of the command. */
  | { type: 'runEquivalent'; stepId: string };

/** What the webview keeps with `setState` (for the serializer after a reload). */
export interface WebviewPersistedState {
  file: string;
  state?: RunbookViewState;
  labels?: Labels;
  /** Sections folded by the user. */
  collapsed?: string[];
}

const WEBVIEW_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'ready',
  'run',
  'runSection',
  'skip',
  'markDone',
  'copy',
  'cancel',
  'verify',
  'newRun',
  'exportLog',
  'openSource',
  'addEnvironment',
  'editVariable',
  'useSuggestedTarget',
  'runEquivalent',
]);

/** Checks a message from the webview before the host acts on it (the webview is a separate, less trusted context). */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  if (typeof m.type !== 'string' || !WEBVIEW_MESSAGE_TYPES.has(m.type)) return false;
  switch (m.type) {
    case 'run':
    case 'skip':
    case 'markDone':
    case 'verify':
    case 'runEquivalent':
      return typeof m.stepId === 'string';
    case 'copy':
      return typeof m.stepId === 'string' && (m.what === 'command' || m.what === 'restore');
    case 'runSection':
      return typeof m.sectionId === 'string';
    case 'openSource':
      return typeof m.line === 'number' && Number.isInteger(m.line);
    case 'editVariable':
      return typeof m.name === 'string';
    case 'useSuggestedTarget':
      return typeof m.stepId === 'string' && typeof m.use === 'boolean';
    default:
      return true;
  }
}
