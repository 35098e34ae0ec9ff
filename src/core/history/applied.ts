import { type PrismaProject } from '../project/types';
import { type HistoryStatus } from './status';

/**
 * The project as a database's history has it: only the local migrations recorded as applied
 * (modified ones included — their local text is all we have). Live drift compares a database with
 * these, so a migration that is merely pending is not reported as drift.
 */
export function projectAsApplied(project: PrismaProject, status: HistoryStatus): PrismaProject {
  const applied = new Set(status.migrations.filter((m) => m.state === 'applied' || m.state === 'modified').map((m) => m.name));
  return { ...project, migrations: project.migrations.filter((m) => applied.has(m.name)) };
}
