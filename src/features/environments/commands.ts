import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ENVIRONMENT_KINDS,
  type EnvironmentKind,
  type EnvironmentSetting,
  LOCAL_ENVIRONMENT_NAME,
  parseHostPort,
  type SecretKind,
  secretsOf,
  type SshAuthKind,
  type SshSetting,
} from '../../core/environments/config';
import { type PrismaProject } from '../../core/project/types';
import { type ProjectService } from '../projects/projectService';
import { registerCommand } from '../shared/commands';
import { pickProject } from '../shared/pickProject';
import { askTyped } from '../shared/typedConfirmation';
import { type Logger } from '../shared/logger';
import { type ConnectionHop, type DatabaseEnvironment, type EnvironmentService } from './environmentService';
import { notify } from '../shared/notify';
import { tryParsePostgresUrl } from '../../core/util/pgUrl';

/** What the environment commands need. */
export interface EnvironmentCommandServices {
  projects: ProjectService;
  environments: EnvironmentService;
  logger: Logger;
}

/** An environment and its project, from a tree row, `(root, name)` arguments, or a pick. */
export interface EnvironmentRef {
  project: PrismaProject;
  environment: DatabaseEnvironment;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Finds the environment a command is about: a tree row carrying `{ project, environment }`, a project root
 * and an environment name, or the user's pick among every project's environments (`filter` narrows it).
 */
export async function resolveEnvironmentRef(
  services: EnvironmentCommandServices,
  args: unknown[],
  filter: (e: DatabaseEnvironment) => boolean,
  placeHolder: string,
): Promise<EnvironmentRef | undefined> {
  const projects = await services.projects.ready();
  const [first, second] = args;
  if (isRecord(first) && isRecord(first.project) && isRecord(first.environment)) {
    const root = (first.project as { root?: unknown }).root;
    const name = (first.environment as { name?: unknown }).name;
    const project = projects.find((p) => p.root === root);
    const environment = project ? services.environments.environments(project).find((e) => e.name === name) : undefined;
    if (project && environment) return { project, environment };
  }
  if (typeof first === 'string' && typeof second === 'string') {
    const project = projects.find((p) => p.root === first);
    const environment = project
      ? services.environments.environments(project).find((e) => e.name === second)
      : undefined;
    if (project && environment) return { project, environment };
    throw new Error(vscode.l10n.t('No environment "{0}" in {1}.', second, first));
  }
  const candidates = projects.flatMap((project) =>
    services.environments
      .environments(project)
      .filter(filter)
      .map((environment) => ({ project, environment })),
  );
  if (candidates.length === 0) {
    void notify.info(
      vscode.l10n.t('No environment to choose from: add one with "Prisma Drift Guard: Add Environment".'),
    );
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(
    candidates.map((c) => ({
      label: c.environment.name,
      description: `${c.environment.kind} · ${c.project.name}`,
      detail: c.environment.description,
      ref: c,
    })),
    { placeHolder },
  );
  return pick?.ref;
}

// ── Writing the setting ────────────────────────────────────────────────────────────────────────────

/** The entry as written to settings.json: only what is set, never a secret. */
function toRaw(setting: EnvironmentSetting): Record<string, unknown> {
  const raw: Record<string, unknown> = { name: setting.name, kind: setting.kind, url: setting.url };
  if (setting.project) raw.project = setting.project;
  if (setting.ssh) {
    const ssh: Record<string, unknown> = { host: setting.ssh.host };
    if (setting.ssh.port !== undefined && setting.ssh.port !== 22) ssh.port = setting.ssh.port;
    ssh.user = setting.ssh.user;
    ssh.auth = setting.ssh.auth;
    if (setting.ssh.keyPath) ssh.keyPath = setting.ssh.keyPath;
    if (setting.ssh.agentSocket) ssh.agentSocket = setting.ssh.agentSocket;
    if (setting.ssh.database) ssh.database = setting.ssh.database;
    if (setting.ssh.connectTimeoutSeconds) ssh.connectTimeoutSeconds = setting.ssh.connectTimeoutSeconds;
    if (setting.ssh.rehearseDumpCommand) ssh.rehearseDumpCommand = setting.ssh.rehearseDumpCommand;
    raw.ssh = ssh;
  }
  return raw;
}

type Level = { target: vscode.ConfigurationTarget; value: unknown[] | undefined };

function levels(folder: vscode.WorkspaceFolder | undefined): Level[] {
  const info = vscode.workspace.getConfiguration('driftGuard', folder?.uri).inspect<unknown[]>('environments');
  const out: Level[] = [];
  if (vscode.workspace.workspaceFile && folder) {
    out.push({ target: vscode.ConfigurationTarget.WorkspaceFolder, value: info?.workspaceFolderValue });
  }
  out.push({ target: vscode.ConfigurationTarget.Workspace, value: info?.workspaceValue });
  out.push({ target: vscode.ConfigurationTarget.Global, value: info?.globalValue });
  return out;
}

/** Replaces (or removes, with `next` undefined) the entry named `name` where it is defined; adds new ones to the workspace (folder) settings. */
export async function writeEnvironment(
  folder: vscode.WorkspaceFolder | undefined,
  name: string | undefined,
  next: EnvironmentSetting | undefined,
): Promise<void> {
  const config = vscode.workspace.getConfiguration('driftGuard', folder?.uri);
  const all = levels(folder);
  const holder =
    name === undefined
      ? undefined
      : all.find((l) => Array.isArray(l.value) && l.value.some((e) => isRecord(e) && e.name === name));
  if (holder) {
    const list = (holder.value ?? []).flatMap((e) =>
      isRecord(e) && e.name === name ? (next ? [toRaw(next)] : []) : [e],
    );
    await config.update('environments', list.length > 0 ? list : undefined, holder.target);
    return;
  }
  if (!next) throw new Error(vscode.l10n.t('Environment "{0}" is not defined in any settings file.', name ?? ''));
  const target = all[0];
  await config.update(
    'environments',
    [...(Array.isArray(target.value) ? target.value : []), toRaw(next)],
    target.target,
  );
}

// ── The wizard ─────────────────────────────────────────────────────────────────────────────────────

/** How the database is reached: directly, or through an SSH tunnel with one way of logging in. */
type Reach = 'direct' | SshAuthKind;

class Cancelled extends Error {}

/** Asks for every field of an environment; `initial` pre-fills them (Edit). Secrets are asked for but kept out of settings. */
async function environmentWizard(
  services: EnvironmentCommandServices,
  project: PrismaProject,
  folder: vscode.WorkspaceFolder | undefined,
  initial: EnvironmentSetting | undefined,
): Promise<{ setting: EnvironmentSetting; secrets: Partial<Record<SecretKind, string>> } | undefined> {
  const verb = initial ? vscode.l10n.t('Edit Environment') : vscode.l10n.t('Add Environment');
  // The count of steps depends on how the database is reached (a tunnel and its login add steps): that is asked
  // third, and from then on every step shows "n/total" with a total that no longer changes; before it, "n".
  let step = 0;
  let reach: Reach | undefined;
  const totalSteps = (): number | undefined =>
    reach === undefined
      ? undefined
      : 5 + (reach === 'direct' ? 0 : 3 + (reach === 'key' ? 2 : reach === 'password' ? 1 : 0));
  const input = async (options: {
    prompt: string;
    value?: string;
    placeHolder?: string;
    password?: boolean;
    validateInput?: (value: string) => string | undefined;
  }): Promise<string> => {
    const box = vscode.window.createInputBox();
    box.title = verb;
    box.step = ++step;
    box.totalSteps = totalSteps();
    box.prompt = options.prompt;
    box.value = options.value ?? '';
    box.placeholder = options.placeHolder;
    box.password = options.password ?? false;
    box.ignoreFocusOut = true;
    try {
      const value = await new Promise<string | undefined>((resolve) => {
        box.onDidChangeValue((v) => (box.validationMessage = options.validateInput?.(v)));
        box.onDidAccept(() => {
          // Like showInputBox: Enter does nothing while the value is refused, and says why.
          const problem = options.validateInput?.(box.value);
          box.validationMessage = problem;
          if (!problem) resolve(box.value);
        });
        box.onDidHide(() => resolve(undefined));
        box.show();
      });
      if (value === undefined) throw new Cancelled();
      return value.trim();
    } finally {
      box.dispose();
    }
  };
  const pick = async <T extends vscode.QuickPickItem>(
    items: T[],
    placeHolder: string,
    active?: (i: T) => boolean,
  ): Promise<T> => {
    const qp = vscode.window.createQuickPick<T>();
    qp.title = verb;
    qp.step = ++step;
    qp.totalSteps = totalSteps();
    qp.placeholder = placeHolder;
    qp.items = items;
    qp.ignoreFocusOut = true;
    const start = active ? items.find(active) : undefined;
    if (start) qp.activeItems = [start];
    try {
      const chosen = await new Promise<T | undefined>((resolve) => {
        qp.onDidAccept(() => resolve(qp.selectedItems[0] ?? qp.activeItems[0]));
        qp.onDidHide(() => resolve(undefined));
        qp.show();
      });
      if (!chosen) throw new Cancelled();
      return chosen;
    } finally {
      qp.dispose();
    }
  };
  const taken = new Set(services.environments.environments(project).map((e) => e.name));
  if (initial) taken.delete(initial.name);

  try {
    const name = await input({
      prompt: vscode.l10n.t('Name of the environment, as messages and the tree show it (e.g. production, staging).'),
      value: initial?.name ?? (taken.has('production') ? (taken.has('staging') ? '' : 'staging') : 'production'),
      validateInput: (v) =>
        !NAME.test(v.trim())
          ? vscode.l10n.t('1–64 letters, digits, "_", "-" or ".".')
          : v.trim() === LOCAL_ENVIRONMENT_NAME
            ? vscode.l10n.t('"local" is the project\'s own datasource URL.')
            : taken.has(v.trim())
              ? vscode.l10n.t('Another environment is named "{0}".', v.trim())
              : undefined,
    });
    const kindDescriptions: Record<EnvironmentKind, string> = {
      production: vscode.l10n.t('read-only by default: every write asks for the name typed; no deploy from the tree'),
      staging: vscode.l10n.t('writes ask for confirmation; deploy allowed'),
      development: vscode.l10n.t('writes ask for confirmation; deploy allowed'),
    };
    const kind = (
      await pick(
        ENVIRONMENT_KINDS.map((k) => ({ label: k, description: kindDescriptions[k] })),
        vscode.l10n.t('What kind of database is it?'),
        (i) =>
          i.label ===
          (initial?.kind ?? (/prod/i.test(name) ? 'production' : /stag/i.test(name) ? 'staging' : 'development')),
      )
    ).label;

    const reachItems: Array<vscode.QuickPickItem & { reach: Reach }> = [
      {
        label: vscode.l10n.t('Direct connection'),
        description: vscode.l10n.t('this machine reaches the database host:port'),
        reach: 'direct',
      },
      {
        label: vscode.l10n.t('SSH tunnel, logging in with the SSH agent'),
        description: vscode.l10n.t('like ssh -L; keys loaded in ssh-agent (SSH_AUTH_SOCK)'),
        reach: 'agent',
      },
      {
        label: vscode.l10n.t('SSH tunnel, logging in with a private key file'),
        description: vscode.l10n.t('like ssh -L; e.g. ~/.ssh/id_ed25519, its passphrase goes to SecretStorage'),
        reach: 'key',
      },
      {
        label: vscode.l10n.t('SSH tunnel, logging in with a password'),
        description: vscode.l10n.t('like ssh -L; the password is kept in SecretStorage'),
        reach: 'password',
      },
    ];
    const initialReach: Reach = initial?.ssh ? initial.ssh.auth : 'direct';
    reach = (
      await pick(
        reachItems,
        vscode.l10n.t(
          'How is the database reached? (e.g. PostgreSQL in a Docker container on a server: an SSH tunnel)',
        ),
        (i) => i.reach === initialReach,
      )
    ).reach;

    const secrets: Partial<Record<SecretKind, string>> = {};
    const secretItem = {
      label: vscode.l10n.t('Stored in SecretStorage (recommended)'),
      description: vscode.l10n.t('the OS keychain; never in settings'),
      from: 'secret' as const,
    };
    const envItem = {
      label: vscode.l10n.t('From an environment variable'),
      description: vscode.l10n.t("of VS Code, or in the project's .env"),
      from: 'env' as const,
    };
    const from = (
      await pick(
        [secretItem, envItem],
        vscode.l10n.t('Where does the database URL come from?'),
        (i) => i.from === (initial?.url.from ?? 'secret'),
      )
    ).from;
    let url: EnvironmentSetting['url'];
    let knownUrl: string | undefined;
    if (from === 'secret') {
      const current = initial ? await services.environments.getSecret(folder, initial.name, 'url') : undefined;
      const value = await input({
        prompt: current
          ? vscode.l10n.t(
              'Database URL, as seen from the SSH server if you use one. Leave empty to keep the stored one.',
            )
          : vscode.l10n.t(
              'Database URL (postgresql://user:password@host:port/database), as seen from the SSH server if you use one.',
            ),
        password: true,
        placeHolder: 'postgresql://user:password@127.0.0.1:5432/database',
        validateInput: (v) =>
          v.trim() === '' && current
            ? undefined
            : /^postgres(ql)?:\/\/.+/.test(v.trim())
              ? undefined
              : vscode.l10n.t('A postgresql:// URL.'),
      });
      if (value) secrets.url = value;
      knownUrl = value || current;
      url = { from: 'secret' };
    } else {
      const variable = await input({
        prompt: vscode.l10n.t(
          "Name of the environment variable holding the URL (VS Code's environment or the project's .env).",
        ),
        value:
          initial?.url.from === 'env'
            ? initial.url.variable
            : `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_DATABASE_URL`,
        validateInput: (v) =>
          /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.trim())
            ? undefined
            : vscode.l10n.t('A variable name such as PROD_DATABASE_URL.'),
      });
      url = { from: 'env', variable };
    }

    const setting: EnvironmentSetting = { name, kind, url, ...(initial?.project ? { project: initial.project } : {}) };
    if (reach !== 'direct') {
      const prev = initial?.ssh;
      const hostPort = await input({
        prompt: vscode.l10n.t('SSH server: host or host:port.'),
        value: prev ? `${prev.host}${prev.port && prev.port !== 22 ? `:${prev.port}` : ''}` : '',
        placeHolder: '88.99.254.59',
        validateInput: (v) =>
          parseHostPort(v, 22) ? undefined : vscode.l10n.t('A host name or address, optionally :port.'),
      });
      const server = parseHostPort(hostPort, 22)!;
      const user = await input({
        prompt: vscode.l10n.t('SSH user.'),
        value: prev?.user ?? 'root',
        validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A user name.')),
      });
      const auth: SshAuthKind = reach;
      const ssh: SshSetting = { host: server.host, user, auth, ...(server.port !== 22 ? { port: server.port } : {}) };
      if (auth === 'key') {
        ssh.keyPath = await input({
          prompt: vscode.l10n.t('Private key file.'),
          value: prev?.keyPath ?? '~/.ssh/id_ed25519',
          validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A file path.')),
        });
        const passphrase = await input({
          prompt: vscode.l10n.t('Passphrase of the key, if it has one (empty: none, or keep the stored one).'),
          password: true,
        });
        if (passphrase) secrets.sshPassphrase = passphrase;
      } else if (auth === 'password') {
        const current = initial
          ? await services.environments.getSecret(folder, initial.name, 'sshPassword')
          : undefined;
        const password = await input({
          prompt: current
            ? vscode.l10n.t('SSH password. Leave empty to keep the stored one.')
            : vscode.l10n.t('SSH password (kept in SecretStorage).'),
          password: true,
          validateInput: (v) => (v || current ? undefined : vscode.l10n.t('The password.')),
        });
        if (password) secrets.sshPassword = password;
      } else if (prev?.agentSocket) {
        ssh.agentSocket = prev.agentSocket;
      }
      // Not a URL yet: no default.
      const known = knownUrl ? tryParsePostgresUrl(knownUrl) : undefined;
      const fromUrl = known ? `${known.host.includes(':') ? `[${known.host}]` : known.host}:${known.port}` : '';
      const database = await input({
        prompt: vscode.l10n.t(
          "PostgreSQL host:port as seen from the SSH server (e.g. 127.0.0.1:5435 for a container publishing 5435). Empty: the URL's host and port.",
        ),
        value: prev?.database ?? '',
        placeHolder: fromUrl || '127.0.0.1:5432',
        validateInput: (v) =>
          v.trim() === '' || parseHostPort(v, 5432) ? undefined : vscode.l10n.t('host:port, e.g. 127.0.0.1:5435.'),
      });
      if (database) ssh.database = database;
      if (prev?.connectTimeoutSeconds) ssh.connectTimeoutSeconds = prev.connectTimeoutSeconds;
      if (prev?.rehearseDumpCommand) ssh.rehearseDumpCommand = prev.rehearseDumpCommand;
      setting.ssh = ssh;
    }
    return { setting, secrets };
  } catch (error) {
    if (error instanceof Cancelled) return undefined;
    throw error;
  }
}

// ── Test Connection ────────────────────────────────────────────────────────────────────────────────

const HOP_NAMES = (): Record<ConnectionHop['hop'], string> => ({
  url: vscode.l10n.t('URL'),
  ssh: vscode.l10n.t('SSH'),
  tunnel: vscode.l10n.t('Tunnel'),
  database: vscode.l10n.t('Database'),
  migrationsTable: '_prisma_migrations',
});

const HOP_MARKS: Record<ConnectionHop['status'], string> = { ok: '✓', warning: '⚠', failed: '✗', skipped: '·' };

/** Taking an environment out of production removes its guards: the user types its name, as for a write. */
async function confirmLeavingProduction(name: string, kind: EnvironmentKind): Promise<boolean> {
  return askTyped({
    title: vscode.l10n.t('Make {0} a {1} environment', name, kind),
    prompt: vscode.l10n.t(
      '{0} loses the production guards: writes no longer ask for its name, the Migrations view may deploy to it, and the runbook backup gate and the terminal guard stop watching it. Type "{0}" to confirm.',
      name,
    ),
    expected: name,
  });
}

/** Runs Test Connection with progress; every hop goes to the Output channel, the outcome to a notification. */
export async function runTestConnection(
  services: EnvironmentCommandServices,
  ref: EnvironmentRef,
): Promise<ConnectionHop[]> {
  const { logger, environments } = services;
  const names = HOP_NAMES();
  logger.info(`Test Connection ${ref.environment.name} (${ref.environment.description}) of ${ref.project.name}:`);
  const hops = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Testing the connection to {0}…', ref.environment.name),
    },
    (progress) =>
      environments.testConnection(ref.project, ref.environment, (hop) => {
        const line = `  ${HOP_MARKS[hop.status]} ${names[hop.hop]}: ${hop.message}${hop.status === 'skipped' ? '' : ` (${hop.ms} ms)`}`;
        (hop.status === 'failed'
          ? logger.error.bind(logger)
          : hop.status === 'warning'
            ? logger.warn.bind(logger)
            : logger.info.bind(logger))(line);
        progress.report({ message: `${HOP_MARKS[hop.status]} ${names[hop.hop]}` });
      }),
  );
  await environments.markTested(ref.environment.folder, ref.environment.name);
  const failed = hops.find((h) => h.status === 'failed');
  const chain = hops.map((h) => `${names[h.hop]} ${HOP_MARKS[h.status]}`).join('  ');
  const showOutput = vscode.l10n.t('Show Output');
  if (failed) {
    // The chain goes in the message itself: a toast does not show `detail` (only modal messages do).
    void notify
      .error(
        vscode.l10n.t(
          '{0}: {1} failed — {2} ({3})',
          ref.environment.name,
          names[failed.hop],
          failed.message.split('\n')[0].replace(/\.$/, ''),
          chain,
        ),
        showOutput,
      )
      .then((c) => c && logger.show(false));
  } else {
    const warning = hops.find((h) => h.status === 'warning');
    void notify
      .info(
        vscode.l10n.t('{0}: connection OK — {1}', ref.environment.name, chain) +
          (warning ? ` (${warning.message})` : ''),
        showOutput,
      )
      .then((c) => c && logger.show(false));
  }
  return hops;
}

// ── Registration ───────────────────────────────────────────────────────────────────────────────────

const SECRET_LABELS = (): Record<SecretKind, string> => ({
  url: vscode.l10n.t('Database URL'),
  sshPassword: vscode.l10n.t('SSH password'),
  sshPassphrase: vscode.l10n.t('SSH key passphrase'),
});

/** Add, Edit, Remove, Set Secret and Test Connection. */
export function registerEnvironmentCommands(
  context: vscode.ExtensionContext,
  services: EnvironmentCommandServices,
): void {
  const { logger, environments } = services;
  const configured = (e: DatabaseEnvironment): boolean => e.source === 'configured';
  context.subscriptions.push(
    registerCommand('driftGuard.addEnvironment', vscode.l10n.t('Add Environment'), logger, async (root?: unknown) => {
      const rootArg = isRecord(root) && isRecord(root.project) ? (root.project as { root?: unknown }).root : root;
      const project = await pickProject(services, rootArg);
      if (!project) return;
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project.root));
      const answer = await environmentWizard(services, project, folder, undefined);
      if (!answer) return;
      const projects = await services.projects.ready();
      const shared = projects.filter(
        (p) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p.root))?.uri.toString() === folder?.uri.toString(),
      );
      // Several projects in one folder: this environment is the chosen project's only.
      if (shared.length > 1 && folder) answer.setting.project = path.relative(folder.uri.fsPath, project.root) || '.';
      for (const [kind, value] of Object.entries(answer.secrets) as Array<[SecretKind, string]>) {
        await environments.storeSecret(folder, answer.setting.name, kind, value);
      }
      await writeEnvironment(folder, undefined, answer.setting);
      // The toast below goes; the Migrations view keeps offering Test Connection until it ran once.
      await environments.markAdded(folder, answer.setting.name);
      logger.info(
        `Environment ${answer.setting.name} (${answer.setting.kind}) added to the settings of ${folder?.name ?? 'the workspace'}`,
      );
      const test = vscode.l10n.t('Test Connection');
      const choice = await notify.info(vscode.l10n.t('Environment {0} added.', answer.setting.name), test);
      if (choice === test) {
        await vscode.commands.executeCommand('driftGuard.testConnection', project.root, answer.setting.name);
      }
    }),
    registerCommand(
      'driftGuard.editEnvironment',
      vscode.l10n.t('Edit Environment'),
      logger,
      async (...args: unknown[]) => {
        const ref = await resolveEnvironmentRef(services, args, configured, vscode.l10n.t('Edit which environment?'));
        if (!ref?.environment.setting) return;
        const { folder, setting } = ref.environment;
        const answer = await environmentWizard(services, ref.project, folder, setting);
        if (!answer) return;
        if (
          setting.kind === 'production' &&
          answer.setting.kind !== 'production' &&
          !(await confirmLeavingProduction(setting.name, answer.setting.kind))
        ) {
          void notify.info(vscode.l10n.t('Nothing changed: {0} stays a production environment.', setting.name));
          return;
        }
        if (answer.setting.name !== setting.name) {
          // Secrets follow the environment to its new name.
          for (const kind of ['url', 'sshPassword', 'sshPassphrase'] as const) {
            const value = answer.secrets[kind] ?? (await environments.getSecret(folder, setting.name, kind));
            if (value !== undefined) answer.secrets[kind] = value;
          }
          await environments.deleteSecrets(folder, setting.name);
        }
        for (const [kind, value] of Object.entries(answer.secrets) as Array<[SecretKind, string]>) {
          await environments.storeSecret(folder, answer.setting.name, kind, value);
        }
        await writeEnvironment(folder, setting.name, answer.setting);
        logger.info(
          `Environment ${setting.name} updated${answer.setting.name !== setting.name ? ` (now ${answer.setting.name})` : ''}`,
        );
      },
    ),
    registerCommand(
      'driftGuard.removeEnvironment',
      vscode.l10n.t('Remove Environment'),
      logger,
      async (...args: unknown[]) => {
        const ref = await resolveEnvironmentRef(services, args, configured, vscode.l10n.t('Remove which environment?'));
        if (!ref?.environment.setting) return;
        const remove = vscode.l10n.t('Remove');
        const choice = await notify.warn(
          vscode.l10n.t('Remove the environment {0}?', ref.environment.name),
          {
            modal: true,
            detail: vscode.l10n.t(
              'Its entry leaves driftGuard.environments and its secrets are deleted from SecretStorage. The database itself is not touched.',
            ),
          },
          remove,
        );
        if (choice !== remove) return;
        await writeEnvironment(ref.environment.folder, ref.environment.name, undefined);
        await environments.deleteSecrets(ref.environment.folder, ref.environment.name);
        await environments.markTested(ref.environment.folder, ref.environment.name);
        logger.info(`Environment ${ref.environment.name} removed`);
      },
    ),
    registerCommand(
      'driftGuard.setEnvironmentSecret',
      vscode.l10n.t('Set Environment Secret'),
      logger,
      async (...args: unknown[]) => {
        const ref = await resolveEnvironmentRef(
          services,
          args,
          configured,
          vscode.l10n.t('Set a secret of which environment?'),
        );
        const setting = ref?.environment.setting;
        if (!ref || !setting) return;
        const labels = SECRET_LABELS();
        const kinds = secretsOf(setting);
        if (kinds.length === 0) {
          void notify.info(
            vscode.l10n.t(
              '{0} uses no secret: its URL comes from the variable {1} and SSH (if any) logs in with the agent or an unencrypted key.',
              setting.name,
              setting.url.from === 'env' ? setting.url.variable : '',
            ),
          );
          return;
        }
        const folder = ref.environment.folder;
        const items = await Promise.all(
          kinds.map(async (kind) => ({
            label: labels[kind],
            description:
              (await environments.getSecret(folder, setting.name, kind)) !== undefined
                ? vscode.l10n.t('stored')
                : vscode.l10n.t('not set'),
            secret: kind,
          })),
        );
        const kind =
          typeof args[2] === 'string' && kinds.includes(args[2] as SecretKind)
            ? (args[2] as SecretKind)
            : items.length === 1
              ? items[0].secret
              : (
                  await vscode.window.showQuickPick(items, {
                    placeHolder: vscode.l10n.t('Which secret of {0}?', setting.name),
                  })
                )?.secret;
        if (!kind) return;
        const value = await vscode.window.showInputBox({
          title: vscode.l10n.t('{0} of {1}', labels[kind], setting.name),
          prompt:
            kind === 'url'
              ? vscode.l10n.t(
                  'postgresql://user:password@host:port/database, as seen from the SSH server if there is one. Empty: delete the stored value.',
                )
              : vscode.l10n.t('Empty: delete the stored value.'),
          password: true,
          ignoreFocusOut: true,
          validateInput: (v) =>
            kind === 'url' && v.trim() !== '' && !/^postgres(ql)?:\/\/.+/.test(v.trim())
              ? vscode.l10n.t('A postgresql:// URL.')
              : undefined,
        });
        if (value === undefined) return;
        if (value.trim() === '') {
          await environments.deleteSecret(folder, setting.name, kind);
          logger.info(`${labels[kind]} of ${setting.name} deleted from SecretStorage`);
        } else {
          await environments.storeSecret(folder, setting.name, kind, kind === 'url' ? value.trim() : value);
          logger.info(`${labels[kind]} of ${setting.name} stored in SecretStorage`);
        }
      },
    ),
    registerCommand(
      'driftGuard.testConnection',
      vscode.l10n.t('Test Connection'),
      logger,
      async (...args: unknown[]) => {
        const ref = await resolveEnvironmentRef(
          services,
          args,
          () => true,
          vscode.l10n.t('Test the connection to which database?'),
        );
        if (!ref) return undefined;
        return runTestConnection(services, ref);
      },
    ),
  );
}
