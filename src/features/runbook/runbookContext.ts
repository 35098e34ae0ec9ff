import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type EnvironmentSetting } from '../../core/environments/config';
import { type ShellRunner } from '../../core/app/backupVerification';
import { type PrismaProject } from '../../core/project/types';
import { shellPath, sizeCommand } from '../../core/runbook/gates';
import { type TargetResolution } from '../../core/runbook/targets';
import { type AnalysisService } from '../drift/analysisService';
import { type EngineService } from '../engine/engineService';
import { type EnvironmentService } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { type Logger } from '../shared/logger';
import { type WorkspaceRunLog } from '../shared/workspaceRunLog';
import { type RunbookPrompts } from './prompts';
import {
  ProcessStepTerminal,
  type RunRequest,
  ShellIntegrationUnavailable,
  ShellStepTerminal,
  SshStepTerminal,
  type StepOutcome,
  type StepTerminal,
} from './terminals';
import { Disposable } from '../../core/util/lifecycle';

/** What a runbook session needs from the rest of the extension. */
export interface RunbookContext {
  context: vscode.ExtensionContext;
  projects: ProjectService;
  environments: EnvironmentService;
  analysis: AnalysisService;
  /** The engine, for the deploy plan a `migrate deploy` step checks before it runs. */
  engines: EngineService;
  logger: Logger;
  terminals: RunbookTerminals;
  /** The workspace's run log (shared with the Migrations view, Create Baseline and the CLI). */
  history: WorkspaceRunLog;
  prompts: () => RunbookPrompts;
}

/** Where shell integration gets to start before local steps fall back to a child process. */
const SHELL_INTEGRATION_WAIT_MS = 10_000;

/** The datasource variables Prisma reads the URL from (`url`, `directUrl`), `DATABASE_URL` by default. */
function urlVariables(project: PrismaProject | undefined): string[] {
  const names = new Set<string>();
  for (const source of [project?.datasource?.url, project?.datasource?.directUrl]) {
    if (source && (source.kind === 'env' || source.kind === 'config') && source.variable) names.add(source.variable);
  }
  if (names.size === 0) names.add('DATABASE_URL');
  return [...names];
}

/**
 * One terminal per environment, reused from step to step: a pseudoterminal over the environment's SSH
 * session for remote steps; the integrated terminal through shell integration for local ones (falling back
 * to a child process in a pseudoterminal when shell integration does not start, or when
 * `driftGuard.runbookLocalSteps` is `process`).
 */
export class RunbookTerminals extends Disposable {
  private readonly terminals = new Map<string, StepTerminal>();
  /** Shell integration failed once in this window: later local steps go straight to the fallback. */
  private shellIntegrationMissing = false;

  constructor(
    private readonly environments: EnvironmentService,
    private readonly logger: Logger,
  ) {
    super();
    vscode.window.onDidCloseTerminal(
      (closed) => {
        for (const [key, t] of this.terminals) if (t.terminal === closed) this.terminals.delete(key);
      },
      undefined,
      this.disposables,
    );
  }

  /** Runs a step's command where `resolution` says. */
  async run(
    resolution: TargetResolution,
    project: PrismaProject | undefined,
    runbook: vscode.Uri,
    request: RunRequest,
  ): Promise<StepOutcome> {
    if (resolution.kind === 'remote') return this.remote(resolution.environment, runbook).run(request);
    if (resolution.kind !== 'local' && resolution.kind !== 'localAgainst') {
      throw new Error(vscode.l10n.t('This step has no environment to run on.'));
    }
    const cwd = project?.root ?? vscode.workspace.getWorkspaceFolder(runbook)?.uri.fsPath;
    let env: Record<string, string> | undefined;
    let name = vscode.l10n.t('Runbook: local');
    let key = 'local';
    if (resolution.kind === 'localAgainst') {
      const database = project
        ? this.environments.environments(project).find((e) => e.name === resolution.environment.name)
        : undefined;
      if (!database) {
        throw new Error(vscode.l10n.t('{0} is not an environment of this project.', resolution.environment.name));
      }
      const acquired = await database.acquire();
      const url = acquired.url;
      acquired.release();
      env = Object.fromEntries(urlVariables(project).map((v) => [v, url]));
      name = vscode.l10n.t('Runbook: {0} (local)', resolution.environment.name);
      // A changed URL (new secret) needs a new terminal: its environment is fixed at creation.
      key = `env:${resolution.environment.name}:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
      for (const [k, t] of this.terminals) {
        if (k.startsWith(`env:${resolution.environment.name}:`) && k !== key) {
          t.dispose();
          this.terminals.delete(k);
        }
      }
    }
    const request2 = {
      ...request,
      ...(request.cwd !== undefined && cwd ? { cwd: path.resolve(cwd, request.cwd) } : {}),
    };
    const mode = vscode.workspace.getConfiguration('driftGuard', runbook).get<string>('runbookLocalSteps', 'terminal');
    if (mode !== 'process' && !this.shellIntegrationMissing) {
      const existing = this.terminals.get(key);
      const shell =
        existing instanceof ShellStepTerminal
          ? existing
          : new ShellStepTerminal(name, cwd, env, SHELL_INTEGRATION_WAIT_MS);
      this.terminals.set(key, shell);
      try {
        return await shell.run(request2);
      } catch (error) {
        if (!(error instanceof ShellIntegrationUnavailable)) throw error;
        this.logger.warn(`Runbook: ${error.message} Local steps now run as child processes in a pseudoterminal.`);
        this.shellIntegrationMissing = true;
        shell.dispose();
        this.terminals.delete(key);
      }
    }
    const processKey = `${key}:process`;
    let fallback = this.terminals.get(processKey);
    if (!(fallback instanceof ProcessStepTerminal)) {
      const created: ProcessStepTerminal = new ProcessStepTerminal(name, cwd, env, () =>
        this.forget(processKey, created),
      );
      fallback = created;
      this.terminals.set(processKey, created);
    }
    fallback.terminal.show(true);
    return fallback.run(request2);
  }

  /** The environment's SSH terminal, created on first use. */
  private remote(environment: EnvironmentSetting, runbook: vscode.Uri): StepTerminal {
    const ssh = environment.ssh!;
    const key = `ssh:${environment.name}:${ssh.user}@${ssh.host}:${ssh.port ?? 22}:${ssh.auth}`;
    let terminal = this.terminals.get(key);
    if (!terminal) {
      const folder = vscode.workspace.getWorkspaceFolder(runbook);
      const where = `${ssh.user}@${ssh.host}`;
      const created: SshStepTerminal = new SshStepTerminal(
        vscode.l10n.t('Runbook: {0} ({1})', environment.name, where),
        () => this.environments.sshPool(),
        async () => {
          const target = await this.environments.sshTarget(environment, folder);
          if (!target) throw new Error(vscode.l10n.t('{0} has no SSH settings.', environment.name));
          return target;
        },
        where,
        environment.kind === 'production',
        () => this.forget(key, created),
      );
      terminal = created;
      this.terminals.set(key, created);
    }
    terminal.terminal.show(true);
    return terminal;
  }

  private forget(key: string, terminal: StepTerminal): void {
    if (this.terminals.get(key) === terminal) this.terminals.delete(key);
  }

  /**
   * A runner of short commands where `resolution` runs its steps (the environment's SSH server, or this machine
   * with the environment's URL variables), outside the terminal: backup verification and restore checks.
   */
  async runner(
    resolution: TargetResolution,
    project: PrismaProject | undefined,
    runbook: vscode.Uri,
  ): Promise<ShellRunner> {
    const folder = vscode.workspace.getWorkspaceFolder(runbook);
    if (resolution.kind === 'remote') {
      const target = await this.environments.sshTarget(resolution.environment, folder);
      if (!target) throw new Error(vscode.l10n.t('{0} has no SSH settings.', resolution.environment.name));
      const pool = await this.environments.sshPool();
      return {
        run: async (command, options) => {
          const result = await pool.use(target, (session) =>
            session.exec(`${options?.cwd ? `cd ${shellPath(options.cwd)} && ` : ''}${command}`, { capture: true }),
          );
          return { exitCode: result.exitCode, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
        },
      };
    }
    let env: Record<string, string> | undefined;
    if (resolution.kind === 'localAgainst') {
      const database = project
        ? this.environments.environments(project).find((e) => e.name === resolution.environment.name)
        : undefined;
      if (database) {
        const acquired = await database.acquire();
        env = Object.fromEntries(urlVariables(project).map((v) => [v, acquired.url]));
        acquired.release();
      }
    }
    const base = project?.root ?? folder?.uri.fsPath;
    return {
      run: (command, options) =>
        new Promise((resolve) => {
          const cwd = options?.cwd
            ? path.resolve(
                base ?? '',
                options.cwd.startsWith('~/') ? path.join(process.env.HOME ?? '', options.cwd.slice(2)) : options.cwd,
              )
            : base;
          execFile(
            '/bin/sh',
            ['-c', command],
            {
              ...(cwd ? { cwd } : {}),
              env: { ...process.env, ...env },
              maxBuffer: 16 * 1024 * 1024,
              windowsHide: true,
            },
            (error, stdout, stderr) => {
              const code = error
                ? typeof (error as { code?: unknown }).code === 'number'
                  ? (error as { code: number }).code
                  : null
                : 0;
              resolve({
                exitCode: code,
                stdout: String(stdout),
                stderr: String(stderr || (error && code === null ? error.message : '')),
              });
            },
          );
        }),
    };
  }

  /** Size of a file a step wrote (a backup), where the step ran. */
  async fileSize(
    resolution: TargetResolution,
    project: PrismaProject | undefined,
    runbook: vscode.Uri,
    file: string,
    cwd: string | undefined,
  ): Promise<number | undefined> {
    if (resolution.kind === 'remote') {
      const environment = resolution.environment;
      const target = await this.environments.sshTarget(environment, vscode.workspace.getWorkspaceFolder(runbook));
      if (!target) return undefined;
      const pool = await this.environments.sshPool();
      const command = `${cwd ? `cd ${shellPath(cwd)} && ` : ''}${sizeCommand(file)}`;
      const result = await pool.use(target, (session) => session.exec(command, { capture: true }));
      const size = Number(result.stdout?.trim());
      return result.exitCode === 0 && Number.isFinite(size) ? size : undefined;
    }
    const base = cwd
      ? path.resolve(project?.root ?? '', cwd)
      : (project?.root ?? vscode.workspace.getWorkspaceFolder(runbook)?.uri.fsPath ?? '');
    const expanded = file.startsWith('~/') ? path.join(process.env.HOME ?? '', file.slice(2)) : file;
    return (await fs.stat(path.resolve(base, expanded))).size;
  }

  override dispose(): void {
    for (const t of this.terminals.values()) t.dispose();
    this.terminals.clear();
    super.dispose();
  }
}
