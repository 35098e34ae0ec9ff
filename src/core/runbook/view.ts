/**
 * The panel's view state, computed from the parsed runbook, the current run and where each step resolves.
 * Pure, so what the panel shows (states, gates, banners, backups) is unit-tested without a webview.
 */
import { evaluateGates, teamRulesOf } from './gates';
import { type Runbook, type RunbookStep, substituteText, substituteVariables } from './parser';
import { type RunbookViewState, type SectionView, type StepView, type TargetView } from './protocol';
import { stepEquivalent } from './equivalents';
import { stepAdvice } from './restoreSafety';
import { effectiveTarget, type RunState } from './run';
import { describeSshTarget, resolutionEnvironmentName, resolutionKind, type TargetResolution } from './targets';

/** The target view of a resolution. */
export function targetView(resolution: TargetResolution, step: Pick<RunbookStep, 'target'>): TargetView {
  switch (resolution.kind) {
    case 'local':
      return { label: 'local', environment: 'local', kind: 'development', remote: false };
    case 'remote': {
      const ssh = resolution.environment.ssh!;
      return {
        label: `${resolution.environment.name} · ${describeSshTarget({ user: ssh.user, host: ssh.host, ...(ssh.port !== undefined ? { port: ssh.port } : {}) })}`,
        environment: resolution.environment.name,
        kind: resolution.environment.kind,
        remote: true,
      };
    }
    case 'localAgainst':
      return {
        label: resolution.environment.name,
        environment: resolution.environment.name,
        kind: resolution.environment.kind,
        remote: false,
      };
    case 'unmatched': {
      const t = step.target;
      const label = t.kind === 'ssh' ? describeSshTarget(t) : t.kind === 'environment' ? t.environment : 'local';
      return { label, remote: t.kind === 'ssh', problem: { message: resolution.message, action: 'addEnvironment' } };
    }
    case 'ambiguous': {
      const t = step.target;
      return {
        label: t.kind === 'ssh' ? describeSshTarget(t) : '?',
        remote: true,
        problem: { message: resolution.message },
      };
    }
  }
}

/** `12.4 MB`. */
export function formatBytes(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export interface ViewInputs {
  runbook: Runbook;
  run: RunState;
  relativePath: string;
  /** Where a step runs; called once per step. */
  resolve: (step: RunbookStep) => TargetResolution;
  /** The step running now. */
  running?: string;
  /** The last rule-3 verdict (passing rehearsal) known for a production environment, if any. */
  rehearsal?: (environment: string) => { ok: boolean; message: string } | undefined;
}

/** Builds the whole view state. */
export function buildView(inputs: ViewInputs): RunbookViewState {
  const { runbook, run } = inputs;
  const sections: SectionView[] = [];
  for (const section of runbook.sections) {
    const steps: StepView[] = [];
    const production = new Set<string>();
    for (const step of section.steps) {
      const resolution = inputs.resolve(step);
      const target = targetView(resolution, { target: effectiveTarget(step, run) });
      if (target.kind === 'production') production.add(target.label);
      const state = run.steps[step.id];
      const view: StepView = {
        id: step.id,
        sectionId: section.id,
        title: substituteText(step.title, runbook.variables, run.variables),
        command: state?.command ?? substituteVariables(step.command, runbook.variables, run.variables),
        line: step.line,
        manual: step.manual,
        notes: step.notes,
        kinds: step.classification.kinds,
        target,
        status: state?.status ?? 'notRun',
      };
      if (step.classification.destructive && step.classification.destructiveReason) {
        view.destructive = step.classification.destructiveReason;
      }
      if (step.hint) {
        view.hint = step.hint.message;
        const suggested = step.hint.suggestedTarget;
        if (suggested && suggested.kind !== 'local') {
          const label = suggested.kind === 'ssh' ? describeSshTarget(suggested) : suggested.environment;
          view.suggestedTarget = { label, applied: run.sectionTargets?.[section.id] !== undefined };
        }
      }
      const advice = stepAdvice(step.command, step.classification);
      if (advice.length > 0) view.advice = advice;
      const environment = resolutionEnvironmentName(resolution);
      const kind = resolutionKind(resolution);
      if (!step.manual && environment !== undefined && kind !== undefined) {
        const always = evaluateGates(step.classification, {
          environment,
          kind,
          backups: [{ stepId: '', environment, path: '', at: '', verification: { status: 'verified', summary: '' } }],
        });
        if (always.verdict === 'refuse') view.blocked = always.message;
        else {
          const rehearsal = kind === 'production' ? inputs.rehearsal?.(environment) : undefined;
          const now = evaluateGates(step.classification, {
            environment,
            kind,
            backups: run.backups,
            ...(rehearsal ? { rehearsal } : {}),
          });
          if (now.verdict === 'refuse') view.gate = now.message;
        }
        const rules = teamRulesOf(step.classification.kinds, kind);
        if (rules.length > 0) view.rules = rules;
        const equivalent = view.blocked === undefined ? stepEquivalent(view.command) : undefined;
        if (equivalent) view.equivalent = equivalent;
      }
      if (state) {
        if (state.exitCode !== undefined) view.exitCode = state.exitCode;
        if (state.durationMs !== undefined) view.durationMs = state.durationMs;
        if (state.startedAt) view.startedAt = state.startedAt;
        if (state.message) view.message = state.message;
        // A refusal whose reason is gone (the backup has run since, the environment was added) is not shown.
        else if (
          state.refusal &&
          (view.gate !== undefined || view.blocked !== undefined || target.problem !== undefined)
        ) {
          view.message = state.refusal;
        }
        if (state.output && (state.status === 'failed' || state.status === 'cancelled')) {
          view.output = lastLines(state.output, 12);
        }
        if (state.verification) view.verification = state.verification;
        if (
          step.classification.kinds.includes('deploy') &&
          (state.status === 'succeeded' || state.status === 'failed') &&
          environment !== undefined
        ) {
          view.verifyOffered = true;
        }
      }
      const backup = [...run.backups].reverse().find((b) => b.stepId === step.id);
      if (backup) {
        view.backup = { path: backup.path };
        const size = formatBytes(backup.sizeBytes);
        if (size) view.backup.size = size;
        if (backup.restoreCommand) view.backup.restoreCommand = backup.restoreCommand;
        if (backup.sha256) view.backup.sha256 = backup.sha256;
        if (backup.verification) {
          view.backup.verification = { status: backup.verification.status, summary: backup.verification.summary };
        }
      }
      steps.push(view);
    }
    const view: SectionView = {
      id: section.id,
      title: section.title,
      level: section.level,
      kind: section.kind,
      line: section.line,
      notes: section.notes,
      steps,
    };
    if (production.size > 0) view.production = [...production].join(', ');
    // The same "cannot run" reason on several steps is said once, in a banner over the section.
    const problems = new Map<string, { message: string; action?: 'addEnvironment'; steps: number }>();
    for (const step of steps) {
      const problem = step.target.problem;
      if (!problem) continue;
      const entry = problems.get(problem.message) ?? {
        message: problem.message,
        ...(problem.action ? { action: problem.action } : {}),
        steps: 0,
      };
      entry.steps++;
      problems.set(problem.message, entry);
    }
    if (problems.size > 0) {
      view.problems = [...problems.values()];
      for (const step of steps) {
        if (step.target.problem) step.target.problem = { ...step.target.problem, inSectionBanner: true };
      }
    }
    sections.push(view);
  }
  const state: RunbookViewState = {
    file: runbook.file,
    relativePath: inputs.relativePath,
    title: runbook.title,
    runId: run.id,
    runStartedAt: run.startedAt,
    variables: runbook.variables.map((v) => ({
      name: v.name,
      kind: v.kind,
      ...(run.variables[v.name] !== undefined ? { value: run.variables[v.name] } : {}),
    })),
    warnings: runbook.warnings,
    sections,
  };
  if (inputs.running) state.running = inputs.running;
  return state;
}

function lastLines(text: string, count: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}
