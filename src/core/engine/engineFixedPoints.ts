/**
 * Statements the engine asks for again after they were applied.
 *
 * Some objects are read back from PostgreSQL differently from how the engine renders them from a schema, so it
 * reports them as different however often they are re-created: an index with a non-default operator class
 * (`@@index([key(ops: raw("text_pattern_ops"))])` is always "DROP INDEX + CREATE INDEX", prisma/prisma#16275).
 * `prisma migrate dev` writes that pair into every migration. A baseline made of them cannot "reproduce the
 * schema" in the engine's eyes, and re-creating an index that is already exactly there only locks the table on
 * the real database: such statements are left out of the baseline, and said.
 */

/** Whitespace-normalised statement text, for comparing what the engine printed twice. */
function normal(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

/**
 * When every statement the engine still reports after the baseline was applied is one the baseline itself
 * contained (applying it changed nothing the engine sees), those statements; otherwise undefined (a real
 * difference remains).
 */
export function engineFixedPoints(
  baseline: ReadonlyArray<{ sql: string }>,
  remaining: ReadonlyArray<{ sql: string }>,
): string[] | undefined {
  if (remaining.length === 0) return undefined;
  const written = new Set(baseline.map((i) => normal(i.sql)));
  const again = remaining.map((i) => normal(i.sql));
  return again.every((sql) => written.has(sql)) ? again : undefined;
}

/** The engine's script without the blocks (`-- Comment` + statement) whose statement is one of `statements`. */
export function withoutStatements(script: string, statements: readonly string[]): string {
  const drop = new Set(statements.map(normal));
  const blocks = script.replace(/\s+$/, '').split(/\n\s*\n(?=--)/);
  const kept = blocks.filter((block) => {
    const statement = block
      .split('\n')
      .filter((l) => !/^\s*--/.test(l))
      .join('\n');
    return !drop.has(normal(statement));
  });
  const text = kept.join('\n\n');
  return text.trim() === '' ? '' : `${text}\n`;
}
