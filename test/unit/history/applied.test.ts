import * as assert from 'node:assert/strict';
import { EngineError } from '../../../src/core/engine/engineError';
import { type DriftReport } from '../../../src/core/drift/driftReport';
import { diffDatabaseToHistory, projectAsApplied } from '../../../src/core/history/applied';
import { type HistoryStatus, type MigrationState } from '../../../src/core/history/status';
import { type PrismaProject } from '../../../src/core/project/types';

const names = ['1_init', '2_posts', '3_comments', '4_tags'];
const project = {
  root: '/p',
  migrations: names.map((name) => ({ name, dir: `/p/m/${name}`, sqlPath: `/p/m/${name}/migration.sql`, hasSql: true })),
} as unknown as PrismaProject;

function status(states: MigrationState[]): HistoryStatus {
  return {
    hasMigrationsTable: true,
    migrations: names.map((name, i) => ({ name, state: states[i] })),
    hazards: [],
    notes: [],
  };
}

const EMPTY: DriftReport = {
  script: '',
  items: [],
  empty: true,
  shadow: 'embedded-migrated',
  timings: { totalMs: 1, diffMs: 1 },
};

/** A stand-in for the engine that records which migrations it was given (pure unit test of the choice). */
function engine(fail: (migrations: string[]) => boolean) {
  const calls: string[][] = [];
  return {
    calls,
    diffMigrationsToDatabase: (p: PrismaProject) => {
      const list = p.migrations.map((m) => m.name);
      calls.push(list);
      return fail(list)
        ? Promise.reject(
            new EngineError({
              code: 'migration-failed',
              message: 'Migration 3_comments failed on the shadow database: No such table: posts',
              migration: '3_comments',
            }),
          )
        : Promise.resolve(EMPTY);
    },
  };
}

describe('live drift against the applied history', () => {
  it('keeps only applied and modified migrations', () => {
    assert.deepEqual(
      projectAsApplied(project, status(['applied', 'modified', 'failed', 'pending'])).migrations.map((m) => m.name),
      ['1_init', '2_posts'],
    );
  });

  it('leaves pending migrations out of the comparison', async () => {
    const e = engine(() => false);
    const report = await diffDatabaseToHistory(
      e,
      project,
      status(['applied', 'applied', 'pending', 'pending']),
      'postgresql://x',
    );
    assert.equal(report.basis, 'applied');
    assert.deepEqual(e.calls, [['1_init', '2_posts']]);
  });

  it('falls back to every migration, with a note, when the applied ones do not replay (a gap)', async () => {
    const e = engine((list) => list.includes('3_comments') && !list.includes('2_posts'));
    const report = await diffDatabaseToHistory(
      e,
      project,
      status(['applied', 'rolledBack', 'applied', 'applied']),
      'postgresql://x',
    );
    assert.equal(report.basis, 'all');
    assert.match(report.note ?? '', /do not replay .*No such table: posts.*every local migration/);
    assert.deepEqual(e.calls, [['1_init', '3_comments', '4_tags'], names]);
  });

  it('uses every migration directly when all are applied', async () => {
    const e = engine(() => false);
    const report = await diffDatabaseToHistory(
      e,
      project,
      status(['applied', 'applied', 'applied', 'applied']),
      'postgresql://x',
    );
    assert.equal(report.basis, 'all');
    assert.equal(report.note, undefined);
    assert.equal(e.calls.length, 1);
  });
});
