import * as l10n from '@vscode/l10n';
import { type EngineSession } from '../engine/engineSession';
import { readLocalMigrations } from '../engine/projectInput';
import { type PrismaProject } from '../project/types';
import { readRealDatabase, type RehearsalInput, rehearseOnCopy } from '../rehearsal/rehearse';
import { type RehearsalReport } from '../rehearsal/report';
import { requireMigrationsFolder } from './historyStatus';

/**
 * Deploy rehearsal as one call of `session`: loads the real database's dump into a fresh embedded PostgreSQL,
 * recreates its `_prisma_migrations` there (read from `input.url` in a read-only session) and applies the pending
 * migrations one by one, as `migrate deploy` would. Never writes to the real database.
 */
export function rehearseDeploy(
  session: EngineSession,
  project: PrismaProject,
  input: RehearsalInput,
): Promise<RehearsalReport> {
  return session.exclusive(l10n.t('deploy rehearsal'), session.timeouts.deployMs, async (call) => {
    requireMigrationsFolder(project);
    const migrations = await readLocalMigrations(project);
    const real = input.url ? await readRealDatabase(input.url, session.timeouts.connectMs) : undefined;
    // The copy needs its own fresh instance; the analyses' shadow (≈450 MB) restarts from its snapshot later.
    const copy = await call.freshEmbedded();
    try {
      return await rehearseOnCopy(copy, {
        input,
        migrations,
        ...(real ? { real } : {}),
        assetsDir: call.assetsDir,
        log: (m) => call.log(m),
      });
    } finally {
      await copy.close();
    }
  });
}
