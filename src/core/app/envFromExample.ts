import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseEnvFile } from '../project/envFile';
import { type PrismaProject } from '../project/types';

/** A variable of the new `.env` the user has to look at, with its 1-based line. */
export interface EnvVariableToFill {
  name: string;
  line: number;
  /** The datasource URL reads it (the one that makes the Migrations view show the database). */
  datasource: boolean;
  /** Empty in the example, or a placeholder such as `change-me`. */
  placeholder: boolean;
}

export type EnvFromExampleResult =
  | { status: 'created'; envPath: string; examplePath: string; toFill: EnvVariableToFill[] }
  /** A `.env` is already there: it is kept as it is. */
  | { status: 'exists'; envPath: string; examplePath: string }
  | { status: 'noExample'; envPath: string; examplePath: string };

/** Where a project's `.env.example` and `.env` are: its root, where Prisma loads `.env` from. */
export function envExamplePaths(project: Pick<PrismaProject, 'root'>): { examplePath: string; envPath: string } {
  return { examplePath: path.join(project.root, '.env.example'), envPath: path.join(project.root, '.env') };
}

/** The variables the datasource URL reads (`env("DATABASE_URL")`, `env('DATABASE_URL')` in prisma.config.ts). */
export function datasourceVariables(project: Pick<PrismaProject, 'datasource'>): string[] {
  const out: string[] = [];
  for (const source of [project.datasource?.url, project.datasource?.directUrl]) {
    if ((source?.kind === 'env' || source?.kind === 'config') && source.variable && !out.includes(source.variable)) {
      out.push(source.variable);
    }
  }
  return out;
}

const PLACEHOLDER = /^$|change[-_ ]?me|your[-_]|<[^>]*>|xxx|example|placeholder|todo/i;

/**
 * Copies `.env.example` to `.env` — never over an existing `.env` (the copy is exclusive, so a `.env` created
 * meanwhile is not overwritten either) — and says which variables to fill in: the datasource's first, then the
 * example's empty or placeholder values.
 */
export async function createEnvFromExample(
  project: Pick<PrismaProject, 'root' | 'datasource'>,
): Promise<EnvFromExampleResult> {
  const { examplePath, envPath } = envExamplePaths(project);
  try {
    await fs.copyFile(examplePath, envPath, constants.COPYFILE_EXCL);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return { status: 'exists', envPath, examplePath };
    if (code === 'ENOENT') {
      // copyFile says ENOENT for a missing source; a missing destination folder cannot happen (the root exists).
      return { status: 'noExample', envPath, examplePath };
    }
    throw err;
  }
  const entries = parseEnvFile(await fs.readFile(envPath, 'utf8'));
  const wanted = datasourceVariables(project);
  const toFill: EnvVariableToFill[] = [];
  for (const entry of entries) {
    const datasource = wanted.includes(entry.key);
    const placeholder = PLACEHOLDER.test(entry.value);
    if (datasource || placeholder) toFill.push({ name: entry.key, line: entry.line, datasource, placeholder });
  }
  // The datasource's variable first, even when the example lacks it (line 0: to be added).
  for (const name of wanted) {
    if (!toFill.some((v) => v.name === name)) toFill.push({ name, line: 0, datasource: true, placeholder: true });
  }
  toFill.sort((a, b) => Number(b.datasource) - Number(a.datasource) || a.line - b.line);
  return { status: 'created', envPath, examplePath, toFill };
}
