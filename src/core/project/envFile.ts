import { readFile } from 'node:fs/promises';
import { parse } from 'dotenv';
import { expand } from 'dotenv-expand';

/**
 * `.env` files read with the libraries Prisma itself uses: `dotenv` parses (`KEY=value`, optional `export`,
 * single/double/backtick quotes, multi-line double-quoted values with `\n` escapes, `#` comments) and
 * `dotenv-expand` expands `${VAR}`, `$VAR` and `${VAR:-default}`. Where they differ from what we wrote before,
 * they win: that is what `prisma` does with the same file.
 */

export interface EnvEntry {
  key: string;
  value: string;
  /** 1-based line of the key (of its last assignment, the one dotenv keeps). */
  line: number;
}

/** Parses the text of a `.env` file: one entry per key, in file order. Later assignments win, as in dotenv. */
export function parseEnvFile(text: string): EnvEntry[] {
  const values = parse(text);
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // dotenv gives no positions: the last line that assigns the key is the one whose value it kept.
  const lineOf = (key: string): number => {
    const assigns = new RegExp(`^\\s*(?:export\\s+)?${key.replace(/[.-]/g, '\\$&')}\\s*[=:]`);
    for (let i = lines.length - 1; i >= 0; i--) if (assigns.test(lines[i])) return i + 1;
    return 0;
  };
  return Object.entries(values)
    .map(([key, value]) => ({ key, value, line: lineOf(key) }))
    .sort((a, b) => a.line - b.line);
}

/**
 * Expands `${VAR}` and `$VAR` references with dotenv-expand: a variable already set in `base` (the process
 * environment) wins over the file, as in Prisma. `base` is not modified.
 */
export function expandEnv(
  values: Record<string, string>,
  base: Record<string, string | undefined>,
): Record<string, string> {
  const processEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) processEnv[k] = v;
  return expand({ parsed: { ...values }, processEnv }).parsed ?? {};
}

/**
 * The value of `name`: from `env` (the process environment) when set, else from the first of `envFiles`
 * (the project's `.env` files, Prisma's order) that gives it a non-empty value after expansion. An unreadable
 * or missing file is skipped, as Prisma skips it.
 */
export async function lookupEnvVariable(
  envFiles: readonly string[],
  name: string,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  if (env[name]) return env[name];
  for (const file of envFiles) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const values: Record<string, string> = {};
    for (const entry of parseEnvFile(text)) values[entry.key] = entry.value;
    const value = expandEnv(values, env)[name];
    if (value) return value;
  }
  return undefined;
}
