import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type EnvironmentSetting, parseEnvironmentSettings } from '../../core/environments/config';
import { checkRehearsalGate, DEFAULT_REHEARSAL_MAX_AGE_HOURS } from '../../core/app/rehearsals';
import { type PrismaProject } from '../../core/project/types';
import { stepEquivalent } from '../../core/runbook/equivalents';
import { resolveOn } from '../drift/commands';
import { parseRunbook, type Runbook, type RunbookStep, substituteVariables } from '../../core/runbook/parser';
import { type RunbookViewState } from '../../core/runbook/protocol';
import { effectiveTarget, newRun, reconcileRun, type RunState, type StepRunState } from '../../core/runbook/run';
import { type WriteInput } from '../../core/app/runLog';
import { resolutionEnvironmentName, resolveTarget, type TargetResolution } from '../../core/runbook/targets';
import { summarizeVerification } from '../../core/runbook/verification';
import { buildView } from '../../core/runbook/view';
import { errorMessage } from '../shared/commands';
import { type RunbookPrompts } from './prompts';
import { describePlan, offerPlanFix, planOn } from '../migrations/deployPlanPrompts';
import { type RunbookContext } from './runbookContext';
import { type DatabaseEnvironment } from '../environments/environmentService';
import { checkVariableValue, RunbookRunner, type StepResult, variableDefault } from '../../core/app/runbookRunner';
import { Disposable } from '../../core/util/lifecycle';

export type { StepResult } from '../../core/app/runbookRunner';

const RUN_KEY_PREFIX = 'driftGuard.runbook.run:';

/**
 * One runbook file: its parsed steps, the current run (persisted per workspace), and running steps — one at a
 * time — in the terminal of their environment, behind the gates.
 */
export class RunbookSession extends Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires when anything shown in the panel changed. */
  readonly onDidChange = this.changeEmitter.event;
  private runbookValue: Runbook;
  private runValue: RunState;
  private project: PrismaProject | undefined;
  private running: { stepId: string; abort: AbortController } | undefined;
  private reparseTimer: NodeJS.Timeout | undefined;
  private loadError: string | undefined;
  /** The last rule-3 verdict per production environment (shown as the deploy step's gate). */
  private readonly rehearsalVerdicts = new Map<string, { ok: boolean; message: string }>();
  /** The use case (gates, variables, confirmation, execution, record) over this session's prompts, terminals and run. */
  private readonly runner: RunbookRunner;

  private constructor(
    readonly uri: vscode.Uri,
    private readonly ctx: RunbookContext,
    markdown: string,
  ) {
    super();
    this.disposables.push(this.changeEmitter);
    this.runbookValue = parseRunbook(uri.fsPath, markdown);
    const stored = ctx.context.workspaceState.get<RunState>(this.runKey);
    this.runValue = stored ? reconcileRun(stored, this.runbookValue) : newRun(this.relativePath, new Date());
    this.runner = this.createRunner();
    vscode.workspace.onDidChangeTextDocument(
      (e) => e.document.uri.toString() === uri.toString() && this.scheduleReparse(),
      undefined,
      this.disposables,
    );
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(uri.fsPath)), path.basename(uri.fsPath)),
    );
    this.disposables.push(watcher);
    watcher.onDidChange(() => this.scheduleReparse(), undefined, this.disposables);
    watcher.onDidCreate(() => this.scheduleReparse(), undefined, this.disposables);
    ctx.environments.onDidChangeEnvironments(() => this.changeEmitter.fire(), undefined, this.disposables);
    ctx.projects.onDidChangeProjects(
      () => void this.findProject().then(() => this.changeEmitter.fire()),
      undefined,
      this.disposables,
    );
  }

  /** The runner's ports in the editor: VS Code's prompts, the environments' terminals, the workspace state and run log. */
  private createRunner(): RunbookRunner {
    return new RunbookRunner({
      prompts: {
        variable: (variable, defaultValue) => this.prompts.variable(variable, defaultValue),
        confirmTyped: (request) => this.prompts.confirmTyped(request),
        confirmDatabaseWrite: async (environment, action) => {
          const database = this.database(environment);
          if (!database) {
            throw new Error(
              vscode.l10n.t(
                '{0} is not a database of {1}: add it as an environment to verify it.',
                environment,
                this.project?.name ?? '',
              ),
            );
          }
          return this.prompts.confirmWrite(database, action);
        },
        offerRehearsal: async (environment, reason) =>
          (await this.prompts.offerRehearsal?.(environment, reason)) ?? false,
      },
      executor: {
        run: (resolution, request) => this.ctx.terminals.run(resolution, this.project, this.uri, request),
        fileSize: (resolution, file, cwd) => this.ctx.terminals.fileSize(resolution, this.project, this.uri, file, cwd),
        runner: (resolution) => this.ctx.terminals.runner(resolution, this.project, this.uri),
      },
      storage: {
        read: () => this.runValue,
        write: (run, persist) => {
          this.runValue = run;
          if (persist) this.persist();
        },
        record: (record) => this.writeRunLog(record),
      },
      checks: {
        resolve: (step) => this.resolve(step),
        deployPlan: async (environment) => {
          const project = this.project;
          const database = this.database(environment);
          return project && database ? await planOn(this.ctx, project, database) : undefined;
        },
        planRefused: (environment, plan) => {
          const database = this.database(environment);
          if (this.project && database) void offerPlanFix(this.project, database, plan, this.ctx.logger);
          return describePlan(plan);
        },
        rehearsalVerdict: (environment) => this.rehearsalVerdict(environment),
        rehearse: async (environment) => {
          if (this.project) {
            await vscode.commands.executeCommand('driftGuard.rehearseDeploy', this.project.root, environment);
          }
        },
        isProductionDatabase: (environment) => this.database(environment)?.kind === 'production',
      },
      logger: this.ctx.logger,
      runbook: () => ({ runbook: this.runbookValue, relativePath: this.relativePath }),
    });
  }

  /** The configured database environment `name` of the runbook's project. */
  private database(name: string): DatabaseEnvironment | undefined {
    return this.project ? this.ctx.environments.environments(this.project).find((e) => e.name === name) : undefined;
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
    const owning = projects
      .filter((p) => file.startsWith(p.root + path.sep))
      .sort((a, b) => b.root.length - a.root.length)[0];
    const folder = vscode.workspace.getWorkspaceFolder(this.uri);
    this.project =
      owning ??
      projects.find(
        (p) =>
          folder &&
          vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p.root))?.uri.toString() === folder.uri.toString(),
      ) ??
      projects[0];
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
    return parseEnvironmentSettings(
      vscode.workspace.getConfiguration('driftGuard', this.uri).get<unknown>('environments'),
    ).environments;
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

  private setState(stepId: string, state: StepRunState): void {
    this.runValue = { ...this.runValue, steps: { ...this.runValue.steps, [stepId]: state } };
    this.persist();
  }

  private persist(): void {
    void this.ctx.context.workspaceState.update(this.runKey, this.runValue);
    this.changeEmitter.fire();
  }

  /** Appends to the workspace's run log (a file shared with the CLI); a failure to write it is logged. */
  private writeRunLog(record: WriteInput): void {
    const cwd = this.project?.root ?? vscode.workspace.getWorkspaceFolder(this.uri)?.uri.fsPath;
    void this.ctx.history
      .record({ ...record, ...(cwd ? { cwd } : {}) })
      .catch((error: unknown) =>
        this.ctx.logger.error(vscode.l10n.t('Runbook: the run log could not be written: {0}', errorMessage(error))),
      );
  }

  private record(step: RunbookStep, fields: Parameters<RunbookRunner['record']>[1]): void {
    this.runner.record(step, fields);
  }

  private refuse(step: RunbookStep, message: string, environment: string, target: string): StepResult {
    return this.runner.refuse(step, message, environment, target);
  }

  private targetLabel(resolution: TargetResolution, step: RunbookStep): string {
    return this.runner.targetLabel(resolution, step);
  }

  /** Asks for a new value of a variable (the panel's "Edit"). */
  async editVariable(name: string): Promise<void> {
    const variable = this.runbookValue.variables.find((v) => v.name === name);
    if (!variable) return;
    const value = await this.prompts.variable(
      variable,
      this.runValue.variables[name] ?? variableDefault(variable, new Date()),
    );
    if (value === undefined) return;
    this.setVariable(name, value);
  }

  /** Sets a variable's value for this run. */
  setVariable(name: string, value: string): void {
    checkVariableValue(name, value);
    this.runValue = { ...this.runValue, variables: { ...this.runValue.variables, [name]: value } };
    this.persist();
  }

  /** The step `stepId` when nothing else is running, else the "busy" result; throws for a step the runbook lost. */
  private stepToStart(stepId: string): { step: RunbookStep } | StepResult {
    const step = this.findStep(stepId);
    if (!step) {
      throw new Error(vscode.l10n.t('No step {0} in {1} (was the runbook edited?).', stepId, this.relativePath));
    }
    if (!this.running) return { step };
    return {
      status: 'busy',
      message: vscode.l10n.t(
        '"{0}" is running: wait for it or cancel it.',
        this.findStep(this.running.stepId)?.title ?? this.running.stepId,
      ),
    };
  }

  /**
   * Runs one step (also "Re-run"): target, gates, variables, confirmation, then the terminal of its environment.
   * Resolves when it ended; never throws for a failing command (the state says it).
   */
  async runStep(stepId: string): Promise<StepResult> {
    const found = this.stepToStart(stepId);
    if ('status' in found) return found;
    const { step } = found;
    if (step.manual) return this.markDone(stepId);
    const abort = new AbortController();
    // Claimed before the first question, so two clicks cannot start two steps.
    this.running = { stepId, abort };
    try {
      return await this.runner.execute(step, abort.signal);
    } finally {
      if (this.running?.stepId === stepId) this.running = undefined;
      this.changeEmitter.fire();
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
        if (!(await this.prompts.manualStep(step.title))) {
          return { ran, stoppedAt: step.id, result: { status: 'declined' } };
        }
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
    this.record(step, {
      command: step.command,
      environment: resolutionEnvironmentName(resolution) ?? target,
      target,
      startedAt: new Date().toISOString(),
      status: 'skipped',
      message,
    });
  }

  /** A manual step done by hand. */
  markDone(stepId: string): StepResult {
    const step = this.findStep(stepId);
    if (!step) return { status: 'declined' };
    const state: StepRunState = {
      status: 'succeeded',
      source: step.command,
      startedAt: new Date().toISOString(),
      message: vscode.l10n.t('Done by hand'),
    };
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
    if (what === 'restore') {
      return [...this.runValue.backups].reverse().find((b) => b.stepId === stepId)?.restoreCommand;
    }
    return (
      this.runValue.steps[stepId]?.command ??
      substituteVariables(step.command, this.runbookValue.variables, this.runValue.variables)
    );
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
    const update = (verification: NonNullable<StepRunState['verification']>): void =>
      this.setState(stepId, { ...(this.runValue.steps[stepId] ?? current), verification });
    if (!this.project) {
      update({
        status: 'failed',
        environment,
        summary: vscode.l10n.t('No Prisma project found for this runbook: nothing to verify against.'),
      });
      return;
    }
    update({ status: 'running', environment });
    const project = (await this.ctx.projects.ready()).find((p) => p.root === this.project?.root) ?? this.project;
    await this.ctx.analysis.analyzeDatabase(project, environment, 'command');
    const result = this.ctx.analysis.get(project.root)?.databases.find((d) => d.environment.name === environment);
    if (!result) {
      update({
        status: 'failed',
        environment,
        summary: vscode.l10n.t(
          '{0} is not a database of {1}: add it as an environment to verify it.',
          environment,
          project.name,
        ),
      });
    } else if (result.error || !result.history) {
      update({
        status: 'failed',
        environment,
        summary: result.error?.message ?? vscode.l10n.t('No history was read.'),
      });
    } else {
      const summary = summarizeVerification(result.history, result.findings ?? []);
      update({ status: 'done', environment, summary: summary.summary, lines: summary.lines, ok: summary.ok });
    }
    this.ctx.logger.info(
      vscode.l10n.t(
        'Runbook: verification of {0}: {1}',
        environment,
        this.runValue.steps[stepId]?.verification?.summary ?? '',
      ),
    );
  }

  /**
   * Runs the extension's equivalent of the step's Prisma CLI command (for where the CLI cannot run): the engine's
   * status of the step's environment, Mark Applied with its proof, or Create Baseline. The step's state and the
   * run log say which equivalent ran.
   */
  async runEquivalent(stepId: string): Promise<StepResult> {
    const found = this.stepToStart(stepId);
    if ('status' in found) return found;
    const { step } = found;
    const source = substituteVariables(step.command, this.runbookValue.variables, this.runValue.variables);
    const equivalent = stepEquivalent(source);
    if (!equivalent) {
      return { status: 'declined', message: vscode.l10n.t('"{0}" has no equivalent in the extension.', step.title) };
    }
    const resolution = this.resolve(step);
    const environment = resolutionEnvironmentName(resolution);
    const targetLabel = this.targetLabel(resolution, step);
    if (environment === undefined) {
      return this.refuse(
        step,
        resolution.kind === 'unmatched' || resolution.kind === 'ambiguous'
          ? resolution.message
          : vscode.l10n.t('unknown target'),
        targetLabel,
        targetLabel,
      );
    }
    const project =
      this.project && ((await this.ctx.projects.ready()).find((p) => p.root === this.project?.root) ?? this.project);
    if (!project) {
      return this.refuse(step, vscode.l10n.t('No Prisma project found for this runbook.'), environment, targetLabel);
    }
    const abort = new AbortController();
    this.running = { stepId, abort };
    const startedAt = new Date();
    const command =
      equivalent.kind === 'status'
        ? vscode.l10n.t('Prisma Drift Guard: migration status of {0} (engine)', environment)
        : equivalent.kind === 'markApplied'
          ? vscode.l10n.t('Prisma Drift Guard: Mark Applied {0} on {1} (with proof)', equivalent.migration, environment)
          : vscode.l10n.t('Prisma Drift Guard: Create Baseline of {0}', project.name);
    this.setState(step.id, {
      status: 'running',
      source: step.command,
      command,
      environment,
      target: targetLabel,
      startedAt: startedAt.toISOString(),
    });
    let status: StepRunState['status'] = 'failed';
    let message: string;
    let output: string | undefined;
    try {
      if (equivalent.kind === 'status') {
        await this.ctx.analysis.analyzeDatabase(project, environment, 'command');
        const result = this.ctx.analysis.get(project.root)?.databases.find((d) => d.environment.name === environment);
        if (!result) {
          message = vscode.l10n.t(
            '{0} is not a database of {1}: add it as an environment to verify it.',
            environment,
            project.name,
          );
        } else if (result.error || !result.history) {
          message = result.error?.message ?? vscode.l10n.t('No history was read.');
        } else {
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
          message = vscode.l10n.t(
            '{0} is not a database of {1}: add it as an environment to verify it.',
            environment,
            project.name,
          );
        } else {
          const outcome = await resolveOn(
            { ...this.ctx, runLog: undefined },
            project,
            equivalent.migration,
            database,
            'applied',
            {
              source: 'runbook',
              confirm: (e, action) => this.prompts.confirmWrite(e, action),
              quiet: true,
            },
          );
          if (outcome.status === 'declined') {
            status = 'notRun';
            message = outcome.message;
          } else {
            await this.ctx.analysis.analyzeDatabase(project, environment, 'command');
            const state = this.ctx.analysis
              .get(project.root)
              ?.databases.find((d) => d.environment.name === environment)
              ?.history?.migrations.find((m) => m.name === equivalent.migration)?.state;
            status = state === 'applied' ? 'succeeded' : 'failed';
            message =
              state === 'applied'
                ? vscode.l10n.t('{0} is recorded as applied on {1}.', equivalent.migration, environment)
                : outcome.status === 'refused'
                  ? outcome.message
                  : vscode.l10n.t(
                      '{0} is not recorded as applied on {1} (state: {2}).',
                      equivalent.migration,
                      environment,
                      state ?? '?',
                    );
          }
        }
      } else {
        const before = new Set(project.migrations.map((m) => m.name));
        await vscode.commands.executeCommand('driftGuard.createBaseline', project.root);
        const after = (await this.ctx.projects.ready()).find((p) => p.root === project.root);
        const created = after?.migrations.find((m) => !before.has(m.name));
        status = created ? 'succeeded' : 'failed';
        message = created
          ? vscode.l10n.t('Baseline {0} created.', created.name)
          : vscode.l10n.t('No baseline was created.');
      }
    } catch (error) {
      message = errorMessage(error);
    } finally {
      if (this.running?.stepId === stepId) this.running = undefined;
    }
    const durationMs = Date.now() - startedAt.getTime();
    const state: StepRunState = {
      status,
      source: step.command,
      command,
      environment,
      target: targetLabel,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      durationMs,
      message,
      ...(output ? { output } : {}),
    };
    this.setState(step.id, state);
    this.record(step, {
      command,
      equivalentOf: source,
      environment,
      target: targetLabel,
      startedAt: startedAt.toISOString(),
      durationMs,
      status,
      message,
    });
    this.ctx.logger.info(
      vscode.l10n.t(
        'Runbook {0}: "{1}" ran its equivalent ({2}): {3}: {4}',
        this.relativePath,
        step.title,
        command,
        status,
        message,
      ),
    );
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

  private async computeRehearsalVerdict(
    environment: string,
  ): Promise<{ ok: boolean; message: string; canRehearse: boolean }> {
    const cannot = (why: string): { ok: boolean; message: string; canRehearse: boolean } => ({
      ok: false,
      canRehearse: false,
      message: vscode.l10n.t(
        '{0}: rule 3 (test the migration on a copy of the prod database before deploying) cannot be checked, so the deploy does not run.',
        why,
      ),
    });
    if (!this.project) {
      return cannot(
        vscode.l10n.t(
          'No Prisma project found for this runbook, so the migrations pending on {0} are unknown',
          environment,
        ),
      );
    }
    const project = (await this.ctx.projects.ready()).find((p) => p.root === this.project?.root) ?? this.project;
    await this.ctx.analysis.analyzeDatabase(project, environment, 'command');
    const result = this.ctx.analysis.get(project.root)?.databases.find((d) => d.environment.name === environment);
    if (!result) {
      return cannot(
        vscode.l10n.t(
          '{0} is not a database environment of {1} (no URL), so the migrations pending there are unknown',
          environment,
          project.name,
        ),
      );
    }
    if (result.error || !result.history) {
      return cannot(
        vscode.l10n.t(
          'The migrations pending on {0} could not be read ({1})',
          environment,
          result.error?.message ?? vscode.l10n.t('no history'),
        ),
      );
    }
    const pending = result.history.migrations.filter(
      (m) => (m.state === 'pending' || m.state === 'rolledBack') && m.sqlPath !== undefined,
    );
    const maxAge = vscode.workspace
      .getConfiguration('driftGuard', this.uri)
      .get<number>('rehearsalMaxAgeHours', DEFAULT_REHEARSAL_MAX_AGE_HOURS);
    const verdict = await checkRehearsalGate(project.root, environment, pending, maxAge);
    return { ok: verdict.ok, message: verdict.message, canRehearse: true };
  }

  /** The project root (for Add Environment). */
  get projectRoot(): string | undefined {
    return this.project?.root;
  }

  override dispose(): void {
    clearTimeout(this.reparseTimer);
    this.running?.abort.abort();
    super.dispose();
  }
}

/** The runbook's text: the open editor's (unsaved edits included), else the file's. */
async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return fs.readFile(uri.fsPath, 'utf8');
}
