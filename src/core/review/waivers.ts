/**
 * Waivers: a SQL comment that names a rule and says why, e.g.
 * `-- drift-guard-ignore data-loss/drop-column: the column was unused since v3`, waives that rule for one
 * statement — the statement the comment stands in or before, or the one ending on the comment's line.
 */
import { REVIEW_RULE_IDS, type ReviewRuleId } from './reviewFindings';

/** One `drift-guard-ignore` comment. */
export interface Waiver {
  /** Offset and length of the comment's `drift-guard-ignore …` text in the file. */
  offset: number;
  length: number;
  /** The rules it names that exist. */
  rules: ReviewRuleId[];
  /** The names that are no rule. */
  unknown: string[];
  /** Why (empty: no reason given, the waiver waives nothing). */
  reason: string;
  /** The statement it applies to: its first code offset and end (empty range when none follows). */
  statementStart: number;
  statementEnd: number;
}

const KEYWORD = /drift-guard-ignore\b/g;

/**
 * The waivers of a migration: `sql` its text, `code` the same with comments blanked (a keyword blanked there is in
 * a comment; one still there is in a string and ignored), `statements` its statements with their offsets.
 */
export function findWaivers(
  sql: string,
  code: string,
  statements: ReadonlyArray<{ start: number; end: number }>,
): Waiver[] {
  const out: Waiver[] = [];
  for (const m of sql.matchAll(KEYWORD)) {
    const at = m.index;
    if (code[at] !== ' ') continue;
    let lineEnd = sql.indexOf('\n', at);
    if (lineEnd < 0) lineEnd = sql.length;
    let text = sql.slice(at, lineEnd);
    const blockEnd = text.indexOf('*/');
    if (blockEnd >= 0) text = text.slice(0, blockEnd);
    text = text.replace(/\s+$/, '');
    const body = text.slice('drift-guard-ignore'.length);
    const colon = body.indexOf(':');
    const names = (colon >= 0 ? body.slice(0, colon) : body).split(/[\s,]+/).filter(Boolean);
    const reason = colon >= 0 ? body.slice(colon + 1).trim() : '';
    const known = new Set<string>(REVIEW_RULE_IDS);
    const target = statementOf(sql, at, statements);
    out.push({
      offset: at,
      length: text.length,
      rules: names.filter((n): n is ReviewRuleId => known.has(n)),
      unknown: names.filter((n) => !known.has(n)),
      reason,
      statementStart: target?.start ?? at,
      statementEnd: target?.end ?? at,
    });
  }
  return out;
}

/** The statement ending on the comment's line before it, else the first one ending after it. */
function statementOf<S extends { start: number; end: number }>(
  sql: string,
  at: number,
  statements: readonly S[],
): S | undefined {
  const lineStart = sql.lastIndexOf('\n', at - 1) + 1;
  const sameLine = statements.find((s) => s.end <= at && s.end > lineStart);
  return sameLine ?? statements.find((s) => s.end > at);
}
