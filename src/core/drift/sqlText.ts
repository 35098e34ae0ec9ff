/**
 * Small helpers over PostgreSQL script text. They never execute or split scripts for execution
 * (scripts go to PostgreSQL whole); they help *find* things in migration files.
 */

/**
 * Replaces `-- …` and `/* … *\/` comments with spaces, keeping every newline and every other
 * character at the same offset, so positions found in the result are positions in the original.
 * String literals, quoted identifiers and dollar-quoted bodies are left as they are.
 */
export function stripSqlComments(sql: string): string {
  const out = sql.split('');
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  while (i < sql.length) {
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
      blank(i, j);
      i = j;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) {
            j += 2;
            continue;
          }
          break;
        }
        // E'…' strings allow backslash escapes.
        if (ch === "'" && sql[j] === '\\' && i > 0 && /[eE]/.test(sql[i - 1])) j++;
        j++;
      }
      i = j + 1;
    } else if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag && !(i > 0 && /[A-Za-z0-9_]/.test(sql[i - 1]))) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? sql.length : end + tag[0].length;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  return out.join('');
}

/** 1-based line and character of `offset` in `text`. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart + 1 };
}

/** Unquotes a PostgreSQL identifier (`"Foo"` → `Foo`, `foo` → `foo`, `Foo` → `foo`). */
export function unquoteIdent(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1).replace(/""/g, '"');
  return trimmed.toLowerCase();
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
 * dollar-quoted bodies and comments respected). Only used to *locate* a failing statement after
 * PostgreSQL rejected a script sent whole — never to execute a migration piecewise for real.
 */
export function splitStatements(sql: string): Array<{ text: string; offset: number }> {
  const code = stripSqlComments(sql);
  const out: Array<{ text: string; offset: number }> = [];
  let start = 0;
  let i = 0;
  const push = (end: number): void => {
    const raw = sql.slice(start, end);
    const lead = code.slice(start, end).search(/\S/);
    if (lead >= 0) out.push({ text: raw.trim(), offset: start + lead });
  };
  while (i < code.length) {
    const ch = code[i];
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < code.length) {
        if (code[j] === ch) {
          if (code[j + 1] === ch) {
            j += 2;
            continue;
          }
          break;
        }
        if (ch === "'" && code[j] === '\\' && i > 0 && /[eE]/.test(code[i - 1])) j++;
        j++;
      }
      i = j + 1;
    } else if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(code.slice(i, i + 64));
      if (tag && !(i > 0 && /[A-Za-z0-9_]/.test(code[i - 1]))) {
        const end = code.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? code.length : end + tag[0].length;
      } else {
        i++;
      }
    } else if (ch === ';') {
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
