import * as l10n from '@vscode/l10n';
import { type EngineSession, readLimits } from '../engine/engineSession';
import { EngineError, describeUrl } from '../engine/engineError';
import { openPgClient, parsePgUrl, type QueryLimits } from '../engine/pgAdapter';
import { readLocalMigrations } from '../engine/projectInput';
import { readMigrationRecords } from '../history/records';
import { computeHistoryStatus, type HistoryStatus } from '../history/status';
import { type PrismaProject } from '../project/types';

/**
 * Every migration's state on the database `url` (local folders against `_prisma_migrations`, read-only) and the
 * ordering hazards, as one call of `session` within its history limit.
 */
export function readHistoryStatus(session: EngineSession, project: PrismaProject, url: string): Promise<HistoryStatus> {
  return session.exclusive(l10n.t('migration status'), session.timeouts.historyMs, async () => {
    const target = parsePgUrl(url);
    requireMigrationsFolder(project);
    const migrations = await readLocalMigrations(project);
    const limits = readLimits(session.timeouts.historyMs);
    const client = await openPgClient(url, l10n.t('reading _prisma_migrations'), session.timeouts.connectMs, limits);
    try {
      const records = await readMigrationRecords(
        async (sql, params) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>,
        target.schema,
      );
      return computeHistoryStatus(migrations, records);
    } catch (error) {
      const stopped = serverTimeout(error, limits);
      if (stopped) {
        throw new EngineError({
          code: 'timeout',
          message: l10n.t('Reading _prisma_migrations on {0} {1}', describeUrl(url), stopped),
        });
      }
      throw new EngineError({
        code: 'engine-error',
        message: l10n.t('Reading _prisma_migrations on {0} failed: {1}', describeUrl(url), (error as Error).message),
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

/** Throws `missing-migrations-folder` when the project's migrations folder does not exist. */
export function requireMigrationsFolder(project: PrismaProject): void {
  if (!project.migrationsDirExists) {
    throw new EngineError({
      code: 'missing-migrations-folder',
      message: l10n.t('The migrations folder {0} does not exist.', project.migrationsDir),
    });
  }
}

/** "timed out after N s waiting for a lock…" when PostgreSQL cancelled the statement for one of our limits. */
function serverTimeout(error: unknown, limits: QueryLimits): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  const s = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  if (code === '55P03') {
    return l10n.t(
      'stopped after {0} waiting for a lock another session holds (lock_timeout); PostgreSQL cancelled the query, nothing of ours is left waiting.',
      s(limits.lockTimeoutMs),
    );
  }
  if (code === '57014') {
    return l10n.t(
      'stopped after {0} (statement_timeout); PostgreSQL cancelled the query, nothing of ours is left running.',
      s(limits.statementTimeoutMs),
    );
  }
  return undefined;
}
