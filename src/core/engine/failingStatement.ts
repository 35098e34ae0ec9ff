import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { isTransactionControl, positionAt, splitStatements } from '../sql/sqlText';
import { EngineError } from './engineError';

/** Runs one statement (simple query protocol) on the database the script failed on. */
export type StatementRunner = (sql: string) => Promise<unknown>;

/** The PostgreSQL error of a script sent whole: what the replay must meet again to name the statement. */
export interface ScriptFailure {
  message: string;
  code?: string;
}

/** A script that failed, and where (offset of the failing statement in it) when it could be found. */
export interface LocatedScriptFailure extends ScriptFailure {
  script: string;
  statementOffset?: number;
}

/**
 * PostgreSQL gives no position for most errors of a script sent whole. This replays its statements one by one
 * inside a transaction that is always rolled back — each under a savepoint, so a statement failing for another
 * reason (its effect was already committed by an explicit `COMMIT` earlier in the script) is passed over — and
 * returns the offset of the first statement that fails with the same error. Only on databases we own (the
 * embedded shadow, a shadow database, a rehearsal copy): never on a database a migration is deployed to.
 * Undefined when no statement fails that way (the failure depended on the script running whole).
 */
export async function locateFailingStatement(
  run: StatementRunner,
  sql: string,
  failure?: ScriptFailure,
): Promise<number | undefined> {
  const statements = splitStatements(sql).filter((s) => !isTransactionControl(s.text));
  if (statements.length === 0) return undefined;
  if (statements.length === 1) return statements[0].offset;
  const same = (error: unknown): boolean => {
    if (!failure) return true;
    const e = error as { message?: string; code?: string };
    const message = e.message ?? '';
    const sameMessage = message === failure.message || (message !== '' && failure.message.includes(message));
    return sameMessage && (failure.code === undefined || e.code === undefined || e.code === failure.code);
  };
  try {
    await run('BEGIN');
    for (const statement of statements) {
      await run('SAVEPOINT drift_guard_locate');
      try {
        await run(statement.text);
        await run('RELEASE SAVEPOINT drift_guard_locate');
      } catch (error) {
        if (same(error)) return statement.offset;
        await run('ROLLBACK TO SAVEPOINT drift_guard_locate');
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await run('ROLLBACK').catch(() => undefined);
  }
}

/** {@link locateFailingStatement} on an embedded PGlite (the shadow, a rehearsal copy). */
export function failingStatementOffset(db: PGlite, sql: string, failure?: ScriptFailure): Promise<number | undefined> {
  return locateFailingStatement((statement) => db.exec(statement), sql, failure);
}

/** The PostgreSQL error behind whatever a driver or adapter threw. */
export function scriptFailureOf(error: unknown): ScriptFailure {
  const e = (error ?? {}) as {
    message?: string;
    code?: string;
    cause?: { message?: string; code?: string; originalMessage?: string; originalCode?: string };
  };
  const source = e.cause && typeof e.cause.message === 'string' ? e.cause : e;
  const withOriginal = source as { message?: string; code?: string; originalMessage?: string; originalCode?: string };
  const message = withOriginal.originalMessage ?? withOriginal.message ?? String(error);
  const code = withOriginal.code ?? withOriginal.originalCode;
  return typeof code === 'string' ? { message, code } : { message };
}

/**
 * Puts the failing statement's line on a `migration-failed` error from the schema engine (which names the
 * migration only), from the script failure an adapter recorded. Other errors are returned as they are.
 */
export function withStatementLocation(
  error: unknown,
  failure: (ScriptFailure & { script?: string; statementOffset?: number }) | undefined,
  migrations: ReadonlyArray<{ name: string; sqlPath: string; sql: string }>,
): unknown {
  if (
    !(error instanceof EngineError) ||
    error.code !== 'migration-failed' ||
    failure?.script === undefined ||
    failure.statementOffset === undefined
  ) {
    return error;
  }
  const script = failure.script;
  const migration =
    migrations.find((m) => m.name === error.migration && m.sql === script) ?? migrations.find((m) => m.sql === script);
  if (!migration) return error;
  const position = positionAt(migration.sql, failure.statementOffset);
  return new EngineError({
    code: error.code,
    message: error.message.replace(` ${migration.name} failed`, ` ${migration.name} failed (line ${position.line})`),
    location: { file: migration.sqlPath, ...position },
    migration: migration.name,
    ...(error.prismaCode ? { prismaCode: error.prismaCode } : {}),
    ...(error.detail ? { detail: error.detail } : {}),
  });
}
