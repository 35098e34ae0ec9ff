/**
 * A `pg_dump` plain-text dump turned into steps an embedded PostgreSQL can load: SQL statements (split as
 * psql's lexer does), `COPY … FROM stdin` blocks with their data, psql meta-commands (`\restrict`,
 * `\connect`) dropped, and what a copy cannot or need not reproduce skipped with a reason — ownership,
 * grants, roles, publications, `CREATE DATABASE`. Pure: text in, plain data out.
 */
import { positionAt, splitStatements, stripSqlComments } from '../sql/sqlText';

/** One thing to run on the copy, in dump order. */
export type DumpStep =
  | { kind: 'sql'; sql: string; line: number }
  /** `COPY table (cols) FROM stdin;` + its rows in COPY text format (without the `\.` line). */
  | { kind: 'copy'; table: string; columns?: string; data: string; rows: number; line: number };

/** Why statements of the dump were not run on the copy. */
export type SkipReason =
  | 'ownership'
  | 'privileges'
  | 'roles'
  | 'replication'
  | 'database'
  | 'tablespace'
  | 'security-label'
  | 'transaction';

export interface ParsedDump {
  steps: DumpStep[];
  /** How many statements were skipped, per reason. */
  skipped: Partial<Record<SkipReason, number>>;
  /** `-- Dumped from database version 15.18 …`, when the header says it. */
  serverVersion?: string;
  /** `-- Dumped by pg_dump version …`. */
  dumpVersion?: string;
  /** Tables with data rows (COPY blocks). */
  dataTables: number;
  /** Number of SQL statements kept. */
  statements: number;
}

const SKIPS: Array<[RegExp, SkipReason]> = [
  [/^ALTER\s+[\s\S]*\sOWNER\s+TO\s+/i, 'ownership'],
  [/^(?:GRANT|REVOKE)\s/i, 'privileges'],
  [/^ALTER\s+DEFAULT\s+PRIVILEGES\s/i, 'privileges'],
  [/^(?:CREATE|ALTER|DROP)\s+(?:ROLE|USER|GROUP)\s/i, 'roles'],
  [/^(?:CREATE|ALTER|DROP)\s+(?:PUBLICATION|SUBSCRIPTION)\s/i, 'replication'],
  [/^(?:CREATE|ALTER|DROP)\s+DATABASE\s/i, 'database'],
  [/^(?:CREATE|ALTER|DROP)\s+TABLESPACE\s/i, 'tablespace'],
  [/^SECURITY\s+LABEL\s/i, 'security-label'],
  // Each batch of the copy runs in its own implicit transaction: the dump's own BEGIN/COMMIT would break it.
  [/^(?:BEGIN|COMMIT|END|START\s+TRANSACTION|ROLLBACK)\b\s*(?:TRANSACTION|WORK)?\s*;?$/i, 'transaction'],
];

const COPY_LINE = /^COPY\s+(.+?)\s*(\([^)]*\))?\s+FROM\s+stdin\s*;\s*$/i;

/** Parses a plain-text dump (`pg_dump` / `pg_dump --schema-only`, with or without `--no-owner`). */
export function parseDump(text: string): ParsedDump {
  const source = text.replace(/^\uFEFF/, '');
  const lines = source.split('\n');
  const steps: DumpStep[] = [];
  const skipped: Partial<Record<SkipReason, number>> = {};
  let statements = 0;
  let dataTables = 0;
  let chunk: string[] = [];
  let chunkStart = 1;

  const flush = (): void => {
    const sql = chunk.join('\n');
    for (const statement of splitStatements(sql)) {
      const line = chunkStart + positionAt(sql, statement.offset).line - 1;
      // The statement without the comments before it (pg_dump writes a `-- Name: …` block above each).
      const lead = stripSqlComments(statement.text).search(/\S/);
      const text = lead > 0 ? statement.text.slice(lead) : statement.text;
      if (!/\S/.test(text.replace(/;\s*$/, ''))) continue;
      const reason = SKIPS.find(([pattern]) => pattern.test(text))?.[1];
      if (reason) {
        skipped[reason] = (skipped[reason] ?? 0) + 1;
        continue;
      }
      statements++;
      // initdb (and our empty copy) already has `public`: pg_dump writes CREATE SCHEMA public when it was recreated.
      steps.push({
        kind: 'sql',
        sql: text.replace(/^CREATE\s+SCHEMA\s+(?!IF\s+NOT\s+EXISTS)/i, 'CREATE SCHEMA IF NOT EXISTS '),
        line,
      });
    }
    chunk = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const copy = COPY_LINE.exec(line);
    if (copy && atStatementBoundary(chunk)) {
      flush();
      const start = i + 1;
      const data: string[] = [];
      for (i++; i < lines.length; i++) {
        const row = lines[i].replace(/\r$/, '');
        if (row === '\\.') break;
        data.push(row);
      }
      steps.push({
        kind: 'copy',
        table: copy[1],
        ...(copy[2] ? { columns: copy[2] } : {}),
        data: data.length > 0 ? `${data.join('\n')}\n` : '',
        rows: data.length,
        line: start,
      });
      if (data.length > 0) dataTables++;
      chunkStart = i + 2;
      continue;
    }
    // psql meta-commands (`\restrict KEY` of recent pg_dump, `\connect db`): not SQL.
    if (line.startsWith('\\') && atStatementBoundary(chunk)) {
      flush();
      chunkStart = i + 2;
      continue;
    }
    if (chunk.length === 0) chunkStart = i + 1;
    chunk.push(line);
  }
  flush();

  const out: ParsedDump = { steps, skipped, dataTables, statements };
  const from = /^-- Dumped from database version (.+)$/m.exec(source);
  const by = /^-- Dumped by pg_dump version (.+)$/m.exec(source);
  if (from) out.serverVersion = from[1].trim();
  if (by) out.dumpVersion = by[1].trim();
  return out;
}

/**
 * True when the text so far ends between statements: not inside a string, a quoted identifier, a
 * dollar-quoted body or a block comment, and its last code character is a `;` (or there is none).
 */
function atStatementBoundary(chunk: readonly string[]): boolean {
  const text = chunk.join('\n');
  let last = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end;
    } else if (ch === '/' && text[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) {
        if (text[j] === '/' && text[j + 1] === '*') {
          depth++;
          j++;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          depth--;
          j++;
        }
      }
      if (depth > 0) return false;
      i = j - 1;
    } else if (ch === "'" || ch === '"') {
      const escapes = ch === "'" && i > 0 && /[eE]/.test(text[i - 1]);
      let j = i + 1;
      for (; j < text.length; j++) {
        if (escapes && text[j] === '\\') j++;
        else if (text[j] === ch) {
          if (text[j + 1] === ch) j++;
          else break;
        }
      }
      if (j >= text.length) return false;
      i = j;
      last = ch;
    } else if (ch === '$' && !(i > 0 && /[A-Za-z0-9_]/.test(text[i - 1]))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        if (end < 0) return false;
        i = end + tag[0].length - 1;
      }
      last = '$';
    } else if (!/\s/.test(ch)) {
      last = ch;
    }
  }
  return last === '' || last === ';';
}

/** The `CREATE EXTENSION` names a dump asks for (lower case, in order). */
export function dumpExtensions(dump: ParsedDump): string[] {
  const names: string[] = [];
  for (const step of dump.steps) {
    if (step.kind !== 'sql') continue;
    const m = /^CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"((?:[^"]|"")+)"|([A-Za-z_][\w-]*))/i.exec(step.sql);
    if (m) {
      const name = (m[1] ?? m[2]).replace(/""/g, '"').toLowerCase();
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}
