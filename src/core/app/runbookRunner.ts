import * as l10n from '@vscode/l10n';
/**
 * The runbook step runner: one step from the click to its record — target, gates (the team's rules, the deploy
 * plan, rule 3), variables, confirmation, execution in the environment's terminal, the backup's and the
 * restore's proofs, then the step's state and its entry in the run log. VS Code-free: the questions, the
 * terminals and the storage of the run are small interfaces each front end implements.
 */
import { classifyCommand } from '../runbook/classify';
import {
  type BackupRecord,
  evaluateGates,
  type GateVerdict,
  matchPathPattern,
  pinBackupCommand,
  restoreCommandFor,
} from '../runbook/gates';
import {
  type Runbook,
  type RunbookStep,
  type RunbookVariable,
  substituteText,
  substituteVariables,
} from '../runbook/parser';
import { restoreFailure } from '../runbook/restoreSafety';
import { effectiveTarget, type RunState, type StepRunState } from '../runbook/run';
import {
  describeSshTarget,
  resolutionEnvironmentName,
  resolutionKind,
  type TargetResolution,
} from '../runbook/targets';
import { type ShellRunner, verifyBackup, verifyRestore } from './backupVerification';
import { type DeployPlan } from './deployPlan';
import { type RunRecord, type WriteInput } from './runLog';

/** How a request to run a step ended. */
export interface StepResult {
  /** `refused`: a gate or the target said no; `declined`: the user cancelled a question; `busy`: another step runs. */
  status: StepRunState['status'] | 'refused' | 'declined' | 'busy';
  message?: string;
  state?: StepRunState;
}

/** How a step's command ended in its terminal. */
export interface StepOutcome {
  /** null: no exit status (connection error, killed by a signal, the shell did not report it). */
  exitCode: number | null;
  signal?: string;
  cancelled: boolean;
  durationMs: number;
  /** The end of the output, as plain text. */
  output: string;
  /** Why it could not run or has no exit code (SSH error, terminal closed…). */
  error?: string;
  /** Error code of the SSH layer (`auth-failed`, `host-key-changed`…). */
  errorCode?: string;
  /** SHA256 fingerprint of the SSH host key the command ran through (remote steps). */
  hostKey?: string;
}

/** A typed confirmation: the user must type `expected` (the environment's name). */
export interface TypedConfirmation {
  step: string;
  expected: string;
  reason: string;
  production: boolean;
}

/** Characters allowed in a variable's value: it goes into a shell command as typed. */
export const SAFE_VALUE = /^[\w.:@%+=,/~-]+$/;

/** The questions a step asks before it runs. */
export interface RunnerPrompts {
  /** A variable's value; undefined when the user cancelled. */
  variable(variable: RunbookVariable, defaultValue: string | undefined): Promise<string | undefined>;
  /** Typed confirmation of a destructive step (or a write to production without a database environment). */
  confirmTyped(request: TypedConfirmation): Promise<boolean>;
  /** A write to `environment`, a configured production database (its name typed). */
  confirmDatabaseWrite(environment: string, action: string): Promise<boolean>;
  /** A production deploy lacks a passing rehearsal (rule 3): rehearse now on a copy of `environment`? */
  offerRehearsal?(environment: string, reason: string): Promise<boolean>;
}

/** Runs commands where a step's target says: its terminal, and plain commands for the proofs. */
export interface StepExecutor {
  /** Runs the step's command in the terminal of `resolution`; `signal` cancels it. */
  run(
    resolution: TargetResolution,
    request: { command: string; cwd?: string; signal: AbortSignal },
  ): Promise<StepOutcome>;
  /** Size in bytes of `file` where the step ran. */
  fileSize(resolution: TargetResolution, file: string, cwd: string | undefined): Promise<number | undefined>;
  /** A runner of plain commands where the step ran (backup and restore verification). */
  runner(resolution: TargetResolution): Promise<ShellRunner>;
}

/** The run being made (its steps' states, variables, backups) and the run log. */
export interface RunStorage {
  /** The run as it is now. */
  read(): RunState;
  /** Replaces the run; `persist`: keep it (and tell the views), else only in memory until the next persisting write. */
  write(run: RunState, persist: boolean): void;
  /** Appends to the run log; a failure to write it is the storage's to report. */
  record(record: WriteInput): void;
}

/** What the checks before a step need from the project and its databases. */
export interface RunnerChecks {
  /** Where a step runs, given the configured environments. */
  resolve(step: RunbookStep): TargetResolution;
  /** The deploy plan of `environment`; undefined when it is not a database environment of the project. Throws when it cannot be read. */
  deployPlan(environment: string): Promise<DeployPlan | undefined>;
  /** A refused plan: its text for the refusal (the fix is offered by the front end). */
  planRefused(environment: string, plan: DeployPlan): string;
  /** Rule 3's verdict for a deploy to `environment` (`canRehearse`: a rehearsal could make it pass). */
  rehearsalVerdict(environment: string): Promise<{ ok: boolean; message: string; canRehearse: boolean }>;
  /** Rehearses the pending migrations of `environment` on a copy of it. */
  rehearse(environment: string): Promise<void>;
  /** Whether `environment` is a configured database environment of kind production. */
  isProductionDatabase(environment: string): boolean;
}

/** Where the runner's lines go (the output channel in the editor). */
export interface RunnerLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Everything a {@link RunbookRunner} works with. */
export interface RunnerPorts {
  prompts: RunnerPrompts;
  executor: StepExecutor;
  storage: RunStorage;
  checks: RunnerChecks;
  logger: RunnerLogger;
  /** The runbook as parsed now, and its workspace-relative path. */
  runbook(): { runbook: Runbook; relativePath: string };
  now?: () => Date;
}

/** The fields of a run-log record that the step does not give. */
type RecordFields = Omit<RunRecord, 'runId' | 'runbook' | 'section' | 'stepId' | 'step' | 'source'>;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function dateValue(token: string, now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return token
    .replace('YYYY', String(now.getFullYear()))
    .replace('MM', pad(now.getMonth() + 1))
    .replace('DD', pad(now.getDate()))
    .replace('HH', pad(now.getHours()))
    .replace('MM', pad(now.getMinutes()))
    .replace('SS', pad(now.getSeconds()));
}

/** The value proposed for a variable: its assignment's, or the date of `now` in its format. */
export function variableDefault(variable: RunbookVariable, now: Date): string | undefined {
  if (variable.kind === 'assignment') return variable.defaultValue;
  if (variable.kind === 'date') return dateValue(variable.token, now);
  return undefined;
}

/** Throws unless `value` may go into a shell command as a variable's value. */
export function checkVariableValue(name: string, value: string): void {
  if (!SAFE_VALUE.test(value)) {
    throw new Error(l10n.t('The value of {0} has characters that are not allowed in a runbook variable.', name));
  }
}

/**
 * The deploy plan's gate on a `migrate deploy` step (src/core/app/deployPlan.ts): refused unless every pending
 * migration of the environment is `apply` — a baseline the database already has would fail there (P3018) and leave
 * a failed row that blocks every later deploy (P3009).
 */
export function evaluateDeployPlan(plan: DeployPlan, environment: string): GateVerdict {
  if (plan.deployable) return { verdict: 'allow' };
  const steps = plan.steps
    .filter((s) => s.action !== 'apply')
    .map(
      (s) =>
        `${s.migration}: ${s.action === 'markApplied' ? l10n.t('mark applied (the database already has it)') : s.failed ? l10n.t('failed row') : l10n.t('blocked (partly present)')}`,
    );
  return {
    verdict: 'refuse',
    rule: 'deployPlan',
    message: l10n.t('Deploy to {0} refused by its plan: {1}. Nothing was executed.', environment, steps.join('; ')),
  };
}

/** Runs runbook steps behind the gates, over the ports of one front end. */
export class RunbookRunner {
  constructor(private readonly ports: RunnerPorts) {}

  private now(): Date {
    return this.ports.now?.() ?? new Date();
  }

  private get run(): RunState {
    return this.ports.storage.read();
  }

  private setState(stepId: string, state: StepRunState): void {
    const run = this.run;
    this.ports.storage.write({ ...run, steps: { ...run.steps, [stepId]: state } }, true);
  }

  /** Appends the step's entry to the run log. */
  record(step: RunbookStep, fields: RecordFields): void {
    const { runbook, relativePath } = this.ports.runbook();
    const section = runbook.sections.find((s) => s.id === step.sectionId)?.title ?? '';
    this.ports.storage.record({
      source: 'runbook',
      runId: this.run.id,
      runbook: relativePath,
      section,
      stepId: step.id,
      step: step.title,
      ...fields,
    });
  }

  /** Refuses a step: the reason is shown on it and kept in the run log; its state does not change. */
  refuse(step: RunbookStep, message: string, environment: string, target: string): StepResult {
    const previous = this.run.steps[step.id];
    this.setState(step.id, { ...(previous ?? { status: 'notRun' as const, source: step.command }), refusal: message });
    this.record(step, {
      command: step.command,
      environment,
      target,
      startedAt: this.now().toISOString(),
      status: 'refused',
      message,
    });
    this.ports.logger.warn(
      l10n.t('Runbook {0}: "{1}" refused: {2}', this.ports.runbook().relativePath, step.title, message),
    );
    return { status: 'refused', message };
  }

  /** How the target of a step is named in its state and the run log. */
  targetLabel(resolution: TargetResolution, step: RunbookStep): string {
    switch (resolution.kind) {
      case 'local':
        return 'local';
      case 'remote': {
        const ssh = resolution.environment.ssh!;
        return describeSshTarget({ user: ssh.user, host: ssh.host, port: ssh.port ?? 22 });
      }
      case 'localAgainst':
        return 'local';
      default: {
        const target = effectiveTarget(step, this.run);
        return target.kind === 'ssh'
          ? describeSshTarget(target)
          : target.kind === 'environment'
            ? target.environment
            : 'local';
      }
    }
  }

  /** Values of the variables `names`, asking once for each one not given yet in this run. */
  private async variables(
    names: readonly string[],
    bindings: Record<string, string>,
  ): Promise<Record<string, string> | undefined> {
    const { runbook } = this.ports.runbook();
    const values = { ...this.run.variables, ...bindings };
    let asked = false;
    for (const name of names) {
      if (values[name] !== undefined) continue;
      const variable = runbook.variables.find((v) => v.name === name);
      if (!variable) continue;
      const value = await this.ports.prompts.variable(variable, variableDefault(variable, this.now()));
      if (value === undefined) return undefined;
      checkVariableValue(name, value);
      values[name] = value;
      const run = this.run;
      this.ports.storage.write({ ...run, variables: { ...run.variables, [name]: value } }, false);
      asked = true;
    }
    if (asked) this.ports.storage.write(this.run, true);
    return values;
  }

  /**
   * A `migrate deploy` step on a database environment of the project runs only when the deploy plan of that
   * environment is all `apply`: otherwise the refusal (the plan) is returned. Undefined: it may run.
   */
  private async deployPlanGate(step: RunbookStep, environment: string): Promise<string | undefined> {
    if (!step.classification.kinds.includes('deploy')) return undefined;
    let plan: DeployPlan | undefined;
    try {
      plan = await this.ports.checks.deployPlan(environment);
    } catch (error) {
      // Unknown is not safe: without the plan, the deploy does not run.
      return l10n.t(
        'The deploy plan of {0} could not be read: {1}. Nothing was executed.',
        environment,
        errorMessage(error),
      );
    }
    if (!plan) return undefined;
    const verdict = evaluateDeployPlan(plan, environment);
    if (verdict.verdict === 'allow') return undefined;
    return (
      l10n.t(
        'Deploy to {0} refused: not every pending migration can be deployed there. Nothing was executed.',
        environment,
      ) +
      '\n' +
      this.ports.checks.planRefused(environment, plan)
    );
  }

  /**
   * Runs one step: target, gates, variables, confirmation, then the terminal of its environment, and records it.
   * Resolves when it ended; never throws for a failing command (the state says it). `signal` cancels it.
   */
  async execute(step: RunbookStep, signal: AbortSignal): Promise<StepResult> {
    const { checks, prompts } = this.ports;
    const { runbook, relativePath } = this.ports.runbook();
    const resolution = checks.resolve(step);
    const environment = resolutionEnvironmentName(resolution);
    const kind = resolutionKind(resolution);
    const targetLabel = this.targetLabel(resolution, step);
    if (environment === undefined || kind === undefined) {
      return this.refuse(
        step,
        resolution.kind === 'unmatched' || resolution.kind === 'ambiguous'
          ? resolution.message
          : l10n.t('unknown target'),
        targetLabel,
        targetLabel,
      );
    }
    let gate = evaluateGates(step.classification, { environment, kind, backups: this.run.backups });
    if (gate.verdict === 'refuse') return this.refuse(step, gate.message, environment, targetLabel);
    const planned = await this.deployPlanGate(step, environment);
    if (planned) return this.refuse(step, planned, environment, targetLabel);
    if (kind === 'production' && step.classification.kinds.includes('deploy')) {
      // Rule 3: a passing rehearsal of the very migrations pending on this environment, offered when missing.
      let rehearsal = await checks.rehearsalVerdict(environment);
      if (!rehearsal.ok && rehearsal.canRehearse && (await prompts.offerRehearsal?.(environment, rehearsal.message))) {
        await checks.rehearse(environment);
        rehearsal = await checks.rehearsalVerdict(environment);
      }
      gate = evaluateGates(step.classification, { environment, kind, backups: this.run.backups, rehearsal });
      if (gate.verdict === 'refuse') return this.refuse(step, gate.message, environment, targetLabel);
    }

    // A restore step restores the latest backup of its environment taken in this run.
    const bindings: Record<string, string> = {};
    const latest = [...this.run.backups].reverse().find((b) => b.environment === environment);
    if (step.classification.kinds.includes('restore') && step.classification.restorePath && latest) {
      Object.assign(bindings, matchPathPattern(step.classification.restorePath, latest.path, runbook.variables) ?? {});
    }
    const names = [
      ...new Set([
        ...step.variables,
        ...runbook.variables
          .filter((v) => step.cwd?.includes(v.token) || step.cwd?.includes(`\${${v.name}}`))
          .map((v) => v.name),
      ]),
    ];
    const values = await this.variables(names, bindings);
    if (!values) return { status: 'declined' };
    let command = substituteVariables(step.command, runbook.variables, values);
    const cwd = step.cwd !== undefined ? substituteText(step.cwd, runbook.variables, values) : undefined;
    const classification = classifyCommand(command);
    const pinned = pinBackupCommand(command, classification, this.now());
    command = pinned.command;

    if (gate.confirmation) {
      const confirmed =
        !gate.confirmation.destructive && checks.isProductionDatabase(environment)
          ? await prompts.confirmDatabaseWrite(environment, step.title)
          : await prompts.confirmTyped({
              step: step.title,
              expected: gate.confirmation.expected,
              reason: gate.confirmation.reason,
              production: kind === 'production',
            });
      if (!confirmed) return { status: 'declined' };
    }
    if (signal.aborted) return { status: 'declined' };

    const startedAt = this.now();
    this.setState(step.id, {
      status: 'running',
      source: step.command,
      command,
      environment,
      target: targetLabel,
      startedAt: startedAt.toISOString(),
    });
    this.ports.logger.info(
      l10n.t('Runbook {0}: "{1}" on {2}: {3}', relativePath, step.title, targetLabel, command.split('\n')[0]),
    );
    let outcome: StepOutcome;
    try {
      outcome = await this.ports.executor.run(resolution, { command, ...(cwd !== undefined ? { cwd } : {}), signal });
    } catch (error) {
      outcome = {
        exitCode: null,
        cancelled: false,
        durationMs: this.now().getTime() - startedAt.getTime(),
        output: '',
        error: errorMessage(error),
      };
    }
    const state: StepRunState = {
      status: outcome.cancelled ? 'cancelled' : outcome.exitCode === 0 && !outcome.error ? 'succeeded' : 'failed',
      source: step.command,
      command,
      environment,
      target: targetLabel,
      startedAt: startedAt.toISOString(),
      endedAt: this.now().toISOString(),
      durationMs: outcome.durationMs,
      exitCode: outcome.exitCode,
      ...(outcome.signal ? { signal: outcome.signal } : {}),
      ...(outcome.output ? { output: outcome.output } : {}),
    };
    // `psql < dump` exits 0 after an "ERROR: … already exists" for every statement: a restore that printed an
    // error did not restore.
    const restoreError = state.status === 'succeeded' ? restoreFailure(classification, outcome.output) : undefined;
    if (restoreError) {
      state.status = 'failed';
      state.message = l10n.t(
        'The restore printed an error, so it did not complete (exit code {0}): {1}',
        String(outcome.exitCode),
        restoreError,
      );
    } else if (outcome.error) state.message = outcome.error;
    else if (state.status === 'failed') {
      state.message =
        outcome.exitCode === null
          ? l10n.t('Ended by signal {0}', outcome.signal ?? '?')
          : l10n.t('Exit code {0}', String(outcome.exitCode));
    } else if (state.status === 'cancelled') {
      state.message = l10n.t('Cancelled after {0} s', (outcome.durationMs / 1000).toFixed(1));
    }

    let backup: BackupRecord | undefined;
    if (state.status === 'succeeded' && classification.kinds.includes('backup')) {
      backup = await this.recordBackup(
        step,
        resolution,
        environment,
        command,
        pinned.backupPath,
        pinned.literal,
        cwd,
        values,
        state,
      );
      if (backup) backup = await this.verifyBackup(step, resolution, backup, command, cwd, state);
    }
    // After a restore: the database compared with the backup it restored (tables, rows, _prisma_migrations).
    let proof: RunRecord['proof'];
    if (state.status === 'succeeded' && classification.kinds.includes('restore') && latest?.recipe && latest.census) {
      this.setState(step.id, { ...state, status: 'running' });
      try {
        const runner = await this.ports.executor.runner(resolution);
        const checked = await verifyRestore(
          runner,
          { recipe: latest.recipe, census: latest.census, path: latest.path },
          cwd,
        );
        proof = { ok: checked.ok, summary: checked.summary };
        state.verification = {
          status: 'done',
          environment,
          summary: checked.summary,
          lines: checked.differences,
          ok: checked.ok,
        };
        if (!checked.ok) {
          state.status = 'failed';
          state.message = l10n.t('The restore did not give the backup back: {0}', checked.summary);
        }
      } catch (error) {
        state.status = 'failed';
        state.message = l10n.t(
          'The restored database could not be checked against the backup: {0}',
          errorMessage(error),
        );
        proof = { ok: false, summary: errorMessage(error) };
      }
    }
    this.setState(step.id, state);
    this.record(step, {
      command,
      environment,
      target: targetLabel,
      startedAt: startedAt.toISOString(),
      durationMs: outcome.durationMs,
      exitCode: outcome.exitCode,
      status: state.status,
      ...(state.message ? { message: state.message } : {}),
      ...(outcome.hostKey ? { hostKey: outcome.hostKey } : {}),
      ...(proof ? { proof } : {}),
      ...(backup
        ? {
            backupPath: backup.path,
            ...(backup.restoreCommand ? { restoreCommand: backup.restoreCommand } : {}),
            backup: {
              path: backup.path,
              ...(backup.sizeBytes !== undefined ? { sizeBytes: backup.sizeBytes } : {}),
              ...(backup.sha256 ? { sha256: backup.sha256 } : {}),
              ...(backup.verification
                ? { verification: backup.verification.status, verificationSummary: backup.verification.summary }
                : { verification: 'notVerified' as const }),
              ...(backup.restoreCommand ? { restoreCommand: backup.restoreCommand } : {}),
            },
          }
        : {}),
    });
    const exit =
      outcome.exitCode !== null && outcome.exitCode !== undefined ? ` (${l10n.t('exit {0}', outcome.exitCode)})` : '';
    this.ports.logger.info(
      l10n.t(
        'Runbook {0}: "{1}" {2}{3} in {4} ms{5}',
        relativePath,
        step.title,
        state.status,
        exit,
        outcome.durationMs,
        state.message ? `: ${state.message}` : '',
      ),
    );
    return { status: state.status, state, ...(state.message ? { message: state.message } : {}) };
  }

  /**
   * After a backup step: its file (pinned before it ran), its size — an empty file fails the step — and the
   * exact command that restores it. The restore step's variables (the seed's `YYYYMMDD_HHMMSS`) are set to it.
   */
  private async recordBackup(
    step: RunbookStep,
    resolution: TargetResolution,
    environment: string,
    command: string,
    backupPath: string | undefined,
    literal: boolean,
    cwd: string | undefined,
    values: Record<string, string>,
    state: StepRunState,
  ): Promise<BackupRecord | undefined> {
    if (!backupPath) return undefined;
    let sizeBytes: number | undefined;
    if (literal) {
      try {
        sizeBytes = await this.ports.executor.fileSize(resolution, backupPath, cwd);
      } catch (error) {
        this.ports.logger.warn(l10n.t('Runbook: could not read the size of {0}: {1}', backupPath, errorMessage(error)));
      }
    }
    if (sizeBytes === 0) {
      state.status = 'failed';
      state.message = l10n.t('The backup file {0} is empty: the backup did not work.', backupPath);
      return undefined;
    }
    const { runbook } = this.ports.runbook();
    const sameEnvironment = (s: RunbookStep): boolean =>
      resolutionEnvironmentName(this.ports.checks.resolve(s)) === environment;
    // Prefer the runbook's restore step on the same environment; the seed's rollback is not bound to the server.
    const restore = [...runbook.sections.flatMap((s) => s.steps)].some(
      (s) => s.classification.kinds.includes('restore') && sameEnvironment(s),
    )
      ? restoreCommandFor(command, backupPath, runbook, values, sameEnvironment)
      : restoreCommandFor(command, backupPath, runbook, values);
    const record: BackupRecord = {
      stepId: step.id,
      environment,
      path: backupPath,
      at: this.now().toISOString(),
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      ...(restore ? { restoreCommand: restore.command } : {}),
    };
    const run = this.run;
    this.ports.storage.write(
      {
        ...run,
        backups: [...run.backups.filter((b) => b.stepId !== step.id), record],
        variables: { ...run.variables, ...(restore?.bindings ?? {}) },
      },
      false,
    );
    const size = sizeBytes !== undefined ? ` (${l10n.t('{0} bytes', sizeBytes)})` : '';
    const restoreWith = restore ? `; ${l10n.t('restore with: {0}', restore.command)}` : '';
    this.ports.logger.info(l10n.t('Runbook: backup of {0} in {1}{2}{3}', environment, backupPath, size, restoreWith));
    return record;
  }

  /**
   * A verified backup: its sha256 and size where it was written, then a restore into a scratch database on the
   * same server compared with the source. A backup that does not verify fails its step (and keeps the
   * production deploy gate closed), saying what differs.
   */
  private async verifyBackup(
    step: RunbookStep,
    resolution: TargetResolution,
    backup: BackupRecord,
    command: string,
    cwd: string | undefined,
    state: StepRunState,
  ): Promise<BackupRecord> {
    let verified: BackupRecord;
    try {
      const runner = await this.ports.executor.runner(resolution);
      const result = await verifyBackup(runner, {
        backupCommand: command,
        path: backup.path,
        ...(cwd !== undefined ? { cwd } : {}),
      });
      verified = {
        ...backup,
        ...(result.sizeBytes !== undefined ? { sizeBytes: result.sizeBytes } : {}),
        ...(result.sha256 ? { sha256: result.sha256 } : {}),
        verification: {
          status: result.status,
          summary: result.summary,
          ...(result.where ? { where: result.where } : {}),
          ...(result.differences.length ? { differences: result.differences } : {}),
        },
        ...(result.recipe ? { recipe: result.recipe } : {}),
        ...(result.census ? { census: result.census } : {}),
      };
    } catch (error) {
      verified = {
        ...backup,
        verification: { status: 'failed', summary: l10n.t('Not verified: {0}', errorMessage(error)) },
      };
    }
    if (verified.verification?.status !== 'verified') {
      state.status = 'failed';
      state.message = l10n.t('The backup was written but did not verify: {0}', verified.verification?.summary ?? '');
    }
    const run = this.run;
    this.ports.storage.write(
      { ...run, backups: [...run.backups.filter((b) => b.stepId !== step.id), verified] },
      false,
    );
    const sha = verified.sha256 ? ` (sha256 ${verified.sha256})` : '';
    this.ports.logger.info(
      l10n.t(
        'Runbook: backup {0} of {1}: {2}{3}',
        verified.path,
        verified.environment,
        verified.verification?.summary ?? '',
        sha,
      ),
    );
    return verified;
  }
}
