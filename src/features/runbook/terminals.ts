import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { appendTail, plainTerminalText } from '../../core/runbook/run';
import type { RemoteProcess, SshSessionPool, SshTarget } from '../../core/remote';
import { quoteShellArg } from '../../core/remote/shellQuote';

import { type StepOutcome } from '../../core/app/runbookRunner';
import { DriftGuardError } from '../../core/util/errors';

export type { StepOutcome } from '../../core/app/runbookRunner';

export interface RunRequest {
  command: string;
  /** Working directory (`cd` first). */
  cwd?: string;
  signal: AbortSignal;
}

/** A terminal that runs runbook steps one after the other for one environment. */
export interface StepTerminal extends vscode.Disposable {
  readonly terminal: vscode.Terminal;
  run(request: RunRequest): Promise<StepOutcome>;
}

const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';

/** Text for a pseudoterminal: every line break as `\r\n`. */
function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function withCwd(command: string, cwd: string | undefined): string {
  if (!cwd) return command;
  const dir = cwd.startsWith('~/') ? `~/${quoteShellArg(cwd.slice(2))}` : quoteShellArg(cwd);
  return `cd ${dir} && ${command}`;
}

/**
 * A pseudoterminal writing runbook output: buffers writes until VS Code opened it, prints each command like a
 * prompt, and the end of each step (exit code and duration).
 */
abstract class StepPseudoterminal implements vscode.Pseudoterminal {
  protected readonly writeEmitter = new vscode.EventEmitter<string>();
  protected readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  protected dimensions: vscode.TerminalDimensions | undefined;
  private opened = false;
  private pending: string[] = [];
  protected closed = false;

  open(initialDimensions: vscode.TerminalDimensions | undefined): void {
    this.dimensions = initialDimensions;
    this.opened = true;
    for (const text of this.pending) this.writeEmitter.fire(text);
    this.pending = [];
  }

  close(): void {
    this.closed = true;
    this.onClosed();
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.dimensions = dimensions;
    this.onResize(dimensions);
  }

  protected write(text: string): void {
    if (this.opened) this.writeEmitter.fire(text);
    else this.pending.push(text);
  }

  protected writePrompt(where: string, command: string): void {
    this.write(`\r\n${BOLD}${where}$${RESET} ${crlf(command).replace(/\r\n/g, '\r\n> ')}\r\n`);
  }

  protected writeEnd(outcome: StepOutcome): void {
    const took = formatMs(outcome.durationMs);
    if (outcome.error && outcome.exitCode === null) this.write(`${RED}✗ ${crlf(outcome.error)}${RESET}\r\n`);
    else if (outcome.cancelled) this.write(`${RED}■ ${vscode.l10n.t('cancelled after {0}', took)}${RESET}\r\n`);
    else if (outcome.exitCode === 0) this.write(`${GREEN}✓ exit 0${RESET} ${DIM}(${took})${RESET}\r\n`);
    else this.write(`${RED}✗ exit ${outcome.exitCode ?? outcome.signal ?? '?'}${RESET} ${DIM}(${took})${RESET}\r\n`);
  }

  protected abstract onClosed(): void;
  protected abstract onResize(dimensions: vscode.TerminalDimensions): void;
}

/**
 * Remote steps: a pseudoterminal backed by the environment's SSH session (the pool shared with the tunnels).
 * Each step is one `exec` channel on a pty sized like the terminal: live output, keystrokes (Ctrl+C included)
 * go to the remote process, and the exit status comes back. Cancel sends SIGTERM and closes the channel.
 */
export class SshStepTerminal extends StepPseudoterminal implements StepTerminal {
  readonly terminal: vscode.Terminal;
  private current: RemoteProcess | undefined;

  constructor(
    name: string,
    private readonly pool: () => Promise<SshSessionPool>,
    private readonly target: () => Promise<SshTarget>,
    private readonly where: string,
    production: boolean,
    private readonly onDispose: () => void,
  ) {
    super();
    this.terminal = vscode.window.createTerminal({
      name,
      pty: this,
      iconPath: new vscode.ThemeIcon('remote'),
      ...(production ? { color: new vscode.ThemeColor('terminal.ansiRed') } : {}),
    });
  }

  handleInput(data: string): void {
    this.current?.write(data);
  }

  protected onClosed(): void {
    this.current?.cancel();
    this.onDispose();
  }

  protected onResize(dimensions: vscode.TerminalDimensions): void {
    this.current?.resize(dimensions.columns, dimensions.rows);
  }

  async run(request: RunRequest): Promise<StepOutcome> {
    const started = Date.now();
    let output = '';
    this.writePrompt(`${this.where}${request.cwd ? `:${request.cwd}` : ''}`, request.command);
    const fail = (error: unknown): StepOutcome => {
      const code = error instanceof DriftGuardError ? (error as DriftGuardError).code : undefined;
      const outcome: StepOutcome = {
        exitCode: null,
        cancelled: request.signal.aborted,
        durationMs: Date.now() - started,
        output,
        error: error instanceof Error ? error.message : String(error),
        ...(code ? { errorCode: code } : {}),
      };
      this.writeEnd(outcome);
      return outcome;
    };
    let lease;
    try {
      const [pool, target] = await Promise.all([this.pool(), this.target()]);
      lease = await pool.acquire(target);
    } catch (error) {
      return fail(error);
    }
    try {
      if (request.signal.aborted) return fail(new Error(vscode.l10n.t('Cancelled before the command started.')));
      const onOutput = (text: string): void => {
        this.write(text);
        output = appendTail(output, plainTerminalText(text));
      };
      const process = await lease.session.spawn(withCwd(request.command, request.cwd), {
        pty: { cols: this.dimensions?.columns ?? 120, rows: this.dimensions?.rows ?? 30 },
        onStdout: onOutput,
        onStderr: onOutput,
        signal: request.signal,
        cancelGraceMs: 1_500,
      });
      this.current = process;
      const result = await process.result;
      const outcome: StepOutcome = {
        exitCode: result.exitCode,
        cancelled: result.cancelled,
        durationMs: Date.now() - started,
        output,
        hostKey: lease.session.hostKey.fingerprint,
      };
      if (result.signal) outcome.signal = result.signal;
      this.writeEnd(outcome);
      return outcome;
    } catch (error) {
      return fail(error);
    } finally {
      this.current = undefined;
      lease.release();
    }
  }

  dispose(): void {
    this.current?.cancel();
    this.terminal.dispose();
  }
}

/** Thrown when the integrated terminal's shell integration did not start in time. */
export class ShellIntegrationUnavailable extends Error {
  override readonly name = 'ShellIntegrationUnavailable';
}

/**
 * Local steps in an integrated terminal, through shell integration: `executeCommand` and the exit code the
 * shell reports at the end of the execution. The user's own shell, so `cd` and exported variables persist
 * between steps as when pasting by hand.
 */
export class ShellStepTerminal implements StepTerminal {
  readonly terminal: vscode.Terminal;

  constructor(
    name: string,
    cwd: string | undefined,
    env: Readonly<Record<string, string>> | undefined,
    private readonly waitMs: number,
  ) {
    this.terminal = vscode.window.createTerminal({
      name,
      ...(cwd ? { cwd } : {}),
      ...(env ? { env: { ...env } } : {}),
      iconPath: new vscode.ThemeIcon('checklist'),
    });
  }

  /** The terminal's shell integration, waiting for it to activate (undefined after `waitMs`). */
  private shellIntegration(): Promise<vscode.TerminalShellIntegration | undefined> {
    if (this.terminal.shellIntegration) return Promise.resolve(this.terminal.shellIntegration);
    return new Promise((resolve) => {
      const done = (value: vscode.TerminalShellIntegration | undefined): void => {
        clearTimeout(timer);
        sub.dispose();
        resolve(value);
      };
      const sub = vscode.window.onDidChangeTerminalShellIntegration((e) => {
        if (e.terminal === this.terminal) done(e.shellIntegration);
      });
      const timer = setTimeout(() => done(this.terminal.shellIntegration), this.waitMs);
    });
  }

  async run(request: RunRequest): Promise<StepOutcome> {
    this.terminal.show(true);
    const integration = await this.shellIntegration();
    if (!integration) {
      throw new ShellIntegrationUnavailable(
        `Shell integration did not start in "${this.terminal.name}" within ${Math.round(this.waitMs / 1000)} s.`,
      );
    }
    const started = Date.now();
    let output = '';
    return new Promise<StepOutcome>((resolve) => {
      const disposables: vscode.Disposable[] = [];
      let settled = false;
      const finish = (outcome: Omit<StepOutcome, 'durationMs' | 'output' | 'cancelled'>): void => {
        if (settled) return;
        settled = true;
        for (const d of disposables) d.dispose();
        request.signal.removeEventListener('abort', onAbort);
        // The end event can overtake the last chunk of output: give the reader a moment.
        setTimeout(
          () => resolve({ ...outcome, cancelled: request.signal.aborted, durationMs: Date.now() - started, output }),
          150,
        );
      };
      const onAbort = (): void => this.terminal.sendText('\x03', false);
      request.signal.addEventListener('abort', onAbort, { once: true });
      // Listen before executing: a quick command can end before executeCommand's result is looked at.
      const line = withCwd(request.command, request.cwd);
      vscode.window.onDidEndTerminalShellExecution(
        (e) => {
          if (e.terminal !== this.terminal) return;
          if (e.execution !== execution && e.execution.commandLine.value.trim() !== line.trim()) return;
          finish(
            e.exitCode === undefined
              ? { exitCode: null, error: vscode.l10n.t('The shell did not report an exit code.') }
              : { exitCode: e.exitCode },
          );
        },
        undefined,
        disposables,
      );
      vscode.window.onDidCloseTerminal(
        (t) => {
          if (t === this.terminal) {
            finish({ exitCode: null, error: vscode.l10n.t('The terminal was closed while the step ran.') });
          }
        },
        undefined,
        disposables,
      );
      const execution = integration.executeCommand(line);
      const stream = execution.read();
      void (async () => {
        for await (const data of stream) output = appendTail(output, plainTerminalText(data));
      })().catch(() => undefined);
    });
  }

  dispose(): void {
    this.terminal.dispose();
  }
}

/** The shell the fallback runs commands with: bash when present, else the POSIX sh. Never from settings. */
function fallbackShell(): string {
  if (process.platform === 'win32') return 'bash.exe';
  return existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
}

/**
 * The fallback for local steps when shell integration is unavailable (or `driftGuard.runbookLocalSteps` is
 * `process`): a pseudoterminal running each command as a child process, `spawn(shell, ['-c', command])` with an
 * argv array. Output and exit code come from the process; Ctrl+C sends SIGINT to its process group.
 */
export class ProcessStepTerminal extends StepPseudoterminal implements StepTerminal {
  readonly terminal: vscode.Terminal;
  private child: ChildProcess | undefined;

  constructor(
    name: string,
    private readonly cwd: string | undefined,
    private readonly env: Readonly<Record<string, string>> | undefined,
    private readonly onDispose: () => void,
  ) {
    super();
    this.terminal = vscode.window.createTerminal({ name, pty: this, iconPath: new vscode.ThemeIcon('checklist') });
  }

  handleInput(data: string): void {
    const child = this.child;
    if (!child) return;
    if (data === '\x03') {
      this.signal(child, 'SIGINT');
      return;
    }
    // No pty: echo what is typed and hand the child whole lines.
    this.write(data === '\r' ? '\r\n' : data);
    child.stdin?.write(data === '\r' ? '\n' : data);
  }

  protected onClosed(): void {
    if (this.child) this.signal(this.child, 'SIGTERM');
    this.onDispose();
  }

  protected onResize(): void {
    // A child process without a pty has no size.
  }

  private signal(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
      if (process.platform !== 'win32' && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  run(request: RunRequest): Promise<StepOutcome> {
    const started = Date.now();
    const cwd = request.cwd ?? this.cwd;
    this.writePrompt(cwd ?? '', request.command);
    let output = '';
    return new Promise<StepOutcome>((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(fallbackShell(), ['-c', request.command], {
          ...(cwd ? { cwd } : {}),
          env: { ...process.env, ...this.env },
          detached: process.platform !== 'win32',
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (error) {
        const outcome: StepOutcome = {
          exitCode: null,
          cancelled: false,
          durationMs: 0,
          output,
          error: error instanceof Error ? error.message : String(error),
        };
        this.writeEnd(outcome);
        resolve(outcome);
        return;
      }
      this.child = child;
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        this.signal(child, 'SIGTERM');
        killTimer = setTimeout(() => this.signal(child, 'SIGKILL'), 2_000);
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
      if (request.signal.aborted) onAbort();
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        this.write(crlf(text));
        output = appendTail(output, plainTerminalText(text));
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      let spawnError: Error | undefined;
      let ended = false;
      const end = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (ended) return;
        ended = true;
        clearTimeout(killTimer);
        request.signal.removeEventListener('abort', onAbort);
        this.child = undefined;
        const outcome: StepOutcome = {
          exitCode: code,
          cancelled: request.signal.aborted,
          durationMs: Date.now() - started,
          output,
        };
        if (signal) outcome.signal = signal;
        if (spawnError) outcome.error = spawnError.message;
        this.writeEnd(outcome);
        resolve(outcome);
      };
      child.once('close', end);
      // A process that could not start (missing cwd or shell) may never emit 'close'.
      child.once('error', (error) => {
        spawnError = error;
        setTimeout(() => end(null, null), 200);
      });
    });
  }

  dispose(): void {
    if (this.child) this.signal(this.child, 'SIGTERM');
    this.terminal.dispose();
  }
}
