/**
 * Just enough shell lexing to cut a fenced `bash` block into the commands a person would paste
 * one at a time: comments apart, `\` continuations, quotes, heredocs and `if … fi` / `for … done`
 * / `case … esac` / `{ … }` kept whole.
 */

import * as l10n from '@vscode/l10n';
import { quoteShellArg } from '../remote/shellQuote';
import { splitCommands } from '../util/shellWords';

export interface ShellLine {
  kind: 'comment' | 'blank' | 'command';
  /** Text as written (a command keeps its continuation lines, joined by newlines). */
  text: string;
  /** 0-based index of the first line inside the block. */
  startLine: number;
  /** 0-based index of the last line inside the block. */
  endLine: number;
}

const OPENERS: Record<string, string> = {
  if: 'fi',
  for: 'done',
  while: 'done',
  until: 'done',
  case: 'esac',
  select: 'done',
};
const CLOSERS = new Set(['fi', 'done', 'esac']);

interface ScanState {
  quote: '' | "'" | '"' | '`';
  heredocs: { delimiter: string; stripTabs: boolean }[];
  keywordDepth: string[];
  braceDepth: number;
  parenDepth: number;
}

/** Scans one physical line, updating quote/heredoc/keyword state. Returns whether the line ends with a `\` continuation. */
function scanLine(line: string, state: ScanState): boolean {
  let i = 0;
  let atWordStart = true;
  let commandPosition = true;
  while (i < line.length) {
    const ch = line[i];
    if (state.quote) {
      if (state.quote !== "'" && ch === '\\') {
        i += 2;
        continue;
      }
      if (ch === state.quote) state.quote = '';
      i++;
      continue;
    }
    if (ch === '\\') {
      if (i === line.length - 1) return true;
      i += 2;
      atWordStart = false;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      state.quote = ch;
      i++;
      atWordStart = false;
      continue;
    }
    if (ch === '#' && atWordStart) break;
    if (ch === '<' && line[i + 1] === '<' && line[i + 2] !== '<') {
      const m = /^<<(-?)\s*(['"]?)([A-Za-z_][\w-]*)\2/.exec(line.slice(i));
      if (m) {
        state.heredocs.push({ delimiter: m[3], stripTabs: m[1] === '-' });
        i += m[0].length;
        continue;
      }
    }
    if (ch === '$' && line[i + 1] === '(') {
      state.parenDepth++;
      i += 2;
      continue;
    }
    if (ch === '(') {
      state.parenDepth++;
      i++;
      commandPosition = true;
      atWordStart = true;
      continue;
    }
    if (ch === ')') {
      if (state.parenDepth > 0) state.parenDepth--;
      i++;
      continue;
    }
    if (/\s/.test(ch)) {
      atWordStart = true;
      i++;
      continue;
    }
    if (ch === ';' || ch === '&' || ch === '|') {
      commandPosition = true;
      atWordStart = true;
      i++;
      continue;
    }
    if (atWordStart && commandPosition) {
      const word = /^[^\s;&|()<>]+/.exec(line.slice(i))?.[0] ?? '';
      if (OPENERS[word] !== undefined) state.keywordDepth.push(OPENERS[word]);
      else if (CLOSERS.has(word) && state.keywordDepth[state.keywordDepth.length - 1] === word) {
        state.keywordDepth.pop();
      } else if (word === '{') state.braceDepth++;
      else if (word === '}' && state.braceDepth > 0) state.braceDepth--;
      // After `then`, `do`, `else`… a new command starts; after a plain word we are in arguments.
      commandPosition = ['then', 'do', 'else', 'elif', '{', '!', 'in'].includes(word) || /^\w+=/.test(word);
      i += Math.max(word.length, 1);
      atWordStart = false;
      continue;
    }
    atWordStart = false;
    i++;
  }
  return false;
}

function isOpen(state: ScanState): boolean {
  return state.quote !== '' || state.keywordDepth.length > 0 || state.braceDepth > 0 || state.parenDepth > 0;
}

/** Splits a shell block into comments, blanks and whole commands. */
export function splitShell(block: string): ShellLine[] {
  const lines = block.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out: ShellLine[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '') {
      out.push({ kind: 'blank', text: '', startLine: i, endLine: i });
      i++;
      continue;
    }
    if (trimmed.startsWith('#')) {
      out.push({ kind: 'comment', text: trimmed.replace(/^#+\s?/, ''), startLine: i, endLine: i });
      i++;
      continue;
    }
    const state: ScanState = { quote: '', heredocs: [], keywordDepth: [], braceDepth: 0, parenDepth: 0 };
    const start = i;
    const parts: string[] = [];
    for (;;) {
      const current = lines[i];
      parts.push(current);
      const continued = scanLine(current, state);
      i++;
      // Heredoc bodies follow the line that opened them.
      while (state.heredocs.length > 0 && i < lines.length) {
        const doc = state.heredocs[0];
        const body = lines[i];
        parts.push(body);
        i++;
        if ((doc.stripTabs ? body.replace(/^\t+/, '') : body) === doc.delimiter) state.heredocs.shift();
      }
      if (i >= lines.length) break;
      if (!continued && !isOpen(state)) break;
    }
    out.push({ kind: 'command', text: parts.join('\n').trim(), startLine: start, endLine: i - 1 });
  }
  return out;
}

/** `ssh [opts] user@host` with no remote command: the lines after it run on that host. */
export function parseSshLogin(command: string): { user?: string; host: string; port?: number } | undefined {
  // Read with the project's one lexer: quotes and comments as the guard reads them; `ssh h && ls` is not a login.
  const commands = splitCommands(command);
  if (commands.length !== 1) return undefined;
  const words = commands[0];
  if (words[0] !== 'ssh') return undefined;
  let port: number | undefined;
  let destination: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-p' && words[i + 1]) {
      port = Number(words[++i]);
      continue;
    }
    if (/^-[46AaCfGgKkMNnqsTtVvXxYy]+$/.test(w)) continue;
    if (/^-[BbcDEeFIiJLlmOoPpQRSWw]$/.test(w)) {
      if (w === '-l') destination = `${words[i + 1]}@`;
      i++;
      continue;
    }
    if (destination === undefined || destination.endsWith('@')) {
      destination = destination?.endsWith('@') ? destination + w : w;
      continue;
    }
    // A remote command follows: this is a one-shot ssh, not a login.
    return undefined;
  }
  if (!destination) return undefined;
  const uri = /^ssh:\/\/(?:([^@]+)@)?([^:/]+)(?::(\d+))?/.exec(destination);
  if (uri) {
    return {
      ...(uri[1] ? { user: uri[1] } : {}),
      host: uri[2],
      ...(uri[3] ? { port: Number(uri[3]) } : port ? { port } : {}),
    };
  }
  const at = destination.lastIndexOf('@');
  const user = at >= 0 ? destination.slice(0, at) : undefined;
  const host = at >= 0 ? destination.slice(at + 1) : destination;
  return { ...(user ? { user } : {}), host, ...(port ? { port } : {}) };
}

/** `NAME="value"` / `export NAME=value` lines that only set variables. */
export function parseAssignment(command: string): { name: string; value: string } | undefined {
  const m = /^(?:export\s+)?([A-Za-z_]\w*)=("(?:[^"\\]|\\.)*"|'[^']*'|[^\s;&|`$()]*)$/.exec(command.trim());
  if (!m) return undefined;
  const raw = m[2];
  const value = raw.startsWith('"') || raw.startsWith("'") ? raw.slice(1, -1) : raw;
  return { name: m[1], value };
}

/** A piece of text to put into a shell command in place of `length` characters at `index`. */
export interface ShellInsertion {
  index: number;
  length: number;
  value: string;
}

type QuoteContext = 'bare' | 'single' | 'double' | 'backtick' | 'heredoc' | 'heredoc-literal';

/**
 * `value` written so that the shell reads it back as exactly `value`, one piece of one word, wherever it lands:
 * bare words and `$(…)` get POSIX single quotes ({@link quoteShellArg}: ordinary values stay bare, a leading
 * `~/` keeps its meaning); inside `'…'` or `"…"` the quote is closed around the quoted value and reopened
 * (ordinary values go in as they are); inside backticks the quoted value's `\` and `` ` `` are escaped too;
 * in a heredoc body `\ $ `` ` `` are escaped. A line break cannot be put in a heredoc (it could end it early).
 */
function quoteFor(context: QuoteContext, value: string): string {
  const bare = (v: string): string =>
    v === '~' ? v : v.startsWith('~/') ? `~/${v.length > 2 ? quoteShellArg(v.slice(2)) : ''}` : quoteShellArg(v);
  switch (context) {
    case 'bare':
      return bare(value);
    case 'backtick':
      return bare(value).replace(/[\\`]/g, '\\$&');
    case 'double':
      return /["\\$`]/.test(value) ? `"${quoteShellArg(value)}"` : value;
    case 'single':
      return value.includes("'") ? `'${quoteShellArg(value)}'` : value;
    case 'heredoc':
    case 'heredoc-literal':
      if (/[\r\n]/.test(value)) throw new Error(l10n.t('A value with a line break cannot go into a heredoc.'));
      return context === 'heredoc' ? value.replace(/[\\$`]/g, '\\$&') : value;
  }
}

/**
 * Replaces pieces of a shell command (a runbook's variables) with values quoted for where each one lands, so
 * that no value — `; rm -rf /`, `$(…)`, backticks, quotes, line breaks — can become shell syntax. `find` gives
 * the pieces to replace at a position of the command (or none); it is asked at every position the shell would
 * read a character of a word, never inside a `\`-escaped character.
 */
export function substituteShellValues(
  command: string,
  find: (command: string, index: number) => ShellInsertion | undefined,
): string {
  const stack: QuoteContext[] = ['bare'];
  const heredocs: { delimiter: string; stripTabs: boolean; literal: boolean }[] = [];
  const top = (): QuoteContext => stack[stack.length - 1];
  let out = '';
  let i = 0;
  while (i < command.length) {
    const context = top();
    // Heredoc bodies: line by line, from the line after the one that opened them, to the delimiter's line.
    if ((context === 'heredoc' || context === 'heredoc-literal') && (i === 0 || command[i - 1] === '\n')) {
      const end = command.indexOf('\n', i);
      const line = command.slice(i, end < 0 ? command.length : end);
      const doc = heredocs[0];
      if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
        out += line;
        i += line.length;
        heredocs.shift();
        stack.pop();
        if (heredocs.length > 0) stack.push(heredocs[0].literal ? 'heredoc-literal' : 'heredoc');
        continue;
      }
    }
    const found = find(command, i);
    if (found && found.index === i && found.length > 0) {
      out += quoteFor(context, found.value);
      i += found.length;
      continue;
    }
    const ch = command[i];
    if (ch === '\\' && context !== 'single' && context !== 'heredoc-literal') {
      out += command.slice(i, i + 2);
      i += 2;
      continue;
    }
    out += ch;
    i++;
    switch (context) {
      case 'single':
        if (ch === "'") stack.pop();
        continue;
      case 'heredoc-literal':
        continue;
      case 'double':
      case 'heredoc':
        if (ch === '"' && context === 'double') stack.pop();
        else if (ch === '`') stack.push('backtick');
        else if (ch === '$' && command[i] === '(') {
          stack.push('bare');
          out += '(';
          i++;
        }
        continue;
      case 'backtick':
      case 'bare':
        if (ch === "'") stack.push('single');
        else if (ch === '"') stack.push('double');
        else if (ch === '`') {
          if (context === 'backtick') stack.pop();
          else stack.push('backtick');
        } else if (ch === '(') stack.push('bare');
        else if (ch === ')' && stack.length > 1 && context === 'bare') stack.pop();
        else if (ch === '<' && command[i] === '<' && command[i + 1] !== '<') {
          const m = /^<(-?)\s*(['"]?)([A-Za-z_][\w-]*)\2/.exec(command.slice(i));
          if (m) {
            heredocs.push({ delimiter: m[3], stripTabs: m[1] === '-', literal: m[2] !== '' });
            out += m[0];
            i += m[0].length;
          }
        } else if (ch === '\n' && heredocs.length > 0 && stack.length === 1) {
          stack.push(heredocs[0].literal ? 'heredoc-literal' : 'heredoc');
        }
        continue;
    }
  }
  return out;
}
