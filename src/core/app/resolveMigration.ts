import * as l10n from '@vscode/l10n';
import { type DriftItem, parseDiffScript } from '../drift/diffItems';
import { type EngineCall, type EngineSession, type PreparedProject, readLimits } from '../engine/engineSession';
import { EngineError, describeUrl } from '../engine/engineError';
import { openPgClient } from '../engine/pgAdapter';
import { type PrismaProject } from '../project/types';
import { type MigrationProof, type ResolveOptions, type ResolveResult } from './engineApi';
import {
  CHECK_CONSTRAINTS_SQL,
  type CheckConstraint,
  type MissingChange,
  missingChanges,
  proofOf,
  toCheckConstraints,
} from './resolveProof';

/** The database's diff to the first migrations, and those migrations' CHECK constraints (see ./resolveProof.ts). */
interface DatabaseState {
  items: DriftItem[];
  checks: CheckConstraint[];
}

/**
 * `migrate resolve --applied/--rolled-back` as one call of `session`. `--applied` first proves that the database
 * already has every change the migration makes (./resolveProof.ts) and refuses otherwise, unless `force`.
 */
export function resolveMigration(
  session: EngineSession,
  project: PrismaProject,
  url: string,
  options: ResolveOptions,
): Promise<ResolveResult> {
  const name = options.applied ?? options.rolledBack;
  if (!name || (options.applied && options.rolledBack)) {
    return Promise.reject(
      new EngineError({
        code: 'invalid-argument',
        message: l10n.t('resolve needs exactly one of --applied NAME or --rolled-back NAME.'),
      }),
    );
  }
  return session.exclusive(l10n.t('resolve {0}', name), session.timeouts.analysisMs, async (call) => {
    const prepared = await call.prepare(project);
    await call.preflight(url, l10n.t('connecting to the database'));
    const index = prepared.migrations.findIndex((m) => m.name === name);
    if (options.rolledBack) {
      await call.markRolledBack(prepared, url, name);
      return {
        migration: name,
        action: 'rolledBack',
        recorded: true,
        missing: [],
        missingChanges: [],
        forced: false,
        message: l10n.t('Recorded {0} as rolled back on {1}.', name, describeUrl(url)),
      };
    }
    if (index < 0) {
      throw new EngineError({
        code: 'unknown-migration',
        message: l10n.t('No migration named {0} in {1}.', name, project.migrationsDir),
        migration: name,
      });
    }
    const { items: missing, changes } = await missingObjects(session, call, prepared, index, url, project);
    if (changes.length > 0 && !options.force) {
      throw new EngineError({
        code: 'refused',
        migration: name,
        message: l10n.t(
          'Refusing to record {0} as applied: the database {1} does not have every change it makes — {2}. Nothing was written.',
          name,
          describeUrl(url),
          changes.map((c) => c.description).join('; '),
        ),
      });
    }
    await call.markApplied(prepared, url, name);
    const forced = changes.length > 0;
    return {
      migration: name,
      action: 'applied',
      recorded: true,
      missing,
      missingChanges: changes,
      forced,
      message: forced
        ? l10n.t(
            'FORCED: recorded {0} as applied on {1} although the database lacks {2}.',
            name,
            describeUrl(url),
            changes.map((c) => c.description).join('; '),
          )
        : l10n.t(
            'Recorded {0} as applied on {1}: the database already has every change it makes.',
            name,
            describeUrl(url),
          ),
    };
  });
}

/**
 * The resolve proof of each of `migrations` (local names) on the database, read-only, as one call of `session`:
 * what each one changes that the database already has and lacks, each judged on top of every migration before it.
 */
export function migrationProofs(
  session: EngineSession,
  project: PrismaProject,
  url: string,
  migrations: string[],
): Promise<MigrationProof[]> {
  return session.exclusive(l10n.t('migration proofs'), session.timeouts.deployMs, async (call) => {
    const prepared = await call.prepare(project);
    await call.preflight(url, l10n.t('connecting to the database'));
    const indexes = migrations.map((name) => {
      const index = prepared.migrations.findIndex((m) => m.name === name);
      if (index < 0) {
        throw new EngineError({
          code: 'unknown-migration',
          message: l10n.t('No migration named {0} in {1}.', name, project.migrationsDir),
          migration: name,
        });
      }
      return index;
    });
    if (indexes.length === 0) return [];
    // Consecutive pending migrations share a state (after one = before the next): each state is diffed once.
    const states = new Map<number, DatabaseState>();
    const stateAt = async (count: number): Promise<DatabaseState> => {
      let state = states.get(count);
      if (!state) states.set(count, (state = await databaseStateAt(call, prepared, count, url, project)));
      return state;
    };
    const database = await databaseChecks(session, url);
    const out: MigrationProof[] = [];
    for (const [i, index] of indexes.entries()) {
      const before = await stateAt(index);
      const after = await stateAt(index + 1);
      const proof = proofOf({
        before: before.items,
        after: after.items,
        checks: { before: before.checks, after: after.checks, database },
        schemaFiles: project.schemaFiles,
      });
      out.push({ migration: migrations[i], present: proof.present, missing: proof.changes });
    }
    return out;
  });
}

/** Changes of migration `index` the database lacks: see {@link missingChanges} (two engine diffs + CHECK catalogs). */
async function missingObjects(
  session: EngineSession,
  call: EngineCall,
  prepared: PreparedProject,
  index: number,
  url: string,
  project: PrismaProject,
): Promise<{ items: DriftItem[]; changes: MissingChange[] }> {
  const before = await databaseStateAt(call, prepared, index, url, project);
  const after = await databaseStateAt(call, prepared, index + 1, url, project);
  const database = await databaseChecks(session, url);
  return missingChanges({
    before: before.items,
    after: after.items,
    checks: { before: before.checks, after: after.checks, database },
    schemaFiles: project.schemaFiles,
  });
}

/** The diff of the database to the first `count` migrations, and those migrations' CHECK constraints. */
async function databaseStateAt(
  call: EngineCall,
  prepared: PreparedProject,
  count: number,
  url: string,
  project: PrismaProject,
): Promise<DatabaseState> {
  const script = await call.diffDatabaseToMigrations(prepared, count, url, project.root);
  // The engine left the embedded shadow migrated up to `count`: its CHECK constraints are the migrations' ones.
  const checks = toCheckConstraints(await call.queryShadow(prepared, CHECK_CONSTRAINTS_SQL));
  return { items: parseDiffScript(script), checks };
}

/** The database's own CHECK constraints (read-only). */
async function databaseChecks(session: EngineSession, url: string): Promise<CheckConstraint[]> {
  const client = await openPgClient(
    url,
    l10n.t('reading CHECK constraints'),
    session.timeouts.connectMs,
    readLimits(session.timeouts.analysisMs),
  );
  try {
    return toCheckConstraints((await client.query(CHECK_CONSTRAINTS_SQL)).rows as Array<Record<string, unknown>>);
  } finally {
    await client.end().catch(() => undefined);
  }
}
