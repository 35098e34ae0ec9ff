/**
 * POSIX shell quoting for commands sent over SSH. An SSH `exec` request carries one string that the remote
 * login shell parses, so an argv has to be quoted on our side (the STYLE rule "argv arrays, never shell
 * strings built from settings" applied to the remote end).
 */

import * as l10n from '@vscode/l10n';

/** Quotes one argument for a POSIX shell (sh, bash, dash, zsh): bare when safe, else in single quotes. */
export function quoteShellArg(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Joins an argv into one command line for a POSIX shell, each argument quoted with {@link quoteShellArg}. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellCommand: empty argv');
  return argv.map(quoteShellArg).join(' ');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Prefixes `command` with `export NAME='value';` for each variable. Used instead of SSH `env` requests, which
 * sshd silently drops unless the name is listed in its `AcceptEnv` (by default only LANG and LC_*).
 * Needs a POSIX-style remote login shell (not fish or csh).
 */
export function withEnv(command: string, env: Readonly<Record<string, string>> | undefined): string {
  if (!env) return command;
  const names = Object.keys(env);
  if (names.length === 0) return command;
  const exports = names.map((name) => {
    if (!ENV_NAME.test(name)) throw new Error(l10n.t('invalid environment variable name {0}', JSON.stringify(name)));
    return `export ${name}=${quoteShellArg(env[name])};`;
  });
  return `${exports.join(' ')} ${command}`;
}
