import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { changedProjects, ownersOf } from '../../../src/core/project/changes';
import { discoverProjects, findProjectMarkers } from '../../../src/core/project/discovery';
import { type PrismaProject } from '../../../src/core/project/types';

const MONOREPO = path.resolve(__dirname, '../../../../test/fixtures/projects/monorepo');

describe('which projects a change concerns (monorepo)', () => {
  let projects: PrismaProject[];
  let a: PrismaProject;
  let b: PrismaProject;
  const unchanged = (): Map<string, string> => new Map(projects.map((p) => [p.root, JSON.stringify(p)]));
  const names = (list: readonly PrismaProject[]): string[] => list.map((p) => p.name).sort();

  before(async () => {
    projects = await discoverProjects(await findProjectMarkers(MONOREPO));
    assert.deepEqual(names(projects), ['app-a', 'app-b']);
    a = projects.find((p) => p.name === 'app-a')!;
    b = projects.find((p) => p.name === 'app-b')!;
  });

  it('gives a file to the projects that read it, else to the deepest project above it', () => {
    assert.deepEqual(names(ownersOf(path.join(a.migrationsDir, '20250101000000_init', 'migration.sql'), projects)), [
      'app-a',
    ]);
    assert.deepEqual(
      names(ownersOf(path.join(b.migrationsDir, '20250301000000_new'), projects)),
      ['app-b'],
      'a new migration folder',
    );
    assert.deepEqual(names(ownersOf(b.schemaPath, projects)), ['app-b']);
    assert.deepEqual(names(ownersOf(path.join(b.root, 'package.json'), projects)), ['app-b']);
    assert.deepEqual(
      names(ownersOf(path.join(MONOREPO, 'package.json'), projects)),
      ['app-a', 'app-b'],
      'outside every project: all of them',
    );
  });

  it('re-analyses only the owners of the changed files, and the projects whose discovered data changed', () => {
    const sql = path.join(a.migrationsDir, '20250101000000_init', 'migration.sql');
    assert.deepEqual(names(changedProjects(projects, unchanged(), [sql, sql])), ['app-a']);
    assert.deepEqual(names(changedProjects(projects, unchanged(), [])), []);
    const previous = unchanged();
    previous.set(b.root, JSON.stringify({ ...b, migrations: b.migrations.slice(1) }));
    assert.deepEqual(names(changedProjects(projects, previous, [])), ['app-b'], 'b had one migration less before');
    previous.delete(a.root);
    assert.deepEqual(names(changedProjects(projects, previous, [])), ['app-a', 'app-b'], 'a is new');
    assert.deepEqual(
      names(changedProjects(projects, unchanged(), ['*'])),
      ['app-a', 'app-b'],
      '* (settings, workspace folders, an explicit refresh)',
    );
  });
});
