import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import { type EngineSession, readLimits } from '../engine/engineSession';
import { EngineError, describeUrl } from '../engine/engineError';
import { openPgClient, parsePgUrl } from '../engine/pgAdapter';
import { readMigrationRecords } from '../history/records';
import { type PrismaProject } from '../project/types';
import { type DeployResult } from './engineApi';

/**
 * `migrate deploy` as one call of `session`: applies the pending migrations to `url`; a migration that fails is
 * named, with PostgreSQL's own error. Callers must keep it away from production.
 */
export function deployMigrations(session: EngineSession, project: PrismaProject, url: string): Promise<DeployResult> {
  return session.exclusive(l10n.t('deploy'), session.timeouts.deployMs, async (call) => {
    const prepared = await call.prepare(project);
    await call.preflight(url, l10n.t('connecting to the database'));
    const outcome = await call.applyMigrations(prepared, url);
    if (!outcome.ok) {
      const scriptError = outcome.scriptError;
      if (!scriptError) throw outcome.error;
      // The engine says only "external connector error": name the migration and the real error.
      const failed = await failedMigrationName(session, url);
      throw new EngineError({
        code: 'migration-failed',
        migration: failed,
        message: l10n.t(
          'Migration {0} failed on {1}: {2}. It is recorded as failed: fix it, mark it rolled back, then deploy again.',
          failed ?? l10n.t('(unknown)'),
          describeUrl(url),
          `${scriptError.message}${scriptError.code ? ` [${scriptError.code}]` : ''}`,
        ),
        location: failed
          ? { file: path.join(project.migrationsDir, failed, 'migration.sql'), line: 1, character: 1 }
          : undefined,
      });
    }
    const applied = outcome.applied;
    return {
      applied,
      message:
        applied.length > 0
          ? l10n.t('Applied {0} migration(s): {1}.', applied.length, applied.join(', '))
          : l10n.t('No pending migration.'),
    };
  });
}

/** The migration `_prisma_migrations` records as started and not finished (the one that just failed), if it can be read. */
async function failedMigrationName(session: EngineSession, url: string): Promise<string | undefined> {
  const client = await openPgClient(
    url,
    l10n.t('reading _prisma_migrations'),
    session.timeouts.connectMs,
    readLimits(session.timeouts.historyMs),
  ).catch(() => undefined);
  if (!client) return undefined;
  try {
    const records = await readMigrationRecords(
      async (sql, params) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>,
      parsePgUrl(url).schema,
    );
    return records?.filter((r) => !r.finishedAt && !r.rolledBackAt).pop()?.migrationName;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}
