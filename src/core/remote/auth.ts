/**
 * Authentication for one target: loads and checks the key (or agent socket) up front so a bad key file or a
 * missing passphrase fails before any network traffic, offers exactly the configured method through an ssh2
 * `authHandler`, and remembers what was tried and what the server accepts for the failure message.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import {
  utils as ssh2Utils,
  type AnyAuthMethod,
  type AuthenticationType,
  type ConnectConfig,
  type KeyboardInteractiveCallback,
  type NextAuthHandler,
  type ParsedKey,
  type Prompt,
} from 'ssh2';
import { SshError } from './sshError';
import { type ResolvedSshTarget, type SshAuth } from './target';

const WINDOWS_OPENSSH_AGENT_PIPE = '\\\\.\\pipe\\openssh-ssh-agent';
/** `\\.\pipe\…` with either slash, as ssh2 recognises named pipes. */
const WINDOWS_PIPE = /^[/\\][/\\]\.[/\\]pipe[/\\].+/;

/** The ssh2 auth handler for a target, and what happened during authentication. */
export interface PreparedAuth {
  /** For logs and messages: `password`, `key ~/.ssh/id_ed25519`, `agent /run/…`. */
  describe: string;
  handler: NonNullable<ConnectConfig['authHandler']>;
  /** Methods we offered, in order. */
  tried: string[];
  /** What the server said it accepts, from its last USERAUTH_FAILURE. */
  serverAccepts: string[] | undefined;
  partialSuccess: boolean;
}

/** Expands a leading `~/` (settings often hold `~/.ssh/id_ed25519`). */
export function expandHome(file: string): string {
  return file === '~' ? os.homedir() : file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
}

/**
 * Reads the key / checks the agent socket and builds the handler. Rejects with an {@link SshError}
 * `key-unusable` or `agent-unavailable` before anything is sent.
 */
export async function prepareAuth(t: ResolvedSshTarget, label: string): Promise<PreparedAuth> {
  const auth: SshAuth = t.auth;
  const state: PreparedAuth = {
    describe: '',
    handler: () => undefined,
    tried: [],
    serverAccepts: undefined,
    partialSuccess: false,
  };
  let queue: (() => AnyAuthMethod | undefined)[];
  switch (auth.kind) {
    case 'password': {
      state.describe = 'password';
      const password = auth.password;
      const kbd: AnyAuthMethod = {
        type: 'keyboard-interactive',
        username: t.user,
        prompt: (
          _name: string,
          _instructions: string,
          _lang: string,
          prompts: Prompt[],
          finish: KeyboardInteractiveCallback,
        ) => {
          // Answer hidden prompts ("Password:") with the password; anything else we cannot know.
          finish(prompts.map((p) => (p.echo ? '' : password)));
        },
      };
      queue = [
        () => ({ type: 'password', username: t.user, password }),
        // Servers with `PasswordAuthentication no` often still take the password through PAM's keyboard-interactive.
        () => (state.serverAccepts?.includes('keyboard-interactive') ? kbd : undefined),
      ];
      break;
    }
    case 'key': {
      const file = expandHome(auth.path);
      state.describe = `key ${auth.path}`;
      let data: Buffer;
      try {
        data = await fsp.readFile(file);
      } catch (error) {
        throw new SshError(
          'key-unusable',
          l10n.t(
            'Cannot read the private key {0} for {1}: {2}',
            file,
            label,
            (error as NodeJS.ErrnoException).code ?? (error as Error).message,
          ),
          label,
          { cause: error },
        );
      }
      const parsed = ssh2Utils.parseKey(data, auth.passphrase);
      if (parsed instanceof Error) {
        const encrypted = /encrypted|passphrase/i.test(parsed.message);
        const message = encrypted
          ? auth.passphrase === undefined
            ? l10n.t('The private key {0} is encrypted: a passphrase is needed to use it for {1}', file, label)
            : l10n.t('Wrong passphrase for the private key {0} ({1})', file, label)
          : l10n.t('Cannot use the private key {0} for {1}: {2}', file, label, parsed.message);
        throw new SshError('key-unusable', message, label, { cause: parsed });
      }
      const key = Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed;
      if (!key || (key as { isPrivateKey?: () => boolean }).isPrivateKey?.() === false) {
        throw new SshError(
          'key-unusable',
          l10n.t('{0} holds no private key (is it the .pub file?) — cannot use it for {1}', file, label),
          label,
        );
      }
      // The parsed key, not the file: an encrypted key is decrypted (bcrypt, slow in JS) only once.
      const parsedKey = key as ParsedKey;
      queue = [() => ({ type: 'publickey', username: t.user, key: parsedKey })];
      break;
    }
    case 'agent': {
      // Windows' OpenSSH agent listens on a fixed named pipe and sets no SSH_AUTH_SOCK.
      const socket =
        auth.socket ??
        process.env.SSH_AUTH_SOCK ??
        (process.platform === 'win32' ? WINDOWS_OPENSSH_AGENT_PIPE : undefined);
      if (!socket) {
        throw new SshError(
          'agent-unavailable',
          l10n.t('No SSH agent for {0}: SSH_AUTH_SOCK is not set and no agent socket is configured', label),
          label,
        );
      }
      if (socket !== 'pageant' && !WINDOWS_PIPE.test(socket)) {
        try {
          await fsp.stat(socket);
        } catch {
          throw new SshError(
            'agent-unavailable',
            l10n.t('No SSH agent for {0}: the agent socket {1} does not exist (is ssh-agent running?)', label, socket),
            label,
          );
        }
      }
      state.describe = `agent ${socket}`;
      queue = [() => ({ type: 'agent', username: t.user, agent: socket })];
      break;
    }
  }
  state.handler = (methodsLeft: AuthenticationType[] | null, partialSuccess: boolean | null, next: NextAuthHandler) => {
    if (methodsLeft) state.serverAccepts = [...methodsLeft];
    if (partialSuccess) state.partialSuccess = true;
    while (queue.length > 0) {
      const method = queue.shift()?.();
      if (!method) continue;
      if (state.serverAccepts && !state.serverAccepts.includes(method.type === 'agent' ? 'publickey' : method.type)) {
        continue;
      }
      state.tried.push(method.type === 'agent' ? 'publickey (agent)' : method.type);
      return next(method);
    }
    // ssh2 takes `false` for "nothing left to try" (its typings omit it).
    return (next as unknown as (m: false) => void)(false);
  };
  return state;
}

/** The `auth-failed` error: who, the methods tried and those the server accepts. */
export function authFailed(label: string, auth: PreparedAuth, serverMessage?: string): SshError {
  const tried = auth.tried.length > 0 ? auth.tried.join(', ') : l10n.t('none');
  const accepts = auth.serverAccepts
    ? l10n.t('; the server accepts: {0}', auth.serverAccepts.join(', ') || l10n.t('nothing'))
    : '';
  const partial = auth.partialSuccess
    ? l10n.t('; the server wants an additional method after a partial success (AuthenticationMethods)')
    : '';
  const server = serverMessage ? ` — ${serverMessage}` : '';
  return new SshError(
    'auth-failed',
    l10n.t('Authentication failed for {0} (methods tried: {1})', label, `${tried}${accepts}${partial}`) + server,
    label,
  );
}
