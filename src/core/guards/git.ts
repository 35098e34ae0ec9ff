/**
 * The few git questions the guard rails ask, through `git` with an argv array (never a shell string):
 * the committed content of a migration (to restore an applied one that was edited or deleted), and the
 * order migrations were first committed in (the "written" order of same-day migrations).
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { type AddingCommit, addingCommitsFromGitLog, MAX_COMMITS } from './commitMessages';
import { type ObservedOrder, writtenOrderFromGitLog } from './migrationNames';
import { DriftGuardError } from '../util/errors';

interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function git(cwd: string, args: string[], timeoutMs = 15_000): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd,
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
        timeout: timeoutMs,
        windowsHide: true,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new GitError('no-git', l10n.t('git is not installed (or not on PATH).')));
          return;
        }
        const code = error
          ? typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}

/** The codes of {@link GitError}. */
export type GitErrorCode = 'no-git' | 'not-a-repository' | 'no-commit' | 'not-committed' | 'failed';

/** Why git could not answer; `message` is one sentence for the user. */
export class GitError extends DriftGuardError<GitErrorCode> {
  override readonly name = 'GitError';
  constructor(code: GitErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * The repository's top folder containing `dir`, or undefined when `dir` is not in a git work tree. Rejects with a
 * {@link GitError} (`no-git`) when git is not installed: that is not "outside a repository".
 */
export async function repositoryRoot(dir: string): Promise<string | undefined> {
  const result = await git(dir, ['rev-parse', '--show-toplevel']);
  if (result.code !== 0) return undefined;
  return result.stdout.toString('utf8').trim() || undefined;
}

/** A path relative to the repository root, with forward slashes (git's spelling). */
function repoPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** One file as committed in HEAD: its path and exact bytes (line endings as stored by git). */
export interface CommittedFile {
  path: string;
  content: Buffer;
}

/**
 * Every file of `dir` (a migration folder) as committed in HEAD, byte for byte (`git show HEAD:path`).
 * Throws a {@link GitError} when the folder is not in a repository, there is no commit yet, or the
 * folder was never committed.
 */
export async function committedFolder(dir: string): Promise<CommittedFile[]> {
  const parent = await existingAncestor(dir);
  const root = await repositoryRoot(parent);
  if (!root) {
    throw new GitError(
      'not-a-repository',
      l10n.t('{0} is not in a git repository: there is no committed version to restore.', dir),
    );
  }
  const head = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  if (head.code !== 0) {
    throw new GitError(
      'no-commit',
      l10n.t('The repository at {0} has no commit yet: there is no committed version to restore.', root),
    );
  }
  const rel = repoPath(root, dir);
  const list = await git(root, ['ls-tree', '-r', '--name-only', '-z', 'HEAD', '--', `${rel}/`]);
  if (list.code !== 0) throw new GitError('failed', l10n.t('{0} failed: {1}', 'git ls-tree', list.stderr.trim()));
  const files = list.stdout.toString('utf8').split('\0').filter(Boolean);
  if (files.length === 0) {
    throw new GitError(
      'not-committed',
      l10n.t('{0} is not in the last commit (HEAD): it was never committed, so git cannot restore it.', rel),
    );
  }
  const out: CommittedFile[] = [];
  for (const file of files) {
    const shown = await git(root, ['show', `HEAD:${file}`]);
    if (shown.code !== 0) {
      throw new GitError('failed', l10n.t('{0} failed: {1}', `git show HEAD:${file}`, shown.stderr.trim()));
    }
    out.push({ path: path.join(root, ...file.split('/')), content: shown.stdout });
  }
  return out;
}

/** Whether `file` is in HEAD (false outside a repository). */
export async function isCommitted(file: string): Promise<boolean> {
  const root = await repositoryRoot(await existingAncestor(path.dirname(file)));
  if (!root) return false;
  const result = await git(root, ['cat-file', '-e', `HEAD:${repoPath(root, file)}`]);
  return result.code === 0;
}

/** Whether HEAD has any file under `dir` (false outside a repository, or when git does not track that folder). */
export async function hasCommittedFiles(dir: string): Promise<boolean> {
  const root = await repositoryRoot(await existingAncestor(dir));
  if (!root) return false;
  if (!(await hasHead(root))) return false;
  const list = await git(root, ['ls-tree', '-r', '--name-only', '-z', 'HEAD', '--', `${repoPath(root, dir)}/`]);
  if (list.code !== 0) throw new GitError('failed', l10n.t('{0} failed: {1}', 'git ls-tree', list.stderr.trim()));
  return list.stdout.length > 0;
}

/**
 * The order the migrations of `migrationsDir` were first committed in (undefined outside git or before the first
 * commit). Rejects with a {@link GitError} when git is missing or fails in the repository.
 */
export async function writtenOrder(migrationsDir: string): Promise<ObservedOrder | undefined> {
  const root = await repositoryRoot(await existingAncestor(migrationsDir));
  if (!root) return undefined;
  const rel = repoPath(root, migrationsDir);
  const log = await git(root, ['log', '--diff-filter=A', '--format=%x00%ct', '--name-only', '--', `${rel}/`]);
  if (log.code !== 0) return failedLog(root, log);
  return writtenOrderFromGitLog(log.stdout.toString('utf8'), rel);
}

/**
 * The commit that first added each migration of `migrationsDir` (undefined outside git or before the first
 * commit), from at most {@link MAX_COMMITS} commits. Rejects with a {@link GitError} when git is missing or fails in
 * the repository.
 */
export async function addingCommits(migrationsDir: string): Promise<Map<string, AddingCommit> | undefined> {
  const root = await repositoryRoot(await existingAncestor(migrationsDir));
  if (!root) return undefined;
  const rel = repoPath(root, migrationsDir);
  const log = await git(root, [
    'log',
    '--diff-filter=A',
    `--max-count=${MAX_COMMITS}`,
    '--format=%x00%H%x1f%B%x1e',
    '--name-only',
    '--',
    `${rel}/`,
  ]);
  if (log.code !== 0) return failedLog(root, log);
  return addingCommitsFromGitLog(log.stdout.toString('utf8'), rel);
}

/** Whether the repository at `root` has a commit (HEAD resolves). */
async function hasHead(root: string): Promise<boolean> {
  return (await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD'])).code === 0;
}

/** A failed `git log`: nothing to read in a repository without a commit yet, a {@link GitError} otherwise. */
async function failedLog(root: string, log: GitResult): Promise<undefined> {
  if (!(await hasHead(root))) return undefined;
  throw new GitError('failed', l10n.t('{0} failed: {1}', 'git log', log.stderr.trim()));
}

/** `dir` or its closest existing parent (a deleted migration folder is not a valid cwd). */
async function existingAncestor(dir: string): Promise<string> {
  for (let current = dir; ; current = path.dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info?.isDirectory()) return current;
    if (path.dirname(current) === current) return current;
  }
}

/** The branches a review compares with, in order: the first that names a commit is the main branch. */
export const MAIN_BRANCHES = ['origin/main', 'main', 'master'] as const;

/**
 * The repository of `dir` and its main branch (the first of {@link MAIN_BRANCHES} that names a commit; undefined
 * when none does). Undefined outside a repository.
 */
export async function mainBranch(
  dir: string,
): Promise<{ root: string; ref: string | undefined; hasHead: boolean } | undefined> {
  const root = await repositoryRoot(await existingAncestor(dir));
  if (!root) return undefined;
  const head = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  for (const ref of MAIN_BRANCHES) {
    const found = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (found.code === 0) return { root, ref, hasHead: head.code === 0 };
  }
  return { root, ref: undefined, hasHead: head.code === 0 };
}

/** The migration folders (those with a migration.sql) of `migrationsDir` in the commit `ref`. */
export async function migrationFoldersAt(root: string, ref: string, migrationsDir: string): Promise<string[]> {
  const rel = repoPath(root, migrationsDir);
  const list = await git(root, ['ls-tree', '-r', '--name-only', '-z', ref, '--', `${rel}/`]);
  if (list.code !== 0) {
    throw new GitError('failed', l10n.t('{0} failed: {1}', `git ls-tree ${ref}`, list.stderr.trim()));
  }
  const prefix = rel ? `${rel}/` : '';
  return list.stdout
    .toString('utf8')
    .split('\0')
    .filter((f) => f.startsWith(prefix) && /^[^/]+\/migration\.sql$/.test(f.slice(prefix.length)))
    .map((f) => f.slice(prefix.length).split('/')[0]);
}
