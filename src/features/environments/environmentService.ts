import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  describeEnvironmentSetting,
  describeSsh,
  type EnvironmentKind,
  type EnvironmentSetting,
  parseEnvironmentSettings,
  remoteEndpoint,
  type SecretKind,
  secretKey,
  tunnelledUrl,
  withoutTunnelAddress,
} from '../../core/environments/config';
import {
  environmentDatabases,
  environmentSshTarget,
  type EnvironmentSources,
  resolveEnvironmentUrl,
} from '../../core/app/environments';
import { type CheckedDatabase } from '../../core/engine/shadowSafety';
import { redactUrl } from '../../core/project/discovery';
import { urlHostPort } from '../../core/util/pgUrl';
import { closeWhenIdle, dropHolder, holdWhenReady, type RefCounted } from '../../core/util/refCount';
import { type PrismaProject, type UrlSource } from '../../core/project/types';
import type { PooledLocalForward, SshLease, SshSessionPool, SshTarget } from '../../core/remote';
import { describeTarget, targetKey } from '../../core/remote/target';
import { type Logger } from '../shared/logger';
import { HostKeyPrompter } from './hostKeyPrompt';
import { notify } from '../shared/notify';
import { Disposable } from '../../core/util/lifecycle';
import { hasErrorCode } from '../../core/util/errors';

export type { EnvironmentKind } from '../../core/environments/config';
export { EnvironmentError } from '../../core/app/environments';

/** A database URL usable from this machine, held open (an SSH tunnel, say) until released. */
export interface AcquiredDatabase {
  url: string;
  release(): void;
  /**
   * Through an SSH tunnel: `message` (an engine's, which names the URL it was given) with the tunnel's local
   * `127.0.0.1:<port>` replaced by the environment's own target — a port that changes every time means nothing
   * to the user. Absent when the URL is the database's own.
   */
  readable?(message: string): string;
}

/** `message` as the user should read it: the tunnel's local address replaced by the environment's target. */
export function readableMessage(acquired: AcquiredDatabase | undefined, message: string): string {
  return acquired?.readable ? acquired.readable(message) : message;
}

/** A database a project deploys to: its own datasource URL ("local") or a configured environment. */
export interface DatabaseEnvironment {
  /** Unique within a project, shown in messages: `local`, `production`… */
  name: string;
  kind: EnvironmentKind;
  projectRoot: string;
  /** Where it points, password redacted. */
  description: string;
  source: 'datasource' | 'configured';
  /** Connects what is needed and gives a URL reachable from here. Callers must release it. */
  acquire(): Promise<AcquiredDatabase>;
  /** For configured environments: the entry of `driftGuard.environments` it comes from. */
  setting?: EnvironmentSetting;
  /** For configured environments: the workspace folder whose settings (and secrets) hold it. */
  folder?: vscode.WorkspaceFolder;
}

/** The URL Migrate uses: `directUrl` when set (poolers cannot run migrations), else `url`. */
export function migrationUrl(project: PrismaProject): { url: string; source: UrlSource } | undefined {
  const ds = project.datasource;
  for (const source of [ds?.directUrl, ds?.url]) {
    if (source && source.kind !== 'unresolved' && source.value !== undefined && source.value.trim() !== '') {
      return { url: source.value, source };
    }
  }
  return undefined;
}

/** One hop of "Test Connection". */
export interface ConnectionHop {
  hop: 'url' | 'ssh' | 'tunnel' | 'database' | 'migrationsTable';
  status: 'ok' | 'warning' | 'failed' | 'skipped';
  message: string;
  ms: number;
}

interface TunnelEntry extends RefCounted {
  key: string;
  label: string;
  opening: Promise<PooledLocalForward>;
  forward?: PooledLocalForward;
}

/** How long an unused tunnel stays open (the next refresh reuses it). */
const TUNNEL_IDLE_MS = 30_000;
const SECRET_PREFIX = 'driftGuard.environment:';

/**
 * Lists the databases of each project: the project's own datasource URL as `local` (development) when it
 * resolves, then the environments of the setting `driftGuard.environments` of its workspace folder.
 * Secrets (database URLs, SSH passwords and key passphrases) live in SecretStorage. Environments behind
 * SSH are reached through tunnels over one shared {@link SshSessionPool}: `acquire()` opens or reuses the
 * tunnel, `release()` lets it go (closed after a short idle time). Nothing connects before `acquire()`.
 */
/** Workspace-state key of the environments added and not tested yet. */
const UNTESTED_KEY = 'driftGuard.untestedEnvironments';

export class EnvironmentService extends Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeEnvironments = this.changeEmitter.event;
  private poolInstance: Promise<SshSessionPool> | undefined;
  private readonly tunnels = new Map<string, TunnelEntry>();
  private readonly hostKeys: HostKeyPrompter;
  private readonly reported = new Set<string>();
  private disposed = false;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly logger: Logger,
    /** Where "added, never tested" is remembered across reloads (the workspace state). */
    private readonly state?: vscode.Memento,
  ) {
    super();
    this.disposables.push(this.changeEmitter);
    this.hostKeys = new HostKeyPrompter(logger);
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (e.affectsConfiguration('driftGuard.knownHostsFiles')) this.resetPool();
        if (e.affectsConfiguration('driftGuard.environments') || e.affectsConfiguration('driftGuard.knownHostsFiles')) {
          this.fireChanged();
        }
      },
      this,
      this.disposables,
    );
    secrets.onDidChange((e) => e.key.startsWith(SECRET_PREFIX) && this.fireChanged(), this, this.disposables);
  }

  /** The databases of `project`: `local` first when the datasource URL resolves, then the configured ones. */
  environments(project: PrismaProject): DatabaseEnvironment[] {
    const out: DatabaseEnvironment[] = [];
    const local = migrationUrl(project);
    if (local) {
      const url = local.url;
      out.push({
        name: 'local',
        kind: 'development',
        projectRoot: project.root,
        description: redactUrl(url),
        source: 'datasource',
        acquire: () => Promise.resolve({ url, release: () => undefined }),
      });
    }
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project.root));
    for (const setting of this.settingsFor(project).environments) {
      out.push({
        name: setting.name,
        kind: setting.kind,
        projectRoot: project.root,
        description: describeEnvironmentSetting(setting),
        source: 'configured',
        setting,
        ...(folder ? { folder } : {}),
        acquire: () => this.acquire(project, setting, folder),
      });
    }
    return out;
  }

  /**
   * Every database a shadow database URL must not designate: the datasource URLs and each configured environment
   * whose URL can be read without asking (an SSH one as the address its server connects to). Opens nothing.
   */
  async protectedDatabases(project: PrismaProject): Promise<CheckedDatabase[]> {
    const out: CheckedDatabase[] = [];
    for (const [name, source] of [
      ['url', project.datasource?.url],
      ['directUrl', project.datasource?.directUrl],
    ] as const) {
      if (source && source.kind !== 'unresolved' && source.value) {
        out.push({ label: vscode.l10n.t('the datasource {0}', name), url: source.value });
      }
    }
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project.root));
    return [
      ...out,
      ...(await environmentDatabases(project, this.settingsFor(project).environments, this.sources(folder))),
    ];
  }

  /** The configured environments that apply to `project`, and the problems of the setting (one line each). */
  settingsFor(project: PrismaProject): { environments: EnvironmentSetting[]; problems: string[] } {
    const uri = vscode.Uri.file(project.root);
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const raw = vscode.workspace.getConfiguration('driftGuard', uri).get<unknown>('environments');
    const { environments, problems } = parseEnvironmentSettings(raw);
    for (const problem of problems) {
      if (this.reported.has(problem)) continue;
      this.reported.add(problem);
      this.logger.warn(problem);
    }
    const base = folder?.uri.fsPath ?? project.root;
    return {
      environments: environments.filter(
        (e) => e.project === undefined || path.resolve(base, e.project) === project.root,
      ),
      problems,
    };
  }

  /** Signals that environments changed (settings, secrets). */
  fireChanged(): void {
    this.changeEmitter.fire();
  }

  // ── Added, never tested ──────────────────────────────────────────────────────────────────────────

  private untestedList(): string[] {
    return this.state?.get<string[]>(UNTESTED_KEY) ?? [];
  }

  private untestedId(folder: vscode.WorkspaceFolder | undefined, name: string): string {
    return `${folder?.uri.toString() ?? ''}\0${name}`;
  }

  /** Add Environment wrote `name`: the Migrations view offers Test Connection on it until it was tested once. */
  async markAdded(folder: vscode.WorkspaceFolder | undefined, name: string): Promise<void> {
    const id = this.untestedId(folder, name);
    const list = this.untestedList();
    if (!list.includes(id)) await this.state?.update(UNTESTED_KEY, [...list, id]);
    this.fireChanged();
  }

  /** Tested (whatever the outcome) or removed: no longer "never tested". */
  async markTested(folder: vscode.WorkspaceFolder | undefined, name: string): Promise<void> {
    const id = this.untestedId(folder, name);
    const list = this.untestedList();
    if (!list.includes(id)) return;
    await this.state?.update(
      UNTESTED_KEY,
      list.filter((x) => x !== id),
    );
    this.fireChanged();
  }

  /** Whether the environment was added by Add Environment and never tested since. */
  isUntested(environment: Pick<DatabaseEnvironment, 'name' | 'folder' | 'source'>): boolean {
    return (
      environment.source === 'configured' &&
      this.untestedList().includes(this.untestedId(environment.folder, environment.name))
    );
  }

  // ── Secrets ──────────────────────────────────────────────────────────────────────────────────────

  /** Key of a secret in SecretStorage; `folder` scopes it (two repositories may both have a "production"). */
  secretKeyFor(folder: vscode.WorkspaceFolder | undefined, name: string, kind: SecretKind): string {
    return secretKey(folder?.uri.toString() ?? 'global', name, kind);
  }

  async getSecret(
    folder: vscode.WorkspaceFolder | undefined,
    name: string,
    kind: SecretKind,
  ): Promise<string | undefined> {
    return this.secrets.get(this.secretKeyFor(folder, name, kind));
  }

  async storeSecret(
    folder: vscode.WorkspaceFolder | undefined,
    name: string,
    kind: SecretKind,
    value: string,
  ): Promise<void> {
    await this.secrets.store(this.secretKeyFor(folder, name, kind), value);
  }

  async deleteSecret(folder: vscode.WorkspaceFolder | undefined, name: string, kind: SecretKind): Promise<void> {
    await this.secrets.delete(this.secretKeyFor(folder, name, kind));
  }

  async deleteSecrets(folder: vscode.WorkspaceFolder | undefined, name: string): Promise<void> {
    for (const kind of ['url', 'sshPassword', 'sshPassphrase'] as const) {
      await this.secrets.delete(this.secretKeyFor(folder, name, kind));
    }
  }

  // ── Connecting ───────────────────────────────────────────────────────────────────────────────────

  /**
   * The shared SSH sessions (the runbook's remote steps use the same connections). Created on first use:
   * the SSH library is only loaded then, never at activation.
   */
  sshPool(): Promise<SshSessionPool> {
    if (this.disposed) return Promise.reject(new Error('Prisma Drift Guard is shutting down.'));
    if (!this.poolInstance) {
      const files = vscode.workspace
        .getConfiguration('driftGuard')
        .get<string[]>('knownHostsFiles', [])
        .filter((f) => typeof f === 'string' && f.trim() !== '');
      this.poolInstance = import('../../core/remote/index.js').then(
        ({ SshSessionPool }) =>
          new SshSessionPool({
            hostKeys: { ...(files.length > 0 ? { knownHostsFiles: files } : {}), onUnknownHost: this.hostKeys.decide },
            log: (line) => this.logger.debug(`ssh: ${line}`),
            idleTimeoutMs: 60_000,
          }),
      );
    }
    return this.poolInstance;
  }

  /**
   * Where the resolver reads the secrets of `folder`'s environments (SecretStorage) and their variables (the
   * environment of VS Code, then the project's `.env` files).
   */
  private sources(folder: vscode.WorkspaceFolder | undefined): EnvironmentSources {
    return {
      env: process.env,
      missingVariable: (setting, variable, files) =>
        vscode.l10n.t(
          '{0}: the variable {1} is not set (looked in the environment of VS Code and in {2}).',
          setting.name,
          variable,
          files,
        ),
      secrets: {
        get: (setting, kind) => this.getSecret(folder, setting.name, kind),
        missing: (setting, kind) =>
          kind === 'url' || !setting.ssh
            ? vscode.l10n.t('No database URL stored for {0}: run "Set Environment Secret".', setting.name)
            : vscode.l10n.t(
                'No SSH password stored for {0} ({1}): run "Set Environment Secret".',
                setting.name,
                describeSsh(setting.ssh),
              ),
      },
    };
  }

  /** The database URL of a configured environment, from SecretStorage or an environment variable. */
  resolveUrl(
    project: PrismaProject,
    setting: EnvironmentSetting,
    folder: vscode.WorkspaceFolder | undefined,
  ): Promise<string> {
    return resolveEnvironmentUrl(project, setting, this.sources(folder));
  }

  /** The SSH target of a configured environment with its secrets, or undefined when it has no SSH hop. */
  sshTarget(setting: EnvironmentSetting, folder: vscode.WorkspaceFolder | undefined): Promise<SshTarget | undefined> {
    return environmentSshTarget(setting, this.sources(folder).secrets);
  }

  /** Lets the next connection ask again about host keys the user refused (explicit actions only). */
  forgetHostKeyRejections(): void {
    this.hostKeys.forgetRejections();
  }

  private async acquire(
    project: PrismaProject,
    setting: EnvironmentSetting,
    folder: vscode.WorkspaceFolder | undefined,
  ): Promise<AcquiredDatabase> {
    try {
      return await this.acquireTunnelled(project, setting, folder);
    } catch (error) {
      this.warnHostKeyChanged(error);
      throw error;
    }
  }

  /** A changed host key is a security event, not just an unreachable database: say it once, loudly. */
  private warnHostKeyChanged(error: unknown): void {
    if (!hasErrorCode(error, 'host-key-changed')) return;
    const key = error.message;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.logger.error(error.message);
    const show = vscode.l10n.t('Show Output');
    void notify.error(error.message.replace(/\s*\n\s*/g, ' '), show).then((c) => c && this.logger.show(false));
  }

  private async acquireTunnelled(
    project: PrismaProject,
    setting: EnvironmentSetting,
    folder: vscode.WorkspaceFolder | undefined,
  ): Promise<AcquiredDatabase> {
    const url = await this.resolveUrl(project, setting, folder);
    const target = await this.sshTarget(setting, folder);
    if (!target || !setting.ssh) return { url, release: () => undefined };
    const remote = remoteEndpoint(setting.ssh, url);
    const entry = this.tunnel(target, remote, setting.name);
    const forward = await holdWhenReady(entry, entry.opening);
    let released = false;
    const local = tunnelledUrl(url, forward.localPort);
    // `root@host:22 → localhost:5432`, so that `…/app` after it reads as the server's database.
    const seenAs = `${describeTarget(target)} → ${remote.host}:${remote.port}`;
    return {
      url: local,
      readable: (message) => withoutTunnelAddress(message, local, seenAs),
      release: () => {
        if (released) return;
        released = true;
        this.releaseTunnel(entry);
      },
    };
  }

  private tunnel(target: SshTarget, remote: { host: string; port: number }, name: string): TunnelEntry {
    const key = `${targetKey(target)}→${remote.host}:${remote.port}`;
    const existing = this.tunnels.get(key);
    if (existing && (!existing.forward || existing.forward.session.state === 'open')) return existing;
    const label = `${name}: ${describeTarget(target)} → ${remote.host}:${remote.port}`;
    const entry: TunnelEntry = {
      key,
      label,
      refs: 0,
      opening: (async () => {
        const started = Date.now();
        const pool = await this.sshPool();
        const forward = await pool.forwardLocal(target, remote.host, remote.port);
        try {
          // A remote end that is not listening becomes one clear error here, not a reset client connection later.
          await forward.session.checkForward(remote.host, remote.port);
        } catch (error) {
          await forward.close();
          throw error;
        }
        this.logger.info(`Tunnel ${label} open on 127.0.0.1:${forward.localPort} in ${Date.now() - started} ms`);
        return forward;
      })(),
    };
    this.tunnels.set(key, entry);
    entry.opening.then(
      (forward) => {
        entry.forward = forward;
        void forward.closed.then((closed) => {
          if (this.tunnels.get(key) === entry) this.tunnels.delete(key);
          clearTimeout(entry.idleTimer);
          const why = closed.reason === 'closed' ? 'closed' : `lost${closed.error ? `: ${closed.error.message}` : ''}`;
          (closed.reason === 'closed' ? this.logger.debug.bind(this.logger) : this.logger.warn.bind(this.logger))(
            `Tunnel ${label} ${why}`,
          );
        });
      },
      (error: unknown) => {
        if (this.tunnels.get(key) === entry) this.tunnels.delete(key);
        this.logger.warn(`Tunnel ${label} failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    return entry;
  }

  private releaseTunnel(entry: TunnelEntry): void {
    if (!dropHolder(entry)) return;
    closeWhenIdle(entry, TUNNEL_IDLE_MS, () => {
      if (this.tunnels.get(entry.key) === entry) this.tunnels.delete(entry.key);
      void entry.forward?.close();
    });
  }

  /** Open tunnels (tests and logs). */
  get openTunnels(): number {
    return [...this.tunnels.values()].filter((t) => t.forward).length;
  }

  /** Closes every tunnel and SSH session; the next `acquire()` connects again. */
  resetPool(): void {
    const pool = this.poolInstance;
    this.poolInstance = undefined;
    const tunnels = [...this.tunnels.values()];
    this.tunnels.clear();
    for (const t of tunnels) {
      clearTimeout(t.idleTimer);
      void t.forward?.close();
    }
    void pool?.then((p) => p.dispose()).catch(() => undefined);
  }

  /**
   * "Test Connection": each hop in turn — the URL, SSH (connect, host key, authentication), the tunnel
   * (the server reaches the database host:port), the database (connect, version), `_prisma_migrations` —
   * reported through `onHop` as it completes. Hops after a failure are skipped. Never throws.
   */
  async testConnection(
    project: PrismaProject,
    environment: DatabaseEnvironment,
    onHop: (hop: ConnectionHop) => void = () => undefined,
  ): Promise<ConnectionHop[]> {
    this.hostKeys.forgetRejections();
    const hops: ConnectionHop[] = [];
    const push = (hop: ConnectionHop): void => {
      hops.push(hop);
      onHop(hop);
    };
    const timed = async <T>(
      hop: ConnectionHop['hop'],
      run: () => Promise<T>,
      ok: (value: T) => { message: string; status?: ConnectionHop['status'] },
    ): Promise<T | undefined> => {
      const started = Date.now();
      try {
        const value = await run();
        const result = ok(value);
        push({ hop, status: result.status ?? 'ok', message: result.message, ms: Date.now() - started });
        return value;
      } catch (error) {
        push({
          hop,
          status: 'failed',
          message: error instanceof Error ? error.message : String(error),
          ms: Date.now() - started,
        });
        return undefined;
      }
    };
    const skip = (...names: ConnectionHop['hop'][]): ConnectionHop[] => {
      for (const hop of names) {
        push({ hop, status: 'skipped', message: vscode.l10n.t('not tried (an earlier hop failed)'), ms: 0 });
      }
      return hops;
    };
    const setting = environment.setting;
    const laterHops: ConnectionHop['hop'][] = setting?.ssh
      ? ['ssh', 'tunnel', 'database', 'migrationsTable']
      : ['database', 'migrationsTable'];

    const url = await timed(
      'url',
      () =>
        setting
          ? this.resolveUrl(project, setting, environment.folder)
          : environment.acquire().then((a) => (a.release(), a.url)),
      (u) => ({
        message: `${setting?.url.from === 'env' ? `$${setting.url.variable}` : setting ? vscode.l10n.t('SecretStorage') : vscode.l10n.t('datasource')} → ${redactUrl(u)}`,
      }),
    );
    if (url === undefined) return skip(...laterHops);

    if (setting?.ssh) {
      const ssh = setting.ssh;
      const started = Date.now();
      let target: SshTarget | undefined;
      let lease: SshLease;
      try {
        target = await this.sshTarget(setting, environment.folder);
        if (!target) throw new Error('no SSH target');
        lease = await (await this.sshPool()).acquire(target);
      } catch (error) {
        push({
          hop: 'ssh',
          status: 'failed',
          message: error instanceof Error ? error.message : String(error),
          ms: Date.now() - started,
        });
        return skip('tunnel', 'database', 'migrationsTable');
      }
      const key = lease.session.hostKey;
      push({
        hop: 'ssh',
        status: 'ok',
        message: vscode.l10n.t(
          'connected to {0} ({1}; host key {2} {3})',
          lease.session.label,
          target.auth.kind,
          key.fingerprint,
          key.trust,
        ),
        ms: Date.now() - started,
      });
      let remote: { host: string; port: number } | undefined;
      try {
        remote = remoteEndpoint(ssh, url);
        const endpoint = remote;
        const checked = await timed(
          'tunnel',
          () => lease.session.checkForward(endpoint.host, endpoint.port).then(() => true),
          () => ({
            message: vscode.l10n.t('{0} reaches {1}:{2}', describeSsh(ssh), endpoint.host, String(endpoint.port)),
          }),
        );
        if (!checked) return skip('database', 'migrationsTable');
      } catch (error) {
        push({
          hop: 'tunnel',
          status: 'failed',
          message: error instanceof Error ? error.message : String(error),
          ms: 0,
        });
        return skip('database', 'migrationsTable');
      } finally {
        lease.release();
      }
    }

    let acquired: AcquiredDatabase | undefined;
    try {
      acquired = await environment.acquire();
    } catch (error) {
      push({
        hop: setting?.ssh ? 'tunnel' : 'database',
        status: 'failed',
        message: error instanceof Error ? error.message : String(error),
        ms: 0,
      });
      return skip(...(setting?.ssh ? (['database', 'migrationsTable'] as const) : (['migrationsTable'] as const)));
    }
    try {
      const { probeDatabase } = await import('../../core/environments/probe.js');
      const local = acquired.url;
      const probe = await timed(
        'database',
        () => probeDatabase(local),
        (p) => ({
          message: vscode.l10n.t(
            '{0}, database {1} as {2}{3}',
            p.server,
            p.database,
            p.user,
            setting?.ssh ? vscode.l10n.t(' (through the tunnel on {0})', urlHostPort(local) ?? '') : '',
          ),
        }),
      );
      if (!probe) return skip('migrationsTable');
      const m = probe.migrations;
      push(
        m
          ? {
              hop: 'migrationsTable',
              status: m.failed > 0 ? 'warning' : 'ok',
              message: vscode.l10n.t(
                '{0}._prisma_migrations found: {1} recorded, {2} applied, {3} failed, {4} rolled back',
                probe.schema,
                String(m.recorded),
                String(m.finished),
                String(m.failed),
                String(m.rolledBack),
              ),
              ms: 0,
            }
          : {
              hop: 'migrationsTable',
              status: 'warning',
              message: vscode.l10n.t(
                '{0}._prisma_migrations not found: Prisma Migrate never ran on this database (every migration is pending)',
                probe.schema,
              ),
              ms: 0,
            },
      );
      return hops;
    } finally {
      acquired.release();
    }
  }

  override dispose(): void {
    this.disposed = true;
    this.resetPool();
    super.dispose();
  }
}
