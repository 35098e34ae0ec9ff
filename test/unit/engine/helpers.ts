import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject } from '../../../src/core/project/discovery';
import { type PrismaProject } from '../../../src/core/project/types';
import { onProcessExit } from '../../fixtures/util';

/** The repository root (tests run from out/test/unit/engine). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) || !fs.existsSync(path.join(dir, 'test', 'fixtures'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

export function fixtureDir(name: string): string {
  return path.join(repoRoot(), 'test', 'fixtures', 'projects', name);
}

/** Copies a fixture project into a fresh temporary folder (tests that write files use this); removed on exit. */
export function copyFixture(name: string): string {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), `drift-guard-${name}-`));
  onProcessExit(() => fs.rmSync(target, { recursive: true, force: true }));
  fs.cpSync(fixtureDir(name), target, { recursive: true });
  return target;
}

export async function loadFixture(name: string, copy = false): Promise<PrismaProject> {
  return loadProject(copy ? copyFixture(name) : fixtureDir(name));
}

let cacheDir: string | undefined;

/** A cache folder shared by the engine tests of one process (PGlite's initialised data dir is reused); removed on exit. */
export function testCacheDir(): string {
  if (!cacheDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-guard-test-cache-'));
    onProcessExit(() => fs.rmSync(dir, { recursive: true, force: true }));
    cacheDir = dir;
  }
  return cacheDir;
}

/** Writes a migration folder into a project directory and reloads the project. */
export async function addMigration(project: PrismaProject, name: string, sql: string): Promise<PrismaProject> {
  const dir = path.join(project.migrationsDir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
  return loadProject(project.root);
}

/** Rejection of a promise, for assertions on typed errors. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string; migration?: string; location?: { file: string; line: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
