import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { discoverProjects, findProjectMarkers, loadProject } from '../core/project/discovery';
import { formatProjectSummary } from '../core/project/summary';
import { type PrismaProject } from '../core/project/types';

/** Raised for bad input: printed as one line on stderr, exit code 2, no stack trace. */
export class UsageError extends Error {}

const HELP = `drift-guard — drift between schema.prisma, migrations and PostgreSQL databases

Usage:
  drift-guard projects [--project DIR] [--json]   find the Prisma projects under DIR and describe them

Options:
  --project DIR   project root or a folder to search (default: current directory)
  --json          machine-readable output
  -h, --help      this help
  -v, --version   print the version

Exit codes: 0 nothing found, 1 problems found, 2 bad input or failure.`;

declare const __DRIFT_GUARD_VERSION__: string | undefined;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Loads the project at `dir`, or the projects found below it when `dir` is not itself a project. */
export async function projectsAt(dir: string, env: Record<string, string | undefined>): Promise<PrismaProject[]> {
  const direct = await loadProject(dir, { env });
  if (!direct.problems.some((p) => p.code === 'no-schema') || direct.configFile) return [direct];
  const markers = await findProjectMarkers(dir);
  return discoverProjects(markers, { env });
}

async function cmdProjects(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { project: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const dir = path.resolve(io.cwd, values.project ?? '.');
  const projects = await projectsAt(dir, io.env);
  if (projects.length === 0 || (projects.length === 1 && projects[0].schemaFiles.length === 0 && projects[0].problems.some((p) => p.code === 'no-schema'))) {
    throw new UsageError(`No Prisma project in ${dir} (looked for prisma/schema.prisma, schema.prisma, prisma/schema/, prisma.config.ts)`);
  }
  if (values.json) {
    io.out(JSON.stringify(projects.map((p) => ({ ...p, schemaFiles: p.schemaFiles.map((f) => f.path), lockFile: p.lockFile ? { path: p.lockFile.path, provider: p.lockFile.provider } : undefined })), null, 2));
  } else {
    io.out(projects.map(formatProjectSummary).join('\n\n'));
  }
  return projects.some((p) => p.problems.some((x) => x.severity === 'error')) ? 1 : 0;
}

/** Runs the CLI; returns the exit code. Exported for tests. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(HELP);
        return command === undefined ? 2 : 0;
      case '-v':
      case '--version':
        io.out(typeof __DRIFT_GUARD_VERSION__ === 'string' ? __DRIFT_GUARD_VERSION__ : 'dev');
        return 0;
      case 'projects':
        return await cmdProjects(rest, io);
      default:
        throw new UsageError(`Unknown command "${command}". Run drift-guard --help.`);
    }
  } catch (err) {
    io.err(`drift-guard: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    cwd: process.cwd(),
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
