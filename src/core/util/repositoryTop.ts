/**
 * How far up the CLI may look for configuration (`.vscode/settings.json`) and for a shared run log
 * (`.drift-guard/`): the repository's top level and never above it, so a file planted in a shared parent
 * (`/tmp`, a home directory) is never read or written.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * The top level of the git work tree holding `start` (the nearest folder at or above it with a `.git` entry:
 * a folder, or the file of a worktree or submodule), else `start` itself.
 */
export async function repositoryTop(start: string): Promise<string> {
  const from = path.resolve(start);
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      await fs.stat(path.join(dir, '.git'));
      return dir;
    } catch {
      // Not here.
    }
    if (path.dirname(dir) === dir) return from;
  }
}

/** The folders from `start` up to its {@link repositoryTop}, nearest first. */
export async function foldersUpToRepositoryTop(start: string): Promise<string[]> {
  const top = await repositoryTop(start);
  const out: string[] = [];
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    out.push(dir);
    if (dir === top || path.dirname(dir) === dir) return out;
  }
}
