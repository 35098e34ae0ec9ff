/**
 * The `driftGuard.environments` setting as plain data: validation (with one clear problem per mistake),
 * where each secret lives, and the SSH pieces an environment needs (target, remote database endpoint,
 * the URL rewritten to a tunnel's local port). No `vscode` here: the extension reads the setting and
 * SecretStorage and passes values in; the CLI can do the same with a settings file and env vars.
 */
import * as l10n from '@vscode/l10n';
import type { SshAuth, SshTarget } from '../remote';
import { parsePostgresUrl, urlHostPort, withHostPort } from '../util/pgUrl';

/** How careful writes must be: production asks for the typed name on every write. */
export type EnvironmentKind = 'production' | 'staging' | 'development';

export const ENVIRONMENT_KINDS: readonly EnvironmentKind[] = ['production', 'staging', 'development'];

/** Where the database URL comes from. Never the URL itself: it holds the password. */
export type UrlSetting =
  /** Kept in VS Code's SecretStorage (the OS keychain), set with "Set Secret". */
  | { from: 'secret' }
  /** An environment variable, from the process or the project's `.env` files. */
  | { from: 'env'; variable: string };

export type SshAuthKind = 'agent' | 'key' | 'password';

/** Reaching the database through an SSH server (`ssh -L`): the URL's host:port is as seen from that server. */
export interface SshSetting {
  host: string;
  /** Default 22. */
  port?: number;
  user: string;
  /** `agent` (default): ssh-agent keys; `key`: a private key file; `password`: kept in SecretStorage. */
  auth: SshAuthKind;
  /** For `auth: key`: the private key file (`~/` allowed). Its passphrase, if any, is a secret. */
  keyPath?: string;
  /** For `auth: agent`: the agent socket (default `$SSH_AUTH_SOCK`). */
  agentSocket?: string;
  /** `host:port` of PostgreSQL as seen from the SSH server (default: the URL's host and port), e.g. `127.0.0.1:5435`. */
  database?: string;
  /** Limit for connecting and authenticating, in seconds (default 20). */
  connectTimeoutSeconds?: number;
  /**
   * For "Rehearse Deploy on a Copy": a command run on the SSH server that prints the database's schema as a
   * plain SQL dump, e.g. `docker exec nexus-postgres-db pg_dump -U nexus_admin --schema-only nexus_prod`.
   * Without it the local `pg_dump` dumps through the tunnel.
   */
  rehearseDumpCommand?: string;
}

/** One entry of `driftGuard.environments`. */
export interface EnvironmentSetting {
  name: string;
  kind: EnvironmentKind;
  url: UrlSetting;
  /** Only for the project at this folder (relative to the workspace folder); default: every project of the folder. */
  project?: string;
  ssh?: SshSetting;
}

/** The three secrets an environment may have. */
export type SecretKind = 'url' | 'sshPassword' | 'sshPassphrase';

/** Name reserved for the project's own datasource URL. */
export const LOCAL_ENVIRONMENT_NAME = 'local';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when a string looks like it carries a credential (a URL with a password, say). */
function looksLikeSecret(value: string): boolean {
  return /:\/\/[^/@\s]*:[^/@\s]+@/.test(value) || /^postgres(ql)?:\/\//i.test(value);
}

/**
 * Validates the raw setting. Entries with a problem are left out and the problem says why, naming the
 * entry: the rest keeps working.
 */
export function parseEnvironmentSettings(raw: unknown): { environments: EnvironmentSetting[]; problems: string[] } {
  const environments: EnvironmentSetting[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { environments, problems };
  if (!Array.isArray(raw)) {
    return { environments, problems: [l10n.t('driftGuard.environments must be a list of environments.')] };
  }
  const seen = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const where = `driftGuard.environments[${index}]`;
    const problem = (message: string): void => {
      problems.push(
        l10n.t(
          '{0}: {1}',
          `${where}${isRecord(entry) && typeof entry.name === 'string' ? ` (${entry.name})` : ''}`,
          message,
        ),
      );
    };
    if (!isRecord(entry)) return problem(l10n.t('not an object.'));
    const { name, kind, url, project, ssh } = entry;
    if (typeof name !== 'string' || !NAME.test(name)) {
      return problem(l10n.t('"name" must be 1–64 letters, digits, "_", "-" or "." (e.g. "production").'));
    }
    if (name === LOCAL_ENVIRONMENT_NAME) {
      return problem(
        l10n.t('"{0}" is the project\'s own datasource URL; choose another name.', LOCAL_ENVIRONMENT_NAME),
      );
    }
    if (seen.has(name)) return problem(l10n.t('another environment is already named "{0}".', name));
    if (typeof kind !== 'string' || !(ENVIRONMENT_KINDS as readonly string[]).includes(kind)) {
      return problem(l10n.t('"kind" must be "production", "staging" or "development".'));
    }
    for (const key of ['password', 'passphrase', 'databaseUrl', 'connectionString']) {
      if (key in entry) {
        return problem(
          l10n.t(
            '"{0}" does not belong in settings (they are plain text, often committed): keep it in SecretStorage with "Prisma Drift Guard: Set Environment Secret".',
            key,
          ),
        );
      }
    }
    let urlSetting: UrlSetting;
    if (url === undefined) {
      urlSetting = { from: 'secret' };
    } else if (typeof url === 'string') {
      return problem(
        looksLikeSecret(url)
          ? l10n.t(
              '"url" holds a connection URL: never put it (nor its password) in settings. Use {"from": "secret"} and "Set Environment Secret", or {"from": "env", "variable": "…"}.',
            )
          : l10n.t('"url" must be {"from": "secret"} or {"from": "env", "variable": "NAME"}.'),
      );
    } else if (isRecord(url) && url.from === 'secret') {
      urlSetting = { from: 'secret' };
    } else if (isRecord(url) && url.from === 'env') {
      if (typeof url.variable !== 'string' || !ENV_VAR.test(url.variable)) {
        return problem(l10n.t('"url.variable" must be an environment variable name, e.g. "PROD_DATABASE_URL".'));
      }
      urlSetting = { from: 'env', variable: url.variable };
    } else {
      return problem(l10n.t('"url" must be {"from": "secret"} or {"from": "env", "variable": "NAME"}.'));
    }
    const setting: EnvironmentSetting = { name, kind: kind as EnvironmentKind, url: urlSetting };
    if (project !== undefined) {
      if (typeof project !== 'string' || project.trim() === '') {
        return problem(l10n.t('"project" must be a folder path relative to the workspace folder.'));
      }
      setting.project = project.trim();
    }
    if (ssh !== undefined) {
      const parsed = parseSsh(ssh);
      if (typeof parsed === 'string') return problem(parsed);
      setting.ssh = parsed;
    }
    seen.add(name);
    environments.push(setting);
  });
  return { environments, problems };
}

function parseSsh(ssh: unknown): SshSetting | string {
  if (!isRecord(ssh)) return l10n.t('"ssh" must be an object with host, user and auth.');
  if ('password' in ssh || 'passphrase' in ssh) {
    return l10n.t(
      '"ssh.password"/"ssh.passphrase" do not belong in settings: use "Set Environment Secret" (SecretStorage).',
    );
  }
  const { host, port, user, auth, keyPath, agentSocket, database, connectTimeoutSeconds, rehearseDumpCommand } = ssh;
  if (typeof host !== 'string' || host.trim() === '' || /\s/.test(host.trim())) {
    return l10n.t('"ssh.host" must be a host name or address.');
  }
  if (typeof user !== 'string' || user.trim() === '') {
    return l10n.t('"ssh.user" must be the account to log in as (e.g. "root").');
  }
  const out: SshSetting = { host: host.trim(), user: user.trim(), auth: 'agent' };
  if (port !== undefined) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
      return l10n.t('"ssh.port" must be a TCP port (1–65535).');
    }
    out.port = port;
  }
  if (auth !== undefined) {
    if (auth !== 'agent' && auth !== 'key' && auth !== 'password') {
      return l10n.t('"ssh.auth" must be "agent", "key" or "password".');
    }
    out.auth = auth;
  }
  if (out.auth === 'key') {
    if (typeof keyPath !== 'string' || keyPath.trim() === '') {
      return l10n.t('"ssh.keyPath" is needed with "auth": "key" (e.g. "~/.ssh/id_ed25519").');
    }
    out.keyPath = keyPath.trim();
  }
  if (agentSocket !== undefined) {
    if (typeof agentSocket !== 'string') return l10n.t('"ssh.agentSocket" must be a path.');
    if (agentSocket.trim()) out.agentSocket = agentSocket.trim();
  }
  if (database !== undefined) {
    if (typeof database !== 'string' || !parseHostPort(database)) {
      return l10n.t('"ssh.database" must be host:port as seen from the SSH server, e.g. "127.0.0.1:5435".');
    }
    out.database = database.trim();
  }
  if (connectTimeoutSeconds !== undefined) {
    if (typeof connectTimeoutSeconds !== 'number' || !(connectTimeoutSeconds > 0) || connectTimeoutSeconds > 600) {
      return l10n.t('"ssh.connectTimeoutSeconds" must be a number of seconds (1–600).');
    }
    out.connectTimeoutSeconds = connectTimeoutSeconds;
  }
  if (rehearseDumpCommand !== undefined) {
    if (typeof rehearseDumpCommand !== 'string') {
      return l10n.t(
        '"ssh.rehearseDumpCommand" must be a command line, e.g. "docker exec db pg_dump -U app --schema-only app".',
      );
    }
    if (rehearseDumpCommand.trim()) out.rehearseDumpCommand = rehearseDumpCommand.trim();
  }
  return out;
}

/** `host:port`, `[v6]:port` or a bare host (port `defaultPort`). Undefined when malformed. */
export function parseHostPort(text: string, defaultPort?: number): { host: string; port: number } | undefined {
  const value = text.trim();
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(value) ?? /^([^:\s[\]]+)(?::(\d+))?$/.exec(value);
  if (!m) return undefined;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host: m[1], port };
}

/** Where the tunnel must lead: `ssh.database`, else the URL's host and port (default 5432). */
export function remoteEndpoint(ssh: SshSetting, url: string): { host: string; port: number } {
  if (ssh.database) {
    const parsed = parseHostPort(ssh.database, 5432);
    if (parsed) return parsed;
  }
  const parsed = parsePostgresUrl(url);
  // A tunnel forwards TCP: a unix-socket directory (`?host=/var/run/postgresql`) is the server's own PostgreSQL.
  const local = parsed.host === 'localhost' || parsed.host.startsWith('/');
  return { host: local ? '127.0.0.1' : parsed.host, port: parsed.port };
}

/** `message` with the tunnel's local `host:port` (from `tunnelUrl`) replaced by `target` (messages must not name a port that changes every time). */
export function withoutTunnelAddress(message: string, tunnelUrl: string, target: string): string {
  const local = urlHostPort(tunnelUrl);
  return local
    ? message.replace(new RegExp(`${local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\d)`, 'g'), () => target)
    : message;
}

/** The URL pointed at a local tunnel end: same user, password, database and parameters. */
export function tunnelledUrl(url: string, localPort: number): string {
  // A `host=` parameter (socket directory, libpq style) would override the tunnel: withHostPort drops it.
  return withHostPort(url, '127.0.0.1', localPort);
}

/** The SSH target of an environment, with the secrets read by the caller. */
export function sshTargetOf(ssh: SshSetting, secrets: { password?: string; passphrase?: string }): SshTarget {
  let auth: SshAuth;
  switch (ssh.auth) {
    case 'password':
      if (secrets.password === undefined) {
        throw new Error(l10n.t('No SSH password stored for {0}.', `${ssh.user}@${ssh.host}`));
      }
      auth = { kind: 'password', password: secrets.password };
      break;
    case 'key':
      auth = {
        kind: 'key',
        path: ssh.keyPath ?? '~/.ssh/id_ed25519',
        ...(secrets.passphrase !== undefined ? { passphrase: secrets.passphrase } : {}),
      };
      break;
    default:
      auth = { kind: 'agent', ...(ssh.agentSocket ? { socket: ssh.agentSocket } : {}) };
  }
  return {
    host: ssh.host,
    port: ssh.port ?? 22,
    user: ssh.user,
    auth,
    ...(ssh.connectTimeoutSeconds ? { connectTimeoutMs: Math.round(ssh.connectTimeoutSeconds * 1000) } : {}),
  };
}

/** The secrets an environment uses, given its setting. */
export function secretsOf(setting: EnvironmentSetting): SecretKind[] {
  const out: SecretKind[] = [];
  if (setting.url.from === 'secret') out.push('url');
  if (setting.ssh?.auth === 'password') out.push('sshPassword');
  if (setting.ssh?.auth === 'key') out.push('sshPassphrase');
  return out;
}

/**
 * SecretStorage key of one secret: per workspace folder (two repositories may both have a "production"),
 * environment and kind.
 */
export function secretKey(scope: string, name: string, kind: SecretKind): string {
  return `driftGuard.environment:${scope}:${name}:${kind}`;
}

/** `user@host:port` of the SSH hop, as messages name it. */
export function describeSsh(ssh: SshSetting): string {
  const host = ssh.host.includes(':') ? `[${ssh.host}]` : ssh.host;
  return `${ssh.user}@${host}:${ssh.port ?? 22}`;
}

/** One line saying where an environment points, without any secret. */
export function describeEnvironmentSetting(setting: EnvironmentSetting): string {
  const source = setting.url.from === 'env' ? `$${setting.url.variable}` : l10n.t('URL in SecretStorage');
  if (!setting.ssh) return source;
  return setting.ssh.database
    ? l10n.t('{0} via SSH {1} → {2}', source, describeSsh(setting.ssh), setting.ssh.database)
    : l10n.t('{0} via SSH {1}', source, describeSsh(setting.ssh));
}
