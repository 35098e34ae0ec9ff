import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type EnvironmentSetting, parseEnvironmentSettings } from '../../core/environments/config';
import { checksumsOf, DEFAULT_REHEARSAL_MAX_AGE_HOURS, readRehearsals, rehearsalGate } from '../../core/app/rehearsals';
import { type PrismaProject } from '../../core/project/types';
import { classifyCommand } from '../../core/runbook/classify';
import { stepEquivalent } from '../../core/runbook/equivalents';
import { resolveOn } from '../drift/commands';
import { evaluateDeployPlan, evaluateGates, matchPathPattern, pinBackupCommand, restoreCommandFor, type BackupRecord } from '../../core/runbook/gates';
import { parseRunbook, type Runbook, type RunbookStep, type RunbookVariable, substituteText, substituteVariables } from '../../core/runbook/parser';
import { type RunbookViewState } from '../../core/runbook/protocol';
import { restoreFailure } from '../../core/runbook/restoreSafety';
import { effectiveTarget, newRun, reconcileRun, type RunState, type StepRunState } from '../../core/runbook/run';
import { verifyBackup, verifyRestore } from '../../core/app/backupVerification';
import { type RunRecord } from '../../core/app/runLog';
import { describeSshTarget, resolutionEnvironmentName, resolutionKind, resolveTarget, type TargetResolution } from '../../core/runbook/targets';
import { summarizeVerification } from '../../core/runbook/verification';
import { buildView } from '../../core/runbook/view';
import { errorMessage } from '../shared/commands';
import { type RunbookPrompts, SAFE_VALUE } from './prompts';
import { type DeployPlan } from '../../core/app/deployPlan';
import { describePlan, offerPlanFix, planOn } from '../migrations/deployPlan';
import { type RunbookContext } from './runbookContext';
import { type StepOutcome } from './terminals';

/** How a request to run a step ended. */
export interface StepResult {
  /** `refused`: a gate or the target said no; `declined`: the user cancelled a question; `busy`: another step runs. */
  status: StepRunState['status'] | 'refused' | 'declined' | 'busy';
  message?: string;
  state?: StepRunState;
}

const RUN_KEY_PREFIX = 'driftGuard.runbook.run:';

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

/**
 * One runbook file: its parsed steps, the current run (persisted per workspace), and running steps — one at a
 * time — in the terminal of their environment, behind the gates.
 */
export class RunbookSession implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires when anything shown in the panel changed. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private runbookValue: Runbook;
  private runValue: RunState;
  private project: PrismaProject | undefined;
  private running: { stepId: string; abort: AbortController } | undefined;
  private reparseTimer: NodeJS.Timeout | undefined;
  private loadError: string | undefined;
  /** The last rule-3 verdict per production environment (shown as the deploy step's gate). */
  private readonly rehearsalVerdicts = new Map<string, { ok: boolean; message: string }>();

  private constructor(
    readonly uri: vscode.Uri,
    private readonly ctx: RunbookContext,
    markdown: string,
  ) {
    this.runbookValue = parseRunbook(uri.fsPath, markdown);
    const stored = ctx.context.workspaceState.get<RunState>(this.runKey);
    this.runValue = stored ? reconcileRun(stored, this.runbookValue) : newRun(this.relativePath, new Date());
    vscode.workspace.onDidChangeTextDocument((e) => e.document.uri.toString() === uri.toString() && this.scheduleReparse(), undefined, this.disposables);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(uri.fsPath)), path.basename(uri.fsPath)));
    this.disposables.push(watcher);
    watcher.onDidChange(() => this.scheduleReparse(), undefined, this.disposables);
    watcher.onDidCreate(() => this.scheduleReparse(), undefined, this.disposables);
    ctx.environments.onDidChangeEnvironments(() => this.changeEmitter.fire(), undefined, this.disposables);
    ctx.projects.onDidChangeProjects(() => void this.findProject().then(() => this.changeEmitter.fire()), undefined, this.disposables);
  }

  /** Reads and parses the runbook, restoring the run stored for it. */
  static async open(uri: vscode.Uri, ctx: RunbookContext): Promise<RunbookSession> {
    const session = new RunbookSession(uri, ctx, await readText(uri));
    await session.findProject();
    return session;
  }

  get runbook(): Runbook {
    return this.runbookValue;
  }

  get run(): RunState {
    return this.runValue;
  }

  /** The step running now. */
  get runningStep(): string | undefined {
    return this.running?.stepId;
  }

  get relativePath(): string {
    return vscode.workspace.asRelativePath(this.uri, false);
  }

  private get runKey(): string {
    return `${RUN_KEY_PREFIX}${this.uri.toString()}`;
  }

  private get prompts(): RunbookPrompts {
    return this.ctx.prompts();
  }

  /** The project the runbook belongs to: the one whose folder holds it, else one of its workspace folder. */
  private async findProject(): Promise<void> {
    const projects = await this.ctx.projects.ready();
    const file = this.uri.fsPath;
    const owning = projects.filter((p) => file.startsWith(p.root + path.sep)).sort((a, b) => b.root.length - a.root.length)[0];
    const folder = vscode.workspace.getWorkspaceFolder(this.uri);
    this.project = owning ?? projects.find((p) => folder && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p.root))?.uri.toString() === folder.uri.toString()) ?? projects[0];
  }

  private scheduleReparse(): void {
    clearTimeout(this.reparseTimer);
    this.reparseTimer = setTimeout(() => void this.reload(), 250);
  }

  /** Parses the runbook again (after an edit); states of unchanged steps are kept. */
  async reload(): Promise<void> {
    try {
      this.runbookValue = parseRunbook(this.uri.fsPath, await readText(this.uri));
      this.loadError = undefined;
      this.runValue = reconcileRun(this.runValue, this.runbookValue);
      if (this.running && !this.findStep(this.running.stepId)) this.running.abort.abort();
    } catch (error) {
      this.loadError = errorMessage(error);
    }
    this.changeEmitter.fire();
  }

  private environmentSettings(): EnvironmentSetting[] {
    if (this.project) return this.ctx.environments.settingsFor(this.project).environments;
    return parseEnvironmentSettings(vscode.workspace.getConfiguration('driftGuard', this.uri).get<unknown>('environments')).environments;
  }

  /** Where a step runs, given the configured environments. */
  resolve(step: RunbookStep, settings = this.environmentSettings()): TargetResolution {
    return resolveTarget(effectiveTarget(step, this.runValue), settings);
  }

  /**
   * Runs the step's section where its hint suggests (or back where it is written): the seed's "Verify" and
   * "Rollback" use the server's containers of "Deploy" without an ssh line of their own.
   */
  useSuggestedTarget(stepId: string, use: boolean): void {
    const step = this.findStep(stepId);
    const suggested = step?.hint?.suggestedTarget;
    if (!step || !suggested) return;
    const sectionTargets = { ...this.runValue.sectionTargets };
    if (use) sectionTargets[step.sectionId] = suggested;
    else delete sectionTargets[step.sectionId];
    this.runValue = { ...this.runValue, sectionTargets };
    this.persist();
  }

  /** What the panel shows. */
  view(): RunbookViewState {
    const settings = this.environmentSettings();
    const state = buildView({
      runbook: this.runbookValue,
      run: this.runValue,
      relativePath: this.relativePath,
      resolve: (step) => this.resolve(step, settings),
      rehearsal: (environment) => this.rehearsalVerdicts.get(environment),
      ...(this.running ? { running: this.running.stepId } : {}),
    });
    if (this.loadError) state.error = this.loadError;
    return state;
  }

  private findStep(id: string): RunbookStep | undefined {
    return this.runbookValue.sections.flatMap((s) => s.steps).find((s) => s.id === id);
  }

  private sectionOf(step: RunbookStep): string {
    return this.runbookValue.sections.find((s) => s.id === step.sectionId)?.title ?? '';
  }

  private setState(stepId: string, state: StepRunState): void {
    this.runValue = { ...this.runValue, steps: { ...this.runValue.steps, [stepId]: state } };
    this.persist();
  }

  private persist(): void {
    void this.ctx.context.workspaceState.update(this.runKey, this.runValue);
    this.changeEmitter.fire();
  }

  /** Appends to the workspace's run log (a file shared with the CLI); a failure to write it is logged. */
  private record(step: RunbookStep, fields: Omit<RunRecord, 'runId' | 'runbook' | 'section' | 'stepId' | 'step' | 'source'>): void {
    const cwd = this.project?.root ?? vscode.workspace.getWorkspaceFolder(this.uri)?.uri.fsPath;
    void this.ctx.history
      .record({ source: 'runbook', runId: this.runValue.id, runbook: this.relativePath, section: this.sectionOf(step), stepId: step.id, step: step.title, ...fields, ...(cwd ? { cwd } : {}) })
      .catch((error: unknown) => this.ctx.logger.error(`Runbook: the run log could not be written: ${errorMessage(error)}`));
  }

  /** Refuses a step: the reason is shown on it and kept in the run log; its state does not change. */
  /**
   * A `migrate deploy` step on a database environment of the project runs only when the deploy plan of that
   * environment is all `apply`: otherwise the refusal (the plan) is returned, and the fix offered. Undefined: it may run.
   */
  private async deployPlanGate(step: RunbookStep, environment: string): Promise<string | undefined> {
    if (!step.classification.kinds.includes('deploy') || !this.project) return undefined;
    const project = this.project;
    const database = this.ctx.environments.environments(project).find((e) => e.name === environment);
    if (!database) return undefined;
    let plan: DeployPlan;
    try {
      plan = await planOn(this.ctx, project, database);
    } catch (error) {
      // Unknown is not safe: without the plan, the deploy does not run.
      return vscode.l10n.t('The deploy plan of {0} could not be read: {1}. Nothing was executed.', environment, errorMessage(error));
    }
    const verdict = evaluateDeployPlan(plan, environment);
    if (verdict.verdict === 'allow') return undefined;
    void offerPlanFix(project, database, plan, this.ctx.logger);
    return vscode.l10n.t('Deploy to {0} refused: not every pending migration can be deployed there. Nothing was executed.', environment) + '\n' + describePlan(plan);
  }

  private refuse(step: RunbookStep, message: string, environment: string, target: string): StepResult {
    const previous = this.runValue.steps[step.id];
    this.setState(step.id, { ...(previous ?? { status: 'notRun' as const, source: step.command }), refusal: message });
    this.record(step, { command: step.command, environment, target, startedAt: new Date().toISOString(), status: 'refused', message });
    this.ctx.logger.warn(`Runbook ${this.relativePath}: "${step.title}" refused: ${message}`);
    return { status: 'refused', message };
  }

  /** Values of the variables `names`, asking once for each one not given yet in this run. */
  private async variables(names: readonly string[], bindings: Record<string, string>): Promise<Record<string, string> | undefined> {
    const values = { ...this.runValue.variables, ...bindings };
    let asked = false;
    for (const name of names) {
      if (values[name] !== undefined) continue;
      const variable = this.runbookValue.variables.find((v) => v.name === name);
      if (!variable) continue;
      const value = await this.prompts.variable(variable, this.defaultValue(variable));
      if (value === undefined) return undefined;
      if (!SAFE_VALUE.test(value)) throw new Error(vscode.l10n.t('The value of {0} has characters that are not allowed in a runbook variable.', name));
      values[name] = value;
      this.runValue = { ...this.runValue, variables: { ...this.runValue.variables, [name]: value } };
      asked = true;
    }
    if (asked) this.persist();
    return values;
  }

  private defaultValue(variable: RunbookVariable): string | undefined {
    if (variable.kind === 'assignment') return variable.defaultValue;
    if (variable.kind === 'date') return dateValue(variable.token, new Date());
    return undefined;
  }

  /** Asks for a new value of a variable (the panel's "Edit"). */
  async editVariable(name: string): Promise<void> {
    const variable = this.runbookValue.variables.find((v) => v.name === name);
    if (!variable) return;
    const value = await this.prompts.variable(variable, this.runValue.variables[name] ?? this.defaultValue(variable));
    if (value === undefined) return;
    this.setVariable(name, value);
  }

  /** Sets a variable's value for this run. */
  setVariable(name: string, value: string): void {
    if (!SAFE_VALUE.test(value)) throw new Error(vscode.l10n.t('The value of {0} has characters that are not allowed in a runbook variable.', name));
    this.runValue = { ...this.runValue, variables: { ...this.runValue.variables, [name]: value } };
    this.persist();
  }

  /**
   * Runs one step (also "Re-run"): target, gates, variables, confirmation, then the terminal of its environment.
   * Resolves when it ended; never throws for a failing command (the state says it).
   */
  async runStep(stepId: string): Promise<StepResult> {
    const step = this.findStep(stepId);
    if (!step) throw new Error(vscode.l10n.t('No step {0} in {1} (was the runbook edited?).', stepId, this.relativePath));
    if (this.running) return { status: 'busy', message: vscode.l10n.t('"{0}" is running: wait for it or cancel it.', this.findStep(this.running.stepId)?.title ?? this.running.stepId) };
    if (step.manual) return this.markDone(stepId);
    const abort = new AbortController();
    // Claimed before the first question, so two clicks cannot start two steps.
    this.running = { stepId, abort };
    try {
      return await this.execute(step, abort);
    } finally {
      if (this.running?.stepId === stepId) this.running = undefined;
      this.changeEmitter.fire();
    }
  }

  private async execute(step: RunbookStep, abort: AbortController): Promise<StepResult> {
    const resolution = this.resolve(step);
    const environment = resolutionEnvironmentName(resolution);
    const kind = resolutionKind(resolution);
    const targetLabel = this.targetLabel(resolution, step);
    if (environment === undefined || kind === undefined) {
      return this.refuse(step, resolution.kind === 'unmatched' || resolution.kind === 'ambiguous' ? resolution.message : 'unknown target', targetLabel, targetLabel);
    }
    let gate = evaluateGates(step.classification, { environment, kind, backups: this.runValue.backups });
    if (gate.verdict === 'refuse') return this.refuse(step, gate.message, environment, targetLabel);
    const planned = await this.deployPlanGate(step, environment);
    if (planned) return this.refuse(step, planned, environment, targetLabel);
    if (kind === 'production' && step.classification.kinds.includes('deploy')) {
      // Rule 3: a passing rehearsal of the very migrations pending on this environment, offered when missing.
      let rehearsal = await this.rehearsalVerdict(environment);
      if (!rehearsal.ok && rehearsal.canRehearse && this.project && (await this.prompts.offerRehearsal?.(environment, rehearsal.message))) {
        await vscode.commands.executeCommand('driftGuard.rehearseDeploy', this.project.root, environment);
        rehearsal = await this.rehearsalVerdict(environment);
      }
      gate = evaluateGates(step.classification, { environment, kind, backups: this.runValue.backups, rehearsal });
      if (gate.verdict === 'refuse') return this.refuse(step, gate.message, environment, targetLabel);
    }

    // A restore step restores the latest backup of its environment taken in this run.
    const bindings: Record<string, string> = {};
    const latest = [...this.runValue.backups].reverse().find((b) => b.environment === environment);
    if (step.classification.kinds.includes('restore') && step.classification.restorePath && latest) {
      Object.assign(bindings, matchPathPattern(step.classification.restorePath, latest.path, this.runbookValue.variables) ?? {});
    }
    const names = [...new Set([...step.variables, ...this.runbookValue.variables.filter((v) => step.cwd?.includes(v.token) || step.cwd?.includes(`\${${v.name}}`)).map((v) => v.name)])];
    const values = await this.variables(names, bindings);
    if (!values) return { status: 'declined' };
    let command = substituteVariables(step.command, this.runbookValue.variables, values);
    const cwd = step.cwd !== undefined ? substituteText(step.cwd, this.runbookValue.variables, values) : undefined;
    const classification = classifyCommand(command);
    const pinned = pinBackupCommand(command, classification, new Date());
    command = pinned.command;

    if (gate.confirmation) {
      const database = this.project ? this.ctx.environments.environments(this.project).find((e) => e.name === environment) : undefined;
      const confirmed =
        !gate.confirmation.destructive && database && database.kind === 'production'
          ? await this.prompts.confirmWrite(database, step.title)
          : await this.prompts.confirmTyped({ step: step.title, expected: gate.confirmation.expected, reason: gate.confirmation.reason, production: kind === 'production' });
      if (!confirmed) return { status: 'declined' };
    }
    if (abort.signal.aborted) return { status: 'declined' };

    const startedAt = new Date();
    this.setState(step.id, { status: 'running', source: step.command, command, environment, target: targetLabel, startedAt: startedAt.toISOString() });
    this.ctx.logger.info(`Runbook ${this.relativePath}: "${step.title}" on ${targetLabel}: ${command.split('\n')[0]}`);
    let outcome: StepOutcome;
    try {
      outcome = await this.ctx.terminals.run(resolution, this.project, this.uri, { command, ...(cwd !== undefined ? { cwd } : {}), signal: abort.signal });
    } catch (error) {
      outcome = { exitCode: null, cancelled: false, durationMs: Date.now() - startedAt.getTime(), output: '', error: errorMessage(error) };
    }
    const state: StepRunState = {
      status: outcome.cancelled ? 'cancelled' : outcome.exitCode === 0 && !outcome.error ? 'succeeded' : 'failed',
      source: step.command,
      command,
      environment,
      target: targetLabel,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
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
      state.message = vscode.l10n.t('The restore printed an error, so it did not complete (exit code {0}): {1}', String(outcome.exitCode), restoreError);
    } else if (outcome.error) state.message = outcome.error;
    else if (state.status === 'failed') state.message = outcome.exitCode === null ? vscode.l10n.t('Ended by signal {0}', outcome.signal ?? '?') : vscode.l10n.t('Exit code {0}', String(outcome.exitCode));
    else if (state.status === 'cancelled') state.message = vscode.l10n.t('Cancelled after {0} s', (outcome.durationMs / 1000).toFixed(1));

    let backup: BackupRecord | undefined;
    if (state.status === 'succeeded' && classification.kinds.includes('backup')) {
      backup = await this.recordBackup(step, resolution, environment, command, pinned.backupPath, pinned.literal, cwd, values, state);
      if (backup) backup = await this.verifyBackup(step, resolution, backup, command, cwd, state);
    }
    // After a restore: the database compared with the backup it restored (tables, rows, _prisma_migrations).
    let proof: RunRecord['proof'];
    if (state.status === 'succeeded' && classification.kinds.includes('restore') && latest?.recipe && latest.census) {
      this.setState(step.id, { ...state, status: 'running' });
      try {
        const runner = await this.ctx.terminals.runner(resolution, this.project, this.uri);
        const checked = await verifyRestore(runner, { recipe: latest.recipe, census: latest.census, path: latest.path }, cwd);
        proof = { ok: checked.ok, summary: checked.summary };
        state.verification = { status: 'done', environment, summary: checked.summary, lines: checked.differences, ok: checked.ok };
        if (!checked.ok) {
          state.status = 'failed';
          state.message = vscode.l10n.t('The restore did not give the backup back: {0}', checked.summary);
        }
      } catch (error) {
        state.status = 'failed';
        state.message = vscode.l10n.t('The restored database could not be checked against the backup: {0}', errorMessage(error));
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
              ...(backup.verification ? { verification: backup.verification.status, verificationSummary: backup.verification.summary } : { verification: 'notVerified' as const }),
              ...(backup.restoreCommand ? { restoreCommand: backup.restoreCommand } : {}),
            },
          }
        : {}),
    });
    this.ctx.logger.info(`Runbook ${this.relativePath}: "${step.title}" ${state.status}${outcome.exitCode !== null && outcome.exitCode !== undefined ? ` (exit ${outcome.exitCode})` : ''} in ${outcome.durationMs} ms${state.message ? `: ${state.message}` : ''}`);
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
        sizeBytes = await this.ctx.terminals.fileSize(resolution, this.project, this.uri, backupPath, cwd);
      } catch (error) {
        this.ctx.logger.warn(`Runbook: could not read the size of ${backupPath}: ${errorMessage(error)}`);
      }
    }
    if (sizeBytes === 0) {
      state.status = 'failed';
      state.message = vscode.l10n.t('The backup file {0} is empty: the backup did not work.', backupPath);
      return undefined;
    }
    const sameEnvironment = (s: RunbookStep): boolean => resolutionEnvironmentName(this.resolve(s)) === environment;
    // Prefer the runbook's restore step on the same environment; the seed's rollback is not bound to the server.
    const restore =
      [...this.runbookValue.sections.flatMap((s) => s.steps)].some((s) => s.classification.kinds.includes('restore') && sameEnvironment(s))
        ? restoreCommandFor(command, backupPath, this.runbookValue, values, sameEnvironment)
        : restoreCommandFor(command, backupPath, this.runbookValue, values);
    const record: BackupRecord = {
      stepId: step.id,
      environment,
      path: backupPath,
      at: new Date().toISOString(),
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      ...(restore ? { restoreCommand: restore.command } : {}),
    };
    this.runValue = {
      ...this.runValue,
      backups: [...this.runValue.backups.filter((b) => b.stepId !== step.id), record],
      variables: { ...this.runValue.variables, ...(restore?.bindings ?? {}) },
    };
    this.ctx.logger.info(`Runbook: backup of ${environment} in ${backupPath}${sizeBytes !== undefined ? ` (${sizeBytes} bytes)` : ''}${restore ? `; restore with: ${restore.command}` : ''}`);
    return record;
  }

  /**
   * A verified backup: its sha256 and size where it was written, then a restore into a scratch database on the
   * same server compared with the source. A backup that does not verify fails its step (and keeps the
   * production deploy gate closed), saying what differs.
   */
  private async verifyBackup(step: RunbookStep, resolution: TargetResolution, backup: BackupRecord, command: string, cwd: string | undefined, state: StepRunState): Promise<BackupRecord> {
    let verified: BackupRecord;
    try {
      const runner = await this.ctx.terminals.runner(resolution, this.project, this.uri);
      const result = await verifyBackup(runner, { backupCommand: command, path: backup.path, ...(cwd !== undefined ? { cwd } : {}) });
      verified = {
        ...backup,
        ...(result.sizeBytes !== undefined ? { sizeBytes: result.sizeBytes } : {}),
        ...(result.sha256 ? { sha256: result.sha256 } : {}),
        verification: { status: result.status, summary: result.summary, ...(result.where ? { where: result.where } : {}), ...(result.differences.length ? { differences: result.differences } : {}) },
        ...(result.recipe ? { recipe: result.recipe } : {}),
        ...(result.census ? { census: result.census } : {}),
      };
    } catch (error) {
      verified = { ...backup, verification: { status: 'failed', summary: vscode.l10n.t('Not verified: {0}', errorMessage(error)) } };
    }
    if (verified.verification?.status !== 'verified') {
      state.status = 'failed';
      state.message = vscode.l10n.t('The backup was written but did not verify: {0}', verified.verification?.summary ?? '');
    }
    this.runValue = { ...this.runValue, backups: [...this.runValue.backups.filter((b) => b.stepId !== step.id), verified] };
    this.ctx.logger.info(`Runbook: backup ${verified.path} of ${verified.environment}: ${verified.verification?.summary ?? ''}${verified.sha256 ? ` (sha256 ${verified.sha256})` : ''}`);
    return verified;
  }

  private targetLabel(resolution: TargetResolution, step: RunbookStep): string {
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
        const target = effectiveTarget(step, this.runValue);
        return target.kind === 'ssh' ? describeSshTarget(target) : target.kind === 'environment' ? target.environment : 'local';
      }
    }
  }

  /**
   * "Run section": the steps of the section that have not succeeded (nor been skipped), in order, stopping at
   * the first that does not succeed. Manual steps ask to be done first.
   */
  async runSection(sectionId: string): Promise<{ ran: string[]; stoppedAt?: string; result?: StepResult }> {
    const section = this.runbookValue.sections.find((s) => s.id === sectionId);
    if (!section) throw new Error(vscode.l10n.t('No section {0} in {1}.', sectionId, this.relativePath));
    const ran: string[] = [];
    for (const step of section.steps) {
      const state = this.runValue.steps[step.id];
      if (state?.status === 'succeeded' || state?.status === 'skipped') continue;
      if (step.manual) {
        if (!(await this.prompts.manualStep(step.title))) return { ran, stoppedAt: step.id, result: { status: 'declined' } };
        this.markDone(step.id);
        continue;
      }
      const result = await this.runStep(step.id);
      if (result.status !== 'declined' && result.status !== 'busy') ran.push(step.id);
      if (result.status !== 'succeeded') return { ran, stoppedAt: step.id, result };
    }
    return { ran };
  }

  /** Marks a step as skipped, with the user's reason. */
  async skip(stepId: string, reason?: string): Promise<void> {
    const step = this.findStep(stepId);
    if (!step || this.running?.stepId === stepId) return;
    const why = reason ?? (await this.prompts.skipReason(step.title));
    if (why === undefined) return;
    const message = why.trim() || vscode.l10n.t('Skipped by the user');
    this.setState(stepId, { status: 'skipped', source: step.command, message, startedAt: new Date().toISOString() });
    const resolution = this.resolve(step);
    const target = this.targetLabel(resolution, step);
    this.record(step, { command: step.command, environment: resolutionEnvironmentName(resolution) ?? target, target, startedAt: new Date().toISOString(), status: 'skipped', message });
  }

  /** A manual step done by hand. */
  markDone(stepId: string): StepResult {
    const step = this.findStep(stepId);
    if (!step) return { status: 'declined' };
    const state: StepRunState = { status: 'succeeded', source: step.command, startedAt: new Date().toISOString(), message: vscode.l10n.t('Done by hand') };
    this.setState(stepId, state);
    return { status: 'succeeded', state };
  }

  /** Cancels the running step (SIGTERM / Ctrl+C, then the channel or process is closed). */
  cancel(): void {
    this.running?.abort.abort();
  }

  /** Starts a new run: every step back to "not run", backups forgotten; variables kept except dates. */
  newRun(): void {
    if (this.running) throw new Error(vscode.l10n.t('A step is running: cancel it before starting a new run.'));
    const dates = this.runbookValue.variables.filter((v) => v.kind === 'date').map((v) => v.name);
    this.runValue = newRun(this.relativePath, new Date(), this.runValue, dates);
    this.persist();
  }

  /** The exact command of a step (or a backup's restore command), for the clipboard. */
  commandText(stepId: string, what: 'command' | 'restore'): string | undefined {
    const step = this.findStep(stepId);
    if (!step) return undefined;
    if (what === 'restore') return [...this.runValue.backups].reverse().find((b) => b.stepId === stepId)?.restoreCommand;
    return this.runValue.steps[stepId]?.command ?? substituteVariables(step.command, this.runbookValue.variables, this.runValue.variables);
  }

  /**
   * The post-deploy verification: the environment's migration history and live drift, analysed through the
   * engine (the same analysis as the Migrations view), shown on the deploy step. Only that environment is
   * checked: another one that is slow or unreachable neither holds it back nor is interrupted by it.
   */
  async verify(stepId: string): Promise<void> {
    const step = this.findStep(stepId);
    if (!step) return;
    const environment = resolutionEnvironmentName(this.resolve(step));
    const current = this.runValue.steps[stepId];
    if (!environment || !current) return;
    const update = (verification: NonNullable<StepRunState['verification']>): void => this.setState(stepId, { ...(this.runValue.steps[stepId] ?? current), verification });
    if (!this.project) {
      update({ status: 'failed', environment, summary: vscode.l10n.t('No Prisma project found for this runbook: nothing to verify against.') });
      return;
    }
    update({ status: 'running', environment });
    const project = (await this.ctx.projects.ready()).find((p) => p.root === this.project?.root) ?? this.project;
    await this.ctx.analysis.analyzeDatabase(project, environment, 'command');
    const result = this.ctx.analysis.get(project.root)?.databases.find((d) => d.environment.name === environment);
    if (!result) {
      update({ status: 'failed', environment, summary: vscode.l10n.t('{0} is not a database of {1}: add it as an environment to verify it.', environment, project.name) });
    } else if (result.error || !result.history) {
      update({ status: 'failed', environment, summary: result.error?.message ?? vscode.l10n.t('No history was read.') });
    } else {
      const summary = summarizeVerification(result.history, result.findings ?? []);
      update({ status: 'done', environment, summary: summary.summary, lines: summary.lines, ok: summary.ok });
    }
    this.ctx.logger.info(`Runbook: verification of ${environment}: ${this.runValue.steps[stepId]?.verification?.summary ?? ''}`);
  }

  /**
   * Runs the extension's equivalent of the step's Prisma CLI command (for where the CLI cannot run): the engine's
   * status of the step's environment, Mark Applied with its proof, or Create Baseline. The step's state and the
   * run log say which equivalent ran.
   */
  async runEquivalent(stepId: string): Promise<StepResult> {
    const step = this.findStep(stepId);
    if (!step) throw new Error(vscode.l10n.t('No step {0} in {1} (was the runbook edited?).', stepId, this.relativePath));
    if (this.running) return { status: 'busy', message: vscode.l10n.t('"{0}" is running: wait for it or cancel it.', this.findStep(this.running.stepId)?.title ?? this.running.stepId) };
    const source = substituteVariables(step.command, this.runbookValue.variables, this.runValue.variables);
    const equivalent = stepEquivalent(source);
    if (!equivalent) return { status: 'declined', message: vscode.l10n.t('"{0}" has no equivalent in the extension.', step.title) };
    const resolution = this.resolve(step);
    const environment = resolutionEnvironmentName(resolution);
    const targetLabel = this.targetLabel(resolution, step);
    if (environment === undefined) return this.refuse(step, resolution.kind === 'unmatched' || resolution.kind === 'ambiguous' ? resolution.message : 'unknown target', targetLabel, targetLabel);
    const project = this.project && ((await this.ctx.projects.ready()).find((p) => p.root === this.project?.root) ?? this.project);
    if (!project) return this.refuse(step, vscode.l10n.t('No Prisma project found for this runbook.'), environment, targetLabel);
    const abort = new AbortController();
    this.running = { stepId, abort };
    const startedAt = new Date();
    const command =
      equivalent.kind === 'status'
        ? `Prisma Drift Guard: migration status of ${environment} (engine)`
        : equivalent.kind === 'markApplied'
          ? `Prisma Drift Guard: Mark Applied ${equivalent.migration} on ${environment} (with proof)`
          : `Prisma Drift Guard: Create Baseline of ${project.name}`;
    this.setState(step.id, { status: 'running', source: step.command, command, environment, target: targetLabel, startedAt: startedAt.toISOString() });
    let status: StepRunState['status'] = 'failed';
    let message: string;
    let output: string | undefined;
    try {
      if (equivalent.kind === 'status') {
        await this.ctx.analysis.analyzeDatabase(project, environment, 'command');
        const result = this.ctx.analysis.get(project.root)?.databases.find((d) => d.environment.name === environment);
        if (!result) message = vscode.l10n.t('{0} is not a database of {1}: add it as an environment to verify it.', environment, project.name);
        else if (result.error || !result.history) message = result.error?.message ?? vscode.l10n.t('No history was read.');
        else {
          const summary = summarizeVerification(result.history, result.findings ?? []);
          // As `migrate status`, which exits 1 unless the database is up to date.
          status = summary.ok ? 'succeeded' : 'failed';
          message = summary.summary;
          if (summary.lines.length > 0) output = summary.lines.join('\n');
        }
      } else if (equivalent.kind === 'markApplied') {
        // Mark Applied with its proof, confirmed through the runbook's own prompts (typed for production), shown on
        // the step rather than in a notification. The step's record below is its entry in the run log.
        const database = this.ctx.environments.environments(project).find((e) => e.name === environment);
        if (!database) {
          message = vscode.l10n.t('{0} is not a database of {1}: add it as an environment to verify it.', environment, project.name);
        } else {
          const outcome = await resolveOn({ ...this.ctx, runLog: undefined }, project, equivalent.migration, database, 'applied', {
            source: 'runbook',
            confirm: (e, action) => this.prompts.confirmWrite(e, action),
            quiet: true,
          });
          if (outcome.status === 'declined') {
            status = 'notRun';
            message = outcome.message;
          } else {
            await this.ctx.analysis.analyzeDatabase(project, environment, 'command');
            const state = this.ctx.analysis.get(project.root)?.databases.find((d) => d.environment.name === environment)?.history?.migrations.find((m) => m.name === equivalent.migration)?.state;
            status = state === 'applied' ? 'succeeded' : 'failed';
            message =
              state === 'applied'
                ? vscode.l10n.t('{0} is recorded as applied on {1}.', equivalent.migration, environment)
                : outcome.status === 'refused'
                  ? outcome.message
                  : vscode.l10n.t('{0} is not recorded as applied on {1} (state: {2}).', equivalent.migration, environment, state ?? '?');
          }
        }
      } else {
        const before = new Set(project.migrations.map((m) => m.name));
        await vscode.commands.executeCommand('driftGuard.createBaseline', project.root);
        const after = (await this.ctx.projects.ready()).find((p) => p.root === project.root);
        const created = after?.migrations.find((m) => !before.has(m.name));
        status = created ? 'succeeded' : 'failed';
        message = created ? vscode.l10n.t('Baseline {0} created.', created.name) : vscode.l10n.t('No baseline was created.');
      }
    } catch (error) {
      message = errorMessage(error);
    } finally {
      if (this.running?.stepId === stepId) this.running = undefined;
    }
    const durationMs = Date.now() - startedAt.getTime();
    const state: StepRunState = { status, source: step.command, command, environment, target: targetLabel, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(), durationMs, message, ...(output ? { output } : {}) };
    this.setState(step.id, state);
    this.record(step, { command, equivalentOf: source, environment, target: targetLabel, startedAt: startedAt.toISOString(), durationMs, status, message });
    this.ctx.logger.info(`Runbook ${this.relativePath}: "${step.title}" ran its equivalent (${command}): ${status}: ${message}`);
    return { status, state, message };
  }

  /**
   * Rule 3 for a deploy to `environment`: its pending migrations (read through the engine, as the Migrations
   * view does) against the rehearsals recorded in `.drift-guard/rehearsals.json`. Kept for the panel.
   */
  private async rehearsalVerdict(environment: string): Promise<{ ok: boolean; message: string; canRehearse: boolean }> {
    const verdict = await this.computeRehearsalVerdict(environment);
    this.rehearsalVerdicts.set(environment, verdict);
    this.changeEmitter.fire();
    return verdict;
  }

  private async computeRehearsalVerdict(environment: string): Promise<{ ok: boolean; message: string; canRehearse: boolean }> {
    const cannot = (why: string): { ok: boolean; message: string; canRehearse: boolean } => ({
      ok: false,
      canRehearse: false,
      message: vscode.l10n.t('{0}: rule 3 (test the migration on a copy of the prod database before deploying) cannot be checked, so the deploy does not run.', why),
    });
    if (!this.project) return cannot(vscode.l10n.t('No Prisma project found for this runbook, so the migrations pending on {0} are unknown', environment));
    const project = (await this.ctx.projects.ready()).find((p) => p.root === this.project?.root) ?? this.project;
    await this.ctx.analysis.analyzeDatabase(project, environment, 'command');
    const result = this.ctx.analysis.get(project.root)?.databases.find((d) => d.environment.name === environment);
    if (!result) return cannot(vscode.l10n.t('{0} is not a database environment of {1} (no URL), so the migrations pending there are unknown', environment, project.name));
    if (result.error || !result.history) return cannot(vscode.l10n.t('The migrations pending on {0} could not be read ({1})', environment, result.error?.message ?? vscode.l10n.t('no history')));
    const pending = result.history.migrations.filter((m) => (m.state === 'pending' || m.state === 'rolledBack') && m.sqlPath !== undefined);
    const maxAge = vscode.workspace.getConfiguration('driftGuard', this.uri).get<number>('rehearsalMaxAgeHours', DEFAULT_REHEARSAL_MAX_AGE_HOURS);
    const verdict = rehearsalGate(await readRehearsals(project.root), environment, await checksumsOf(pending), new Date(), maxAge);
    return { ok: verdict.ok, message: verdict.message, canRehearse: true };
  }

  /** The project root (for Add Environment). */
  get projectRoot(): string | undefined {
    return this.project?.root;
  }

  dispose(): void {
    clearTimeout(this.reparseTimer);
    this.running?.abort.abort();
    for (const d of this.disposables) d.dispose();
  }
}

/** The runbook's text: the open editor's (unsaved edits included), else the file's. */
async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return fs.readFile(uri.fsPath, 'utf8');
}
