import * as path from 'node:path';
import { type PrismaProject } from './types';

/**
 * The projects a discovery changed, to analyse again (in a monorepo or a multi-root workspace, the others
 * are left alone): all of them after a `*` change; otherwise the new ones, those whose discovered data
 * differs from `previous` (root → JSON), and the owners of each changed file (a `migration.sql` edit
 * changes no discovered data).
 */
export function changedProjects(
  projects: readonly PrismaProject[],
  previous: ReadonlyMap<string, string>,
  files: readonly string[],
): PrismaProject[] {
  if (files.includes('*')) return [...projects];
  const owners = new Set<PrismaProject>();
  for (const file of new Set(files)) for (const owner of ownersOf(file, projects)) owners.add(owner);
  return projects.filter((p) => owners.has(p) || previous.get(p.root) !== JSON.stringify(p));
}

/**
 * The projects a changed file belongs to: those that read it (schema, migrations, lock file, config, .env),
 * else the project with the deepest root above it (a package.json), else every project (a file outside
 * any project may be one that discovery missed).
 */
export function ownersOf(file: string, projects: readonly PrismaProject[]): readonly PrismaProject[] {
  const inside = (dir: string): boolean => file === dir || file.startsWith(dir + path.sep);
  const readers = projects.filter(
    (p) =>
      p.schemaFiles.some((f) => f.path === file) ||
      (p.schemaKind === 'folder' && inside(p.schemaPath)) ||
      inside(p.migrationsDir) ||
      p.lockFile?.path === file ||
      p.configFile === file ||
      p.envFiles.includes(file),
  );
  if (readers.length > 0) return readers;
  const above = projects.filter((p) => inside(p.root)).sort((a, b) => b.root.length - a.root.length);
  if (above.length > 0) return above.filter((p) => p.root === above[0].root);
  return projects;
}
