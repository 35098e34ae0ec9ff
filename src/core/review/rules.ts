/**
 * The review of pending migrations, without a database: each statement of each pending migration.sql against the
 * rules of {@link reviewRules} (data loss, failure on existing rows, long locks, Prisma's own traps), with the
 * waivers written in SQL comments. Pure: migration texts in, findings out.
 *
 * "Existing table" means a table not created earlier in the pending migrations themselves: a table created by a
 * pending migration has no rows yet when the next one changes it. The applied (or already merged) migrations are
 * read only to know the columns' and enums' previous shapes and which tables they touched, never reviewed.
 */
import * as l10n from '@vscode/l10n';
import { compareMigrationNames } from '../project/migrationOrder';
import {
  blankLiterals,
  IDENT,
  isTransactionControl,
  LineIndex,
  splitStatements,
  splitTopLevelWithOffsets,
  splitQualified,
  stripSqlComments,
  unquoteIdent,
} from '../sql/sqlText';
import { type ReviewEdit, type ReviewFinding, type ReviewRuleId, reviewRules } from './reviewFindings';
import { findWaivers, type Waiver } from './waivers';

/** One migration to read: its folder name, migration.sql's path and text. */
export interface ReviewMigration {
  name: string;
  sqlPath: string;
  sql: string;
}

/** What to review: the pending migrations, and the others (applied, or already on the main branch) for context. */
export interface ReviewInput {
  pending: readonly ReviewMigration[];
  applied: readonly ReviewMigration[];
}

/** A statement of a migration: its code (comments blanked) and literal-free code, offsets in the file. */
interface Statement {
  /** Offset of its first code character, and of the character after its `;` (or its end). */
  start: number;
  end: number;
  code: string;
  masked: string;
}

const Q = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;
const QLIST = String.raw`${Q}(?:\s*,\s*${Q})*`;

/** The shapes the migrations read so far give the database: column types and enum labels. */
class SchemaTracker {
  readonly columns = new Map<string, Map<string, string>>();
  readonly enums = new Map<string, string[]>();

  table(name: string): Map<string, string> {
    let columns = this.columns.get(name);
    if (!columns) this.columns.set(name, (columns = new Map<string, string>()));
    return columns;
  }
}

/** Reviews the pending migrations (in name order) and returns their findings, waived ones removed. */
export function reviewMigrations(input: ReviewInput): ReviewFinding[] {
  const applied = [...input.applied].sort((a, b) => compareMigrationNames(a.name, b.name));
  const pending = [...input.pending].sort((a, b) => compareMigrationNames(a.name, b.name));
  const tracker = new SchemaTracker();
  const touchedBy = new Map<string, Set<string>>();
  // The applied history gives the previous shapes; nothing of it is reported.
  for (const m of applied) touchedBy.set(m.name, new Reviewer(m, tracker, new Set(), undefined).run().touched);
  const created = new Set<string>();
  const findings: ReviewFinding[] = [];
  for (const m of pending) {
    const later = new Set<string>();
    for (const a of applied) {
      if (compareMigrationNames(a.name, m.name) > 0) for (const t of touchedBy.get(a.name) ?? []) later.add(t);
    }
    findings.push(...new Reviewer(m, tracker, created, later).run().findings);
  }
  return findings;
}

/** One migration's pass: statements in order, the tracker updated as it goes. */
class Reviewer {
  readonly touched = new Set<string>();
  private readonly findings: ReviewFinding[] = [];
  private readonly lines: LineIndex;
  private readonly statements: Statement[];
  private readonly waivers: Waiver[];
  private current: Statement | undefined;

  constructor(
    private readonly migration: ReviewMigration,
    private readonly tracker: SchemaTracker,
    /** Tables created by the pending migrations so far (this one included as it goes). */
    private readonly created: Set<string>,
    /** Tables touched by applied migrations sorting after this one; undefined for an applied migration (not reviewed). */
    private readonly laterApplied: Set<string> | undefined,
  ) {
    this.lines = new LineIndex(migration.sql);
    const code = stripSqlComments(migration.sql);
    const masked = blankLiterals(code);
    this.statements = splitStatements(migration.sql).map((s) => {
      const from = migration.sql.indexOf(s.text, Math.max(0, s.offset - s.text.length));
      const end = (from >= 0 ? from : s.offset) + s.text.length;
      return { start: s.offset, end, code: code.slice(s.offset, end), masked: masked.slice(s.offset, end) };
    });
    this.waivers = laterApplied ? findWaivers(migration.sql, code, this.statements) : [];
  }

  run(): { findings: ReviewFinding[]; touched: Set<string> } {
    const substantive = this.statements.filter((s) => !isTransactionControl(s.code));
    const inTransaction = substantive.length > 1 || substantive.length < this.statements.length;
    for (const statement of this.statements) {
      this.current = statement;
      this.statement(statement, inTransaction);
    }
    return { findings: this.laterApplied ? this.applyWaivers() : [], touched: this.touched };
  }

  private reviewing(): boolean {
    return this.laterApplied !== undefined;
  }

  private existing(table: string): boolean {
    return !this.created.has(table);
  }

  private touch(table: string, at: number, length: number): void {
    this.touched.add(table);
    if (this.laterApplied?.has(table)) {
      this.report(
        'prisma/out-of-order',
        at,
        length,
        l10n.t(
          '{0} sorts before applied migrations that change {1}: deploy applies it after them, a fresh database before them.',
          this.migration.name,
          table,
        ),
        table,
      );
    }
  }

  private statement(s: Statement, inTransaction: boolean): void {
    const m = s.masked;
    let match: RegExpExecArray | null;
    if (
      (match = re(
        String.raw`^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${Q})\s*\(`,
      ).exec(m))
    ) {
      const table = tableName(match[1]);
      this.created.add(table);
      this.touched.add(table);
      const open = match[0].length - 1;
      const close = closingParen(m, open);
      const columns = this.tracker.table(table);
      columns.clear();
      for (const part of splitTopLevelWithOffsets(m.slice(open + 1, close))) {
        const col = columnDefinition(part.text);
        if (col) columns.set(col.name, col.type);
      }
      return;
    }
    if ((match = re(String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(${QLIST})`).exec(m))) {
      this.eachName(match, 1, (table, at, length) => {
        if (this.reviewing() && this.existing(table)) {
          this.report(
            'data-loss/drop-table',
            at,
            length,
            l10n.t('Drops the table {0}: its rows are lost.', table),
            table,
          );
        }
        this.tracker.columns.delete(table);
      });
      return;
    }
    if ((match = re(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${Q})\s+`).exec(m))) {
      const table = tableName(match[1]);
      const tableAt = s.start + match.index + match[0].indexOf(match[1]);
      this.touch(table, tableAt, match[1].length);
      const bodyFrom = match[0].length;
      for (const part of splitTopLevelWithOffsets(m.slice(bodyFrom).replace(/;\s*$/, ''))) {
        const lead = part.text.search(/\S/);
        if (lead < 0) continue;
        this.alterAction(table, part.text.slice(lead), s.start + bodyFrom + part.offset + lead, s);
      }
      return;
    }
    if (
      (match = re(
        String.raw`^CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:${IDENT}\s+)?ON\s+(?:ONLY\s+)?(${Q})`,
      ).exec(m))
    ) {
      const table = tableName(match[3]);
      this.touch(table, s.start, match[0].length);
      if (match[2]) {
        if (inTransaction) this.concurrently(s);
        return;
      }
      if (!this.reviewing() || !this.existing(table)) return;
      if (match[1]) {
        this.report(
          'existing-rows/unique-index',
          s.start,
          match[0].length,
          l10n.t('Adds a unique index on {0}: fails if existing rows have duplicates.', table),
          table,
        );
      }
      const edit: ReviewEdit | undefined = inTransaction
        ? undefined
        : {
            offset: s.start + match[0].search(/INDEX/i) + 'INDEX'.length,
            length: 0,
            text: ' CONCURRENTLY',
            title: l10n.t('Build the index CONCURRENTLY'),
          };
      this.report(
        'lock/create-index',
        s.start,
        match[0].length,
        l10n.t('Builds an index on {0} without CONCURRENTLY: writes to the table wait until it is built.', table),
        table,
        edit,
      );
      return;
    }
    if (
      (match = re(
        String.raw`^(?:DROP\s+INDEX|REINDEX\s+(?:\(.*?\)\s*)?(?:INDEX|TABLE|SCHEMA|DATABASE))\s+CONCURRENTLY\b`,
      ).exec(m))
    ) {
      if (inTransaction) this.concurrently(s);
      return;
    }
    if ((match = re(String.raw`^CREATE\s+TYPE\s+(${Q})\s+AS\s+ENUM\s*\(`).exec(m))) {
      const name = tableName(match[1]);
      const open = match[0].length - 1;
      const labels = enumLabels(s.code.slice(open + 1, closingParen(m, open)));
      const base = /_new$/.exec(name) ? name.slice(0, -'_new'.length) : undefined;
      const before = base ? this.tracker.enums.get(base) : undefined;
      // Prisma removes enum values by creating `X_new`, moving the columns to it and renaming it to `X`.
      if (base && this.reviewing() && (before ? before.some((l) => !labels.includes(l)) : true)) {
        const removed = before?.filter((l) => !labels.includes(l)) ?? [];
        this.report(
          'data-loss/enum-value-removed',
          s.start,
          match[0].length - 1,
          removed.length > 0
            ? l10n.t(
                'Recreates the enum {0} without {1}: fails if a row still uses it.',
                base,
                removed.map((l) => `'${l}'`).join(', '),
              )
            : l10n.t(
                'Recreates the enum {0} (the way Prisma removes values): fails if a row uses a removed value.',
                base,
              ),
        );
      }
      this.tracker.enums.set(name, labels);
      return;
    }
    if ((match = re(String.raw`^ALTER\s+TYPE\s+(${Q})\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'`).exec(m))) {
      const name = tableName(match[1]);
      const label = enumLabels(s.code.slice(match[0].length - 1))[0];
      if (label !== undefined) this.tracker.enums.set(name, [...(this.tracker.enums.get(name) ?? []), label]);
      return;
    }
    if ((match = re(String.raw`^ALTER\s+TYPE\s+(${Q})\s+RENAME\s+TO\s+(${IDENT})`).exec(m))) {
      const from = tableName(match[1]);
      const labels = this.tracker.enums.get(from);
      this.tracker.enums.delete(from);
      if (labels) this.tracker.enums.set(unquoteIdent(match[2]), labels);
      return;
    }
    if ((match = re(String.raw`^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(${QLIST})`).exec(m))) {
      this.eachName(match, 1, (table, at, length) => {
        if (this.reviewing() && this.existing(table)) {
          this.report('data-loss/delete-rows', at, length, l10n.t('Truncates {0}: every row is lost.', table), table);
        }
      });
      return;
    }
    if ((match = re(String.raw`^DELETE\s+FROM\s+(?:ONLY\s+)?(${Q})`).exec(m))) {
      const table = tableName(match[1]);
      if (!/\bWHERE\b/i.test(m) && this.reviewing() && this.existing(table)) {
        this.report(
          'data-loss/delete-rows',
          s.start,
          match[0].length,
          l10n.t('Deletes every row of {0} (no WHERE).', table),
          table,
        );
      }
    }
  }

  private alterAction(table: string, action: string, at: number, s: Statement): void {
    const columns = this.tracker.table(table);
    const reviewing = this.reviewing() && this.existing(table);
    let match: RegExpExecArray | null;
    if ((match = re(String.raw`^RENAME\s+TO\s+(${IDENT})`).exec(action))) {
      const to = unquoteIdent(match[1]);
      const qualified = splitQualified(table).schema;
      const renamed = qualified ? `${qualified}.${to}` : to;
      this.tracker.columns.set(renamed, columns);
      this.tracker.columns.delete(table);
      if (this.created.has(table)) this.created.add(renamed);
      return;
    }
    if ((match = re(String.raw`^RENAME\s+(?:COLUMN\s+)?(${IDENT})\s+TO\s+(${IDENT})`).exec(action))) {
      const type = columns.get(unquoteIdent(match[1]));
      columns.delete(unquoteIdent(match[1]));
      if (type !== undefined) columns.set(unquoteIdent(match[2]), type);
      return;
    }
    if ((match = re(String.raw`^DROP\s+(?!CONSTRAINT\b)(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(${IDENT})`).exec(action))) {
      const column = unquoteIdent(match[1]);
      if (reviewing) {
        this.report(
          'data-loss/drop-column',
          at,
          match[0].length,
          l10n.t('Drops the column {0}: its values are lost.', `${table}.${column}`),
          table,
        );
      }
      columns.delete(column);
      return;
    }
    if (
      (match = re(
        String.raw`^ADD\s+(?!(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|EXCLUDE)\b)(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?`,
      ).exec(action))
    ) {
      const col = columnDefinition(action.slice(match[0].length));
      if (!col) return;
      columns.set(col.name, col.type);
      const rest = action.slice(match[0].length);
      const required =
        /\bNOT\s+NULL\b|\bPRIMARY\s+KEY\b/i.test(rest) &&
        !/\bDEFAULT\b|\bGENERATED\b/i.test(rest) &&
        !/^(?:small|big)?serial\d?$/i.test(col.type);
      if (reviewing && required) {
        this.report(
          'existing-rows/required-column',
          at,
          action.length,
          l10n.t(
            'Adds the required column {0} without a default: fails if {1} has any row.',
            `${table}.${col.name}`,
            table,
          ),
          table,
        );
      }
      if (reviewing && /\bUNIQUE\b|\bPRIMARY\s+KEY\b/i.test(rest)) {
        this.report(
          'existing-rows/unique-index',
          at,
          action.length,
          l10n.t('Adds a unique index on {0}: fails if existing rows have duplicates.', table),
          table,
        );
      }
      return;
    }
    if ((match = re(String.raw`^ALTER\s+(?:COLUMN\s+)?(${IDENT})\s+SET\s+NOT\s+NULL\b`).exec(action))) {
      if (reviewing) {
        this.report(
          'existing-rows/set-not-null',
          at,
          match[0].length,
          l10n.t(
            'Makes {0} required (SET NOT NULL): fails if a row has no value, and scans {1} under an exclusive lock.',
            `${table}.${unquoteIdent(match[1])}`,
            table,
          ),
          table,
        );
      }
      return;
    }
    if ((match = re(String.raw`^ALTER\s+(?:COLUMN\s+)?(${IDENT})\s+(?:SET\s+DATA\s+)?TYPE\s+`).exec(action))) {
      const column = unquoteIdent(match[1]);
      const type = normaliseType(action.slice(match[0].length).replace(/\s+(?:COLLATE|USING)\b[\s\S]*$/i, ''));
      const before = columns.get(column);
      columns.set(column, type);
      // Prisma's enum swap (`TYPE "Role_new" USING …`) is reported once, on the CREATE TYPE of the new enum.
      if (!reviewing || /_new"?$/.test(type)) return;
      const where = `${table}.${column}`;
      if (before !== undefined && narrows(before, type)) {
        this.report(
          'data-loss/type-narrowing',
          at,
          match[0].length,
          l10n.t('Changes {0} from {1} to {2}: fails on values that do not fit, or cuts them.', where, before, type),
          table,
        );
      } else if (before === undefined || rewrites(before, type)) {
        this.report(
          'lock/alter-type',
          at,
          match[0].length,
          before === undefined
            ? l10n.t(
                'Changes the type of {0} to {1}: may rewrite {2} while holding an exclusive lock.',
                where,
                type,
                table,
              )
            : l10n.t(
                'Changes {0} from {1} to {2}: rewrites {3} while holding an exclusive lock.',
                where,
                before,
                type,
                table,
              ),
          table,
        );
      }
      return;
    }
    if (
      (match = re(String.raw`^ADD\s+(?:CONSTRAINT\s+(${IDENT})\s+)?(UNIQUE|PRIMARY\s+KEY|FOREIGN\s+KEY)\b`).exec(
        action,
      ))
    ) {
      if (!reviewing) return;
      if (!/^FOREIGN/i.test(match[2])) {
        this.report(
          'existing-rows/unique-index',
          at,
          match[0].length,
          l10n.t('Adds a unique index on {0}: fails if existing rows have duplicates.', table),
          table,
        );
        return;
      }
      if (/\bNOT\s+VALID\b/i.test(action)) return;
      // A mechanical rewrite only when the constraint is the statement's one action.
      const alone =
        s.masked
          .slice(at - s.start + action.length)
          .replace(/;/, '')
          .trim() === '' && s.masked.slice(0, at - s.start).search(/,\s*$/) < 0;
      const end = at + action.trimEnd().length;
      const edit: ReviewEdit | undefined = alone
        ? {
            offset: end,
            length: 0,
            text: ' NOT VALID',
            title: l10n.t('Add the foreign key NOT VALID (validate it in a later migration)'),
          }
        : undefined;
      this.report(
        'lock/foreign-key',
        at,
        match[0].length,
        l10n.t(
          'Adds a foreign key to {0} without NOT VALID: {0} and the referenced table are locked while every row is checked.',
          table,
        ),
        table,
        edit,
      );
    }
  }

  private concurrently(s: Statement): void {
    if (!this.reviewing()) return;
    this.report(
      'prisma/concurrently-in-transaction',
      s.start,
      s.masked.search(/CONCURRENTLY/i) + 'CONCURRENTLY'.length,
      l10n.t(
        'CONCURRENTLY cannot run inside a transaction block: {0} has other statements, so PostgreSQL refuses it.',
        this.migration.name,
      ),
    );
  }

  /** Calls `visit` with each table of a name list (group `group` of `match`), its offset and length in the file. */
  private eachName(
    match: RegExpExecArray,
    group: number,
    visit: (table: string, at: number, length: number) => void,
  ): void {
    const s = this.current!;
    const listAt = s.start + match.index + match[0].lastIndexOf(match[group]);
    for (const part of splitTopLevelWithOffsets(match[group])) {
      const lead = part.text.search(/\S/);
      if (lead < 0) continue;
      const raw = part.text.trim();
      const table = tableName(raw);
      this.touch(table, listAt + part.offset + lead, raw.length);
      visit(table, listAt + part.offset + lead, raw.length);
    }
  }

  private report(
    rule: ReviewRuleId,
    offset: number,
    length: number,
    message: string,
    table?: string,
    edit?: ReviewEdit,
  ): void {
    const meta = reviewRules().find((r) => r.id === rule)!;
    const position = this.lines.positionAt(offset);
    this.findings.push({
      rule,
      severity: meta.severity,
      migration: this.migration.name,
      file: this.migration.sqlPath,
      line: position.line,
      character: position.character,
      offset,
      length: Math.max(1, length),
      message,
      fix: meta.rewrite,
      ...(table !== undefined ? { table } : {}),
      ...(edit ? { edit } : {}),
    });
  }

  /** Drops the findings a waiver with a reason covers; adds the waivers' own findings. */
  private applyWaivers(): ReviewFinding[] {
    const kept = this.findings.filter(
      (f) =>
        !this.waivers.some(
          (w) => w.reason && w.rules.includes(f.rule) && f.offset >= w.statementStart && f.offset < w.statementEnd,
        ),
    );
    for (const w of this.waivers) {
      const unknown = w.unknown;
      if (unknown.length > 0) {
        this.report(
          'waiver/unknown-rule',
          w.offset,
          w.length,
          l10n.t('drift-guard-ignore names {0}, which is no rule of the review.', unknown.join(', ')),
        );
      }
      if (!w.reason) {
        this.report(
          'waiver/no-reason',
          w.offset,
          w.length,
          l10n.t('drift-guard-ignore without a reason (write it after a colon): the statement is still reported.'),
        );
      }
    }
    return [...kept, ...this.findings.filter((f) => f.rule.startsWith('waiver/'))];
  }
}

function re(source: string): RegExp {
  return new RegExp(source, 'i');
}

/** A table or type name as the review names it: unquoted, `schema.name` when qualified. */
function tableName(raw: string): string {
  const q = splitQualified(raw);
  return q.schema ? `${q.schema}.${q.name}` : q.name;
}

/** The offset of the `)` closing the `(` at `open` in literal-free code. */
function closingParen(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    if (masked[i] === '(') depth++;
    else if (masked[i] === ')' && --depth === 0) return i;
    else if (masked[i] === '"') i = masked.indexOf('"', i + 1) < 0 ? masked.length : masked.indexOf('"', i + 1);
  }
  return masked.length;
}

const CONSTRAINT_WORDS = /^(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|EXCLUDE|LIKE)\b/i;

/** `"name" TYPE …` → the column's name and normalised type (undefined for a table constraint). */
function columnDefinition(text: string): { name: string; type: string } | undefined {
  const trimmed = text.trim();
  if (CONSTRAINT_WORDS.test(trimmed)) return undefined;
  const match = new RegExp(String.raw`^(${IDENT})\s+([\s\S]*)$`).exec(trimmed);
  if (!match) return undefined;
  const type = match[2].split(
    /\s+(?:NOT\s+NULL|NULL|DEFAULT|PRIMARY|REFERENCES|UNIQUE|CHECK|CONSTRAINT|COLLATE|GENERATED)\b/i,
  )[0];
  return { name: unquoteIdent(match[1]), type: normaliseType(type) };
}

/** The labels of an enum's `'a', 'b'` list. */
function enumLabels(list: string): string[] {
  return [...list.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
}

/** A type in one spelling: lower case, aliases folded (`INT4` → `integer`, `VARCHAR(10)` → `varchar(10)`). */
export function normaliseType(raw: string): string {
  const t = raw
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*\)/g, ')');
  if (/"/.test(t)) return t;
  const lower = t.toLowerCase();
  const aliases: Array<[RegExp, string]> = [
    [/^(?:int4|int|integer)$/, 'integer'],
    [/^(?:int8|bigint)$/, 'bigint'],
    [/^(?:int2|smallint)$/, 'smallint'],
    [/^(?:float8|double precision|float)$/, 'double precision'],
    [/^(?:float4|real)$/, 'real'],
    [/^(?:character varying|varchar)/, 'varchar'],
    [/^(?:character|char|bpchar)(?=\(|$)/, 'char'],
    [/^(?:decimal|numeric)/, 'numeric'],
    [/^(?:bool|boolean)$/, 'boolean'],
    [/^timestamp with time zone/, 'timestamptz'],
    [/^timestamp without time zone/, 'timestamp'],
  ];
  for (const [pattern, name] of aliases) if (pattern.test(lower)) return lower.replace(pattern, name);
  return lower;
}

const INTEGER_RANK: Record<string, number> = { smallint: 1, integer: 2, bigint: 3 };

function textual(type: string): boolean {
  return /^(?:text|varchar|char|citext)\b/.test(type);
}

function modifier(type: string): number[] | undefined {
  const m = /\(([\d,]+)\)/.exec(type);
  return m ? m[1].split(',').map(Number) : undefined;
}

/** Whether going from `before` to `after` can fail on, or cut, existing values. */
export function narrows(before: string, after: string): boolean {
  if (before === after) return false;
  const base = (t: string): string => t.replace(/\(.*$/, '');
  const [b, a] = [base(before), base(after)];
  if (INTEGER_RANK[b] && INTEGER_RANK[a]) return INTEGER_RANK[a] < INTEGER_RANK[b];
  if ((b === 'double precision' || b === 'real' || b === 'numeric') && INTEGER_RANK[a]) return true;
  if (b === 'double precision' && a === 'real') return true;
  if (b === 'numeric' && a === 'numeric') {
    const [bp, bs = 0] = modifier(before) ?? [Infinity, Infinity];
    const [ap, as = 0] = modifier(after) ?? [Infinity, Infinity];
    return ap < bp || as < bs;
  }
  if (textual(before)) {
    if (!textual(after)) return true;
    const limit = modifier(after)?.[0];
    if (limit === undefined || a === 'text') return false;
    const had = b === 'text' || b === 'citext' ? Infinity : (modifier(before)?.[0] ?? Infinity);
    return limit < had;
  }
  if (/^timestamp/.test(b) && b === a) return (modifier(after)?.[0] ?? 6) < (modifier(before)?.[0] ?? 6);
  return false;
}

/** Whether the change rewrites the table (PostgreSQL skips the rewrite only for binary-coercible widenings). */
export function rewrites(before: string, after: string): boolean {
  if (before === after) return false;
  const base = (t: string): string => t.replace(/\(.*$/, '');
  const [b, a] = [base(before), base(after)];
  if ((b === 'varchar' || b === 'text') && a === 'text') return false;
  if (b === 'varchar' && a === 'varchar') return !narrows(before, after) ? false : true;
  if (b === 'numeric' && a === 'numeric') {
    const [bp, bs = 0] = modifier(before) ?? [Infinity, 0];
    const [ap, as = 0] = modifier(after) ?? [Infinity, 0];
    return !(ap >= bp && as === bs);
  }
  return true;
}
