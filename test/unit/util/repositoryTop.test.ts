/**
 * The repository's top level bounds every upward search of the CLI: `--env` reads `.vscode/settings.json` from
 * the project up to the git root (a monorepo's root settings), and the run log goes to a `.drift-guard/` at or
 * below it — a settings file or a `.drift-guard/` planted in a shared parent (/tmp, a home folder) is ignored.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRunLogRoot } from '../../../src/core/app/runLog';
import { findEnvironmentSetting } from '../../../src/core/app/environments';
import { cliEnvironmentDatabases } from '../../../src/cli/cliEnvironments';
import { type PrismaProject } from '../../../src/core/project/types';
import { repositoryTop } from '../../../src/core/util/repositoryTop';

/** A temporary folder outside any git work tree (the OS temp dir may itself lie inside a clone). */
function tempOutsideGit(prefix: string): string {
  for (const parent of [os.tmpdir(), '/tmp', os.homedir()]) {
    let inGit = false;
    for (let dir = path.resolve(parent); ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, '.git'))) inGit = true;
      if (inGit || path.dirname(dir) === dir) break;
    }
    if (!inGit && existsSync(parent)) return mkdtempSync(path.join(parent, prefix));
  }
  throw new Error('no temporary folder outside a git work tree');
}

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const settings = (name: string, variable: string): string =>
  JSON.stringify({ 'driftGuard.environments': [{ name, kind: 'production', url: { from: 'env', variable } }] });
const projectAt = (root: string): PrismaProject => ({ root, envFiles: [] }) as unknown as PrismaProject;

describe('repository top: how far up the CLI looks', () => {
  let shared: string;
  beforeEach(() => {
    // `shared` plays /tmp or a home folder: anyone may plant files in it.
    shared = tempOutsideGit('dg-shared-');
    write(path.join(shared, '.vscode', 'settings.json'), settings('planted', 'PLANTED_URL'));
    mkdirSync(path.join(shared, '.drift-guard'));
  });
  afterEach(() => rmSync(shared, { recursive: true, force: true }));

  it('without git: the project folder itself, never a parent', async () => {
    const project = path.join(shared, 'shop');
    mkdirSync(project);
    assert.equal(await repositoryTop(project), project);
    await assert.rejects(findEnvironmentSetting(projectAt(project), 'planted'), {
      message: `No driftGuard.environments in a .vscode/settings.json in ${project}.`,
    });
    assert.deepEqual(
      await cliEnvironmentDatabases(projectAt(project), { PLANTED_URL: 'postgresql://u:p@evil/db' }, assert.fail),
      [],
    );
    assert.equal(await findRunLogRoot(project), project, 'not the planted .drift-guard of the shared parent');
  });

  it("in a git repository: up to its top level (a monorepo's root settings work), never above", async () => {
    const repo = path.join(shared, 'mono');
    const project = path.join(repo, 'packages', 'db');
    mkdirSync(project, { recursive: true });
    mkdirSync(path.join(repo, '.git'));
    assert.equal(await repositoryTop(project), repo);
    await assert.rejects(findEnvironmentSetting(projectAt(project), 'planted'), {
      message: `No driftGuard.environments in a .vscode/settings.json from ${project} up to the repository's top ${repo}.`,
    });
    assert.equal(await findRunLogRoot(project), repo);

    write(path.join(repo, '.vscode', 'settings.json'), settings('production', 'PROD_URL'));
    const found = await findEnvironmentSetting(projectAt(project), 'production');
    assert.equal(found.file, path.join(repo, '.vscode', 'settings.json'));
    assert.deepEqual(
      await cliEnvironmentDatabases(projectAt(project), { PROD_URL: 'postgresql://u:p@prod/db' }, assert.fail),
      [{ label: 'environment production', url: 'postgresql://u:p@prod/db' }],
    );
  });

  it('a worktree or submodule (.git is a file) is a top level too', async () => {
    const repo = path.join(shared, 'worktree');
    mkdirSync(repo);
    writeFileSync(path.join(repo, '.git'), 'gitdir: /elsewhere/.git/worktrees/x\n');
    assert.equal(await repositoryTop(path.join(repo)), repo);
    assert.equal(await findRunLogRoot(repo), repo);
  });
});
