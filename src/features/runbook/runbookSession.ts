import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type EnvironmentSetting, parseEnvironmentSettings } from '../../core/environments/config';
import { type PrismaProject } from '../../core/project/types';
import { classifyCommand } from '../../core/runbook/classify';
import { evaluateGates, matchPathPattern, pinBackupCommand, restoreCommandFor, type BackupRecord } from '../../core/runbook/gates';
import { parseRunbook, type Runbook, type RunbookStep, type RunbookVariable, substituteVariables } from '../../core/runbook/parser';
import { type RunbookViewState } from '../../core/runbook/protocol';
import { effectiveTarget, newRun, reconcileRun, type RunState, type StepRunState } from '../../core/runbook/run';
import { type RunRecord } from '../../core/runbook/runLog';
import { describeSshTarget, resolutionEnvironmentName, resolutionKind, resolveTarget, type TargetResolution } from '../../core/runbook/targets';
import { summarizeVerification } from '../../core/runbook/verification';
import { buildView } from '../../core/runbook/view';
import { errorMessage } from '../shared/commands';
import { type RunbookPrompts, SAFE_VALUE } from './prompts';
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

  private record(step: RunbookStep, fields: Omit<RunRecord, 'runId' | 'runbook' | 'section' | 'stepId' | 'step'>): void {
    this.ctx.history.append({ runId: this.runValue.id, runbook: this.relativePath, section: this.sectionOf(step), stepId: step.id, step: step.title, ...fields });
  }

  /** Refuses a step: the reason is shown on it and kept in the run log; its state does not change. */
  private refuse(step: RunbookStep, message: string, environment: string, target: string): StepResult {
    const previous = this.runValue.steps[step.id];
    this.setState(step.id, { ...(previous ?? { status: 'notRun' as const, source: step.command }), message });
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
    const gate = evaluateGates(step.classification, { environment, kind, backups: this.runValue.backups });
    if (gate.verdict === 'refuse') return this.refuse(step, gate.message, environment, targetLabel);

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
    const cwd = step.cwd !== undefined ? substituteVariables(step.cwd, this.runbookValue.variables, values) : undefined;
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
    if (outcome.error) state.message = outcome.error;
    else if (state.status === 'failed') state.message = outcome.exitCode === null ? vscode.l10n.t('Ended by signal {0}', outcome.signal ?? '?') : vscode.l10n.t('Exit code {0}', String(outcome.exitCode));
    else if (state.status === 'cancelled') state.message = vscode.l10n.t('Cancelled after {0} s', (outcome.durationMs / 1000).toFixed(1));

    let backup: BackupRecord | undefined;
    if (state.status === 'succeeded' && classification.kinds.includes('backup')) {
      backup = await this.recordBackup(step, resolution, environment, command, pinned.backupPath, pinned.literal, cwd, values, state);
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
      ...(backup ? { backupPath: backup.path, ...(backup.restoreCommand ? { restoreCommand: backup.restoreCommand } : {}) } : {}),
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
