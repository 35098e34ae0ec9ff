import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { splitStatements, stripSqlComments } from '../drift/sqlText';

/**
 * PostgreSQL gives no position for most errors of a script sent whole (the script was rolled back as one
 * implicit transaction): replay its statements one by one inside a transaction that is always rolled back, to
 * find the one that fails. Only on an embedded database we own (the shadow, a rehearsal copy). Undefined when
 * the script manages its own transactions or uses CONCURRENTLY (not replayable inside one), or nothing fails.
 */
export async function failingStatementOffset(db: PGlite, sql: string): Promise<number | undefined> {
  const statements = splitStatements(sql);
  if (statements.length === 1) return statements[0].offset;
  const code = stripSqlComments(sql);
  if (statements.length === 0 || /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END)\b/im.test(code) || /\bCONCURRENTLY\b/i.test(code)) return undefined;
  try {
    await db.exec('BEGIN');
    for (const statement of statements) {
      try {
        await db.exec(statement.text);
      } catch {
        return statement.offset;
      }
    }
    return undefined;
  } finally {
    await db.exec('ROLLBACK').catch(() => undefined);
  }
}
