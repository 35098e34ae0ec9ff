/**
 * Just enough shell lexing to cut a fenced `bash` block into the commands a person would paste
 * one at a time: comments apart, `\` continuations, quotes, heredocs and `if … fi` / `for … done`
 * / `case … esac` / `{ … }` kept whole.
 */

export interface ShellLine {
  kind: 'comment' | 'blank' | 'command';
  /** Text as written (a command keeps its continuation lines, joined by newlines). */
  text: string;
  /** 0-based index of the first line inside the block. */
  startLine: number;
  /** 0-based index of the last line inside the block. */
  endLine: number;
}

const OPENERS: Record<string, string> = { if: 'fi', for: 'done', while: 'done', until: 'done', case: 'esac', select: 'done' };
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
      else if (CLOSERS.has(word) && state.keywordDepth[state.keywordDepth.length - 1] === word) state.keywordDepth.pop();
      else if (word === '{') state.braceDepth++;
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
  const words = command.trim().split(/\s+/);
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
  if (uri) return { ...(uri[1] ? { user: uri[1] } : {}), host: uri[2], ...(uri[3] ? { port: Number(uri[3]) } : port ? { port } : {}) };
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
