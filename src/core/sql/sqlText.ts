/**
 * The one scanner of PostgreSQL script text for the whole project (layer-neutral: imports nothing from other
 * `src/core` folders). It never executes or splits scripts for execution (scripts go to PostgreSQL whole); it
 * helps *find* things in migration files and engine diffs: strings, quoted identifiers, dollar-quoted bodies,
 * comments, statements, top-level commas, positions and qualified names.
 *
 * Why our own and not PostgreSQL's parser (`libpg-query`/`pgsql-parser`): we only need to skip quotes and
 * comments and split at `;`/`,`, which a lexer of this size does exactly as psql does; the real parser is a
 * multi-megabyte WASM that would also reject the partial and not-yet-valid scripts we read.
 */

/**
 * The one PostgreSQL quote scanner: when `text[at]` opens a string literal (`'…'`, with backslash escapes when
 * written `E'…'`), a quoted identifier (`"…"`) or a dollar-quoted body (`$$…$$`, `$tag$…$tag$`), the offset just
 * past its end (the text's length + 1 when it is never closed); undefined when nothing is opened at `at` (a `$`
 * that is a parameter like `$1` or part of a word like `a$b$`). Doubled quotes (`''`, `""`) stay inside.
 */
export function quotedEnd(text: string, at: number): number | undefined {
  const ch = text[at];
  if (ch === "'" || ch === '"') {
    // E'…' strings allow backslash escapes.
    const escapes = ch === "'" && at > 0 && /[eE]/.test(text[at - 1]);
    let j = at + 1;
    while (j < text.length) {
      if (text[j] === ch) {
        if (text[j + 1] === ch) {
          j += 2;
          continue;
        }
        break;
      }
      if (escapes && text[j] === '\\') j++;
      j++;
    }
    return j + 1;
  }
  if (ch !== '$') return undefined;
  const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(at, at + 64));
  if (!tag || (at > 0 && /[A-Za-z0-9_]/.test(text[at - 1]))) return undefined;
  const end = text.indexOf(tag[0], at + tag[0].length);
  return end < 0 ? text.length : end + tag[0].length;
}

/**
 * Walks `text` from `from`, skipping strings, quoted identifiers and dollar bodies (see {@link quotedEnd}), and
 * calls `visit` with every other character's offset; stops at the first offset for which `visit` returns true
 * and returns it (the text's length when none does). Comments are not skipped: strip them first.
 */
export function scanCode(text: string, from: number, visit: (offset: number) => boolean): number {
  let i = from;
  while (i < text.length) {
    const end = quotedEnd(text, i);
    if (end !== undefined) {
      i = end;
      continue;
    }
    if (visit(i)) return i;
    i++;
  }
  return text.length;
}

/** The offset of the `)` closing the `(` at `open` (quotes and nested parentheses skipped); the length when unclosed. */
export function matchingParen(code: string, open: number): number {
  let depth = 0;
  const at = scanCode(code, open, (i) => {
    if (code[i] === '(') depth++;
    else if (code[i] === ')') return --depth === 0;
    return false;
  });
  return at;
}

/** The offset of the first `;` from `from` outside quotes (the length when there is none). */
export function statementEnd(code: string, from: number): number {
  return scanCode(code, from, (i) => code[i] === ';');
}

/** Splits on commas outside parentheses and quotes, with each part's offset in `text`. */
export function splitTopLevelWithOffsets(text: string): Array<{ text: string; offset: number }> {
  const parts: Array<{ text: string; offset: number }> = [];
  let depth = 0;
  let start = 0;
  scanCode(text, 0, (i) => {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push({ text: text.slice(start, i), offset: start });
      start = i + 1;
    }
    return false;
  });
  parts.push({ text: text.slice(start), offset: start });
  return parts;
}

/** Splits on commas outside parentheses and quotes. */
export function splitTopLevel(text: string): string[] {
  return splitTopLevelWithOffsets(text).map((part) => part.text);
}

/**
 * Replaces `-- …` and `/* … *\/` comments with spaces, keeping every newline and every other
 * character at the same offset, so positions found in the result are positions in the original.
 * String literals, quoted identifiers and dollar-quoted bodies are left as they are.
 */
export function stripSqlComments(sql: string): string {
  if (!sql.includes('--') && !sql.includes('/*')) return sql;
  const parts: string[] = [];
  let copied = 0;
  const blank = (from: number, to: number): void => {
    parts.push(sql.slice(copied, from), sql.slice(from, to).replace(/[^\r\n]/g, ' '));
    copied = to;
  };
  // Jumps from one character that can start a comment, a string or a dollar quote to the next (linear, few steps).
  const interesting = /[-/'"$]/g;
  let i = 0;
  while (i < sql.length) {
    interesting.lastIndex = i;
    const found = interesting.exec(sql);
    if (!found) break;
    i = found.index;
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      let end = sql.indexOf('\n', i);
      if (end < 0) end = sql.length;
      blank(i, end);
      i = end;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else {
          j++;
        }
      }
      const to = Math.min(j, sql.length);
      blank(i, to);
      i = to;
    } else if (ch === "'" || ch === '"' || ch === '$') {
      i = quotedEnd(sql, i) ?? i + 1;
    } else {
      i++;
    }
  }
  parts.push(sql.slice(copied));
  return parts.join('');
}

/** How many line indexes were built (each one is a full pass over a text): lets tests prove scans stay linear. */
export const lineIndexStats = { built: 0 };

/**
 * Line starts of a text, built in one pass; {@link LineIndex.positionAt} is then a binary search. Positions
 * are 1-based; a line ends at `\n` (so `\r\n` files give the same lines, the `\r` counting as the line's
 * last character), and an offset past the end is clamped to the end.
 */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    lineIndexStats.built++;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line and character of `offset`. */
  positionAt(offset: number): { line: number; character: number } {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid] <= at) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, character: at - this.starts[low] + 1 };
  }

  /** Number of lines (a text ending with a newline has an empty last line). */
  get lineCount(): number {
    return this.starts.length;
  }
}

// The last text asked about: callers locating many offsets in one file pay for one index.
let lastIndex: LineIndex | undefined;

/** 1-based line and character of `offset` in `text` (the line index of the last text is kept). */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  if (lastIndex?.text !== text) lastIndex = new LineIndex(text);
  return lastIndex.positionAt(offset);
}

/** Unquotes a PostgreSQL identifier (`"Foo"` → `Foo`, `foo` → `foo`, `Foo` → `foo`). */
export function unquoteIdent(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.startsWith('"') && trimmed.endsWith('"')) return truncateIdent(trimmed.slice(1, -1).replace(/""/g, '"'));
  return truncateIdent(trimmed.toLowerCase());
}

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are cut to this many bytes (with a NOTICE), silently for us. */
export const MAX_IDENT_BYTES = 63;

/**
 * The name PostgreSQL keeps for an identifier: its first 63 UTF-8 bytes, never cutting a character in two
 * (`pg_mbcliplen`). A migration may write `CREATE INDEX "<a 70-character name>"`; the database, the engine and
 * every drift item then know it by the cut name.
 */
export function truncateIdent(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENT_BYTES) return name;
  let bytes = 0;
  let out = '';
  for (const ch of name) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > MAX_IDENT_BYTES) break;
    bytes += size;
    out += ch;
  }
  return out;
}

/** Identifier pattern (quoted or plain) usable inside larger regular expressions. */
export const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;

/** `schema.name` or `name` → parts, unquoted. */
export function splitQualified(raw: string): { schema?: string; name: string } {
  const match = new RegExp(String.raw`^\s*(${IDENT})\s*\.\s*(${IDENT})\s*$`).exec(raw);
  if (match) return { schema: unquoteIdent(match[1]), name: unquoteIdent(match[2]) };
  return { name: unquoteIdent(raw) };
}

/**
 * Splits a script into statements the way psql's lexer does (strings, quoted identifiers,
 * dollar-quoted bodies, comments and `BEGIN ATOMIC … END` function bodies respected). Only used to *locate* a failing statement after
 * PostgreSQL rejected a script sent whole — never to execute a migration piecewise for real.
 */
export function splitStatements(sql: string): Array<{ text: string; offset: number }> {
  const code = stripSqlComments(sql);
  const out: Array<{ text: string; offset: number }> = [];
  let start = 0;
  let i = 0;
  let atomicDepth = 0;
  const push = (end: number): void => {
    const raw = sql.slice(start, end);
    const lead = code.slice(start, end).search(/\S/);
    if (lead >= 0) out.push({ text: raw.trim(), offset: start + lead });
  };
  while (i < code.length) {
    const ch = code[i];
    if (ch === "'" || ch === '"' || ch === '$') {
      i = quotedEnd(code, i) ?? i + 1;
    } else if (/[A-Za-z_]/.test(ch) && (i === 0 || !/[A-Za-z0-9_$]/.test(code[i - 1]))) {
      // Words, for SQL-standard function bodies: `BEGIN ATOMIC … END` holds `;`s (and `CASE … END`s), as psql knows.
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(code.slice(i, i + 64))?.[0] ?? ch;
      const upper = word.toUpperCase();
      if (upper === 'BEGIN' && /^\s+ATOMIC\b/i.test(code.slice(i + 5, i + 64))) atomicDepth++;
      else if (atomicDepth > 0 && upper === 'CASE') atomicDepth++;
      else if (atomicDepth > 0 && upper === 'END') atomicDepth--;
      i += word.length;
    } else if (ch === ';' && atomicDepth === 0) {
      push(i + 1);
      start = i + 1;
      i++;
    } else {
      i++;
    }
  }
  push(code.length);
  return out;
}

const TRANSACTION_CONTROL =
  /^(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|COMMIT\s+PREPARED|ROLLBACK\s+PREPARED)\b/i;

/** Whether a statement is transaction control (`BEGIN`, `COMMIT`, `END`…). `BEGIN ATOMIC` (a function body) is not. */
export function isTransactionControl(statement: string): boolean {
  const code = stripSqlComments(statement).trim();
  return TRANSACTION_CONTROL.test(code) && !/^BEGIN\s+ATOMIC\b/i.test(code);
}

/**
 * The first explicit `COMMIT` (or `END`) of a script that has statements after it: what it committed stays
 * committed when a later statement fails — PostgreSQL runs a script sent whole as one transaction only up to
 * it. Undefined when there is none, or only a final one (`BEGIN; … COMMIT;` around the whole script).
 */
export function midwayCommit(sql: string): { line: number; statement: string } | undefined {
  const statements = splitStatements(sql);
  for (let i = 0; i < statements.length; i++) {
    const code = stripSqlComments(statements[i].text).trim();
    if (!/^(?:COMMIT|END)\b/i.test(code) || /^COMMIT\s+PREPARED\b/i.test(code)) continue;
    const after = statements
      .slice(i + 1)
      .some((s) => !isTransactionControl(s.text) && stripSqlComments(s.text).trim() !== '');
    if (after) return { line: positionAt(sql, statements[i].offset).line, statement: code.replace(/\s*;$/, '') };
  }
  return undefined;
}

/**
 * Replaces the inside of every string literal and dollar-quoted body with spaces (the quotes stay, quoted
 * identifiers stay whole), keeping every offset: keywords then found in the result are keywords of the statement,
 * never words of a string (`DEFAULT 'NOT NULL'`) or of a function body (`DO $$ … DROP TABLE … $$`).
 */
export function blankLiterals(code: string): string {
  const parts: string[] = [];
  let copied = 0;
  for (let i = 0; i < code.length; ) {
    const ch = code[i];
    const end = ch === "'" || ch === '$' ? quotedEnd(code, i) : undefined;
    if (end === undefined) {
      i = ch === '"' ? (quotedEnd(code, i) ?? i + 1) : i + 1;
      continue;
    }
    const to = Math.min(end, code.length);
    const tag = ch === "'" ? "'" : (/^\$[A-Za-z0-9_]*\$/.exec(code.slice(i, i + 64))?.[0] ?? '$');
    const open = tag.length;
    // An unclosed literal runs to the end of the text: nothing of it is a closing quote.
    const close = ch === "'" ? (end <= code.length ? 1 : 0) : code.indexOf(tag, i + open) >= 0 ? open : 0;
    const inner = Math.max(i + open, to - close);
    parts.push(code.slice(copied, i + open), code.slice(i + open, inner).replace(/[^\r\n]/g, ' '));
    copied = inner;
    i = to;
  }
  parts.push(code.slice(copied));
  return parts.join('');
}
