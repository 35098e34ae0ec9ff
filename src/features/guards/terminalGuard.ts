import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { remoteEndpoint } from '../../core/environments/config';
import {
  commandTarget,
  findRiskyPrismaCommands,
  matchProductionTarget,
  type ProductionCandidate,
  type RiskyPrismaCommand,
} from '../../core/guards/prismaCommands';
import { type PrismaProject } from '../../core/project/types';
import { redactSecrets } from '../../core/util/redact';
import { type EnvironmentService, migrationUrl } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { type Logger } from '../shared/logger';
import { notify } from '../shared/notify';
import { Disposable } from '../../core/util/lifecycle';

/** One warning the terminal guard showed (kept for tests and the log). */
export interface TerminalWarning {
  /** `prisma db push` / `prisma migrate reset` / `prisma migrate dev`. */
  command: string;
  kind: RiskyPrismaCommand['kind'];
  environment: string;
  reason: string;
  commandLine: string;
  terminal: string;
  message: string;
}

/**
 * "Never `db push` in production": watches the commands integrated terminals start (shell integration's
 * start event, VS Code 1.93+) and, when one runs `prisma db push`, `prisma migrate reset` or
 * `prisma migrate dev` against a database that is a production environment, warns at once — naming the
 * environment and why it is production — with a button that interrupts the command. Nothing is run or
 * blocked by itself: a terminal is the user's.
 */
export class TerminalGuard extends Disposable {
  private readonly warnEmitter = new vscode.EventEmitter<TerminalWarning>();
  /** Every warning shown, oldest first. */
  readonly warnings: TerminalWarning[] = [];
  readonly onDidWarn = this.warnEmitter.event;

  constructor(
    private readonly projects: ProjectService,
    private readonly environments: EnvironmentService,
    private readonly logger: Logger,
  ) {
    super();
    this.disposables.push(this.warnEmitter);
    // Older hosts without the API simply get no guard.
    const start = (vscode.window as Partial<typeof vscode.window>).onDidStartTerminalShellExecution;
    if (start) {
      start(
        (e) =>
          void this.check(e.terminal, e.execution).catch((error: unknown) =>
            this.logger.warn(`Terminal guard: ${String(error)}`),
          ),
        this,
        this.disposables,
      );
    }
  }

  private async check(terminal: vscode.Terminal, execution: vscode.TerminalShellExecution): Promise<void> {
    const commandLine = execution.commandLine.value;
    if (!/prisma|db:|migrate|reset|push|npm|yarn|pnpm|bun/i.test(commandLine)) return;
    if (!vscode.workspace.getConfiguration('driftGuard').get<boolean>('terminalGuard', true)) return;
    const projects = await this.projects.ready();
    const cwd =
      execution.cwd?.scheme === 'file'
        ? execution.cwd.fsPath
        : terminal.shellIntegration?.cwd?.scheme === 'file'
          ? terminal.shellIntegration.cwd.fsPath
          : undefined;
    const project = projectAt(projects, cwd);
    if (!project) return;
    const scripts = await packageScripts(project.root);
    const risky = findRiskyPrismaCommands(commandLine, { scripts });
    if (risky.length === 0) return;
    const candidates = await this.productionCandidates(project);
    if (candidates.length === 0) return;
    const local = migrationUrl(project);
    const urlVariable =
      local?.source.kind === 'env'
        ? local.source.variable
        : local?.source.kind === 'config'
          ? local.source.variable
          : undefined;
    for (const command of risky) {
      const match = matchProductionTarget(
        commandTarget(command, { ...(local ? { url: local.url } : {}), ...(urlVariable ? { urlVariable } : {}) }),
        candidates,
      );
      if (!match) continue;
      this.warn(terminal, command, commandLine, match.environment, match.reason);
      return;
    }
  }

  /** The project's production environments with their URLs resolved (a missing secret leaves the URL out). */
  private async productionCandidates(project: PrismaProject): Promise<ProductionCandidate[]> {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project.root));
    const out: ProductionCandidate[] = [];
    for (const setting of this.environments.settingsFor(project).environments) {
      if (setting.kind !== 'production') continue;
      const candidate: ProductionCandidate = { name: setting.name };
      if (setting.url.from === 'env') candidate.urlVariable = setting.url.variable;
      try {
        candidate.url = await this.environments.resolveUrl(project, setting, folder);
      } catch {
        // No secret or variable here: the SSH host and the variable name can still match.
      }
      if (setting.ssh) {
        candidate.ssh = { host: setting.ssh.host };
        if (candidate.url) {
          try {
            candidate.ssh.database = remoteEndpoint(setting.ssh, candidate.url);
          } catch {
            // An unparsable URL: compare the host only.
          }
        }
      }
      out.push(candidate);
    }
    return out;
  }

  private warn(
    terminal: vscode.Terminal,
    command: RiskyPrismaCommand,
    commandLine: string,
    environment: string,
    reason: string,
  ): void {
    const what =
      command.kind === 'dbPush'
        ? vscode.l10n.t(
            'changes its schema without a migration (team rule: never db push in production — create a migration and deploy it with migrate deploy)',
          )
        : command.kind === 'migrateReset'
          ? vscode.l10n.t('drops every table and all the data')
          : vscode.l10n.t('may reset it and writes migrations from it (use migrate deploy in production)');
    const via = command.viaScript ? vscode.l10n.t(' (through the script "{0}")', command.viaScript) : '';
    const message = vscode.l10n.t(
      '⚠ "{0}"{1} is running against the PRODUCTION database {2} ({3}): it {4}.',
      command.command,
      via,
      environment,
      reason,
      what,
    );
    // The typed line may carry a URL with its password or a PGPASSWORD=…: never into the log or the warning.
    const shownLine = redactSecrets(commandLine);
    const warning: TerminalWarning = {
      command: command.command,
      kind: command.kind,
      environment,
      reason,
      commandLine: shownLine,
      terminal: terminal.name,
      message,
    };
    this.warnings.push(warning);
    this.logger.warn(
      `Terminal "${terminal.name}": ${command.command} against production ${environment} (${reason}) — ${shownLine}`,
    );
    this.warnEmitter.fire(warning);
    const stop = vscode.l10n.t('Interrupt It (Ctrl+C)');
    const show = command.kind === 'migrateReset' ? notify.error : notify.warn;
    void show(message, stop).then((choice) => {
      if (choice === stop) terminal.sendText('\u0003', false);
    });
  }
}

/** The project a terminal works in: the one whose root holds the cwd (deepest first), else the only one. */
function projectAt(projects: readonly PrismaProject[], cwd: string | undefined): PrismaProject | undefined {
  if (cwd) {
    const owners = projects.filter(
      (p) => cwd === p.root || cwd.startsWith(p.root + path.sep) || p.root.startsWith(cwd + path.sep),
    );
    if (owners.length > 0) return owners.sort((a, b) => b.root.length - a.root.length)[0];
  }
  return projects.length === 1 ? projects[0] : undefined;
}

async function packageScripts(root: string): Promise<Record<string, string>> {
  try {
    const json = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      scripts?: Record<string, unknown>;
    };
    return Object.fromEntries(
      Object.entries(json.scripts ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return {};
  }
}
