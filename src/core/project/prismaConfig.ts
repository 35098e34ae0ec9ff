import * as l10n from '@vscode/l10n';
import * as path from 'node:path';

/**
 * Reads `prisma.config.ts` without executing it. Prisma runs the file; we cannot (it may import
 * anything), so we read the common static shapes — string literals, `path.join(…)`, `env('X')`,
 * `process.env.X` — and say clearly when a value is computed some other way.
 */

export type ConfigValue =
  | { kind: 'string'; value: string; offset: number }
  | { kind: 'env'; variable: string; fallback?: string; offset: number; expression: string }
  | { kind: 'expression'; expression: string; offset: number };

export interface PrismaConfigFile {
  file: string;
  /** `schema` property. */
  schema?: ConfigValue;
  /** `migrations.path`. */
  migrationsPath?: ConfigValue;
  /** `datasource.url` (Prisma 7). */
  url?: ConfigValue;
  /** `datasource.directUrl`. */
  directUrl?: ConfigValue;
  /** `datasource.shadowDatabaseUrl`. */
  shadowDatabaseUrl?: ConfigValue;
  /** Whether the file loads `.env` itself (`import 'dotenv/config'`). */
  loadsDotenv: boolean;
  /** Set when no config object could be found. */
  problem?: string;
  /** Maps an offset in the file to a 1-based line / character. */
  positionOf(offset: number): { line: number; character: number };
}

export const CONFIG_FILE_NAMES = [
  'prisma.config.ts',
  'prisma.config.mts',
  'prisma.config.cts',
  'prisma.config.js',
  'prisma.config.mjs',
  'prisma.config.cjs',
  '.config/prisma.ts',
];

/** Replaces comments with spaces (newlines kept) so offsets stay valid. */
function blankComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = skipString(src, i);
      out += src.slice(i, end);
      i = end - 1;
      continue;
    }
    if (ch === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') {
        out += ' ';
        i++;
      }
      if (i < src.length) out += '\n';
      continue;
    }
    if (ch === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

function skipString(src: string, start: number): number {
  const quote = src[start];
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === '\\') {
      i++;
      continue;
    }
    if (src[i] === quote) return i + 1;
    if (quote !== '`' && src[i] === '\n') return i;
  }
  return src.length;
}

/** Index just past the bracket matching the one at `open`. */
function skipBalanced(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const ch = src[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipString(src, i) - 1;
      continue;
    }
    if (ch === '{' || ch === '(' || ch === '[') depth++;
    else if (ch === '}' || ch === ')' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return src.length;
}

interface RawProperty {
  raw: string;
  offset: number;
}

/** Top-level properties of the object literal whose `{` is at `open`. */
function objectProperties(src: string, open: number): Map<string, RawProperty> {
  const props = new Map<string, RawProperty>();
  const end = skipBalanced(src, open) - 1;
  let i = open + 1;
  while (i < end) {
    while (i < end && /[\s,]/.test(src[i])) i++;
    if (i >= end) break;
    if (src.startsWith('...', i)) {
      i = nextComma(src, i, end);
      continue;
    }
    const keyMatch = /^(?:([A-Za-z_$][\w$]*)|"([^"]*)"|'([^']*)')\s*(:)?/.exec(src.slice(i, end));
    if (!keyMatch) {
      i = nextComma(src, i, end);
      continue;
    }
    const key = keyMatch[1] ?? keyMatch[2] ?? keyMatch[3];
    i += keyMatch[0].length;
    if (!keyMatch[4]) {
      // Shorthand `{ schema }` or a method: record the identifier as an expression.
      props.set(key, { raw: key, offset: i - keyMatch[0].length });
      i = nextComma(src, i, end);
      continue;
    }
    while (i < end && /\s/.test(src[i])) i++;
    const valueEnd = nextComma(src, i, end);
    props.set(key, { raw: src.slice(i, valueEnd).trim(), offset: i });
    i = valueEnd;
  }
  return props;
}

function nextComma(src: string, from: number, end: number): number {
  return nextTopLevel(src, from, end, (ch) => ch === ',');
}

/** The first character at nesting depth 0 (outside strings and brackets) that `stop` accepts, else `end`. */
function nextTopLevel(src: string, from: number, end: number, stop: (ch: string) => boolean): number {
  for (let i = from; i < end; i++) {
    const ch = src[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipString(src, i) - 1;
      continue;
    }
    if (ch === '{' || ch === '(' || ch === '[') {
      i = skipBalanced(src, i) - 1;
      continue;
    }
    if (stop(ch)) return i;
  }
  return end;
}

function stringLiteral(raw: string): string | undefined {
  const m = /^(['"])((?:\\.|(?!\1).)*)\1$/s.exec(raw) ?? /^`([^`$]*)`$/.exec(raw);
  if (!m) return undefined;
  return (m.length === 3 ? m[2] : m[1]).replace(/\\(.)/g, '$1');
}

/** Interprets a property's raw value text. */
function interpret(prop: RawProperty, identifiers: Map<string, RawProperty>, depth = 0): ConfigValue {
  const raw = prop.raw
    .replace(/\s+as\s+[\w.<>[\]| ]+$/, '')
    .replace(/!$/, '')
    .trim();
  const literal = stringLiteral(raw);
  if (literal !== undefined) return { kind: 'string', value: literal, offset: prop.offset };

  const envCall = /^env\s*(?:<[^>]*>)?\(\s*(['"`])([\w.-]+)\1\s*\)$/.exec(raw);
  if (envCall) return { kind: 'env', variable: envCall[2], offset: prop.offset, expression: raw };

  const processEnv =
    /^process\.env(?:\.([A-Za-z_]\w*)|\[\s*(['"])([\w.-]+)\2\s*\])\s*!?\s*(?:(?:\?\?|\|\|)\s*(.+))?$/.exec(raw);
  if (processEnv) {
    const fallback = processEnv[4] !== undefined ? stringLiteral(processEnv[4].trim()) : undefined;
    return fallback !== undefined
      ? { kind: 'env', variable: processEnv[1] ?? processEnv[3], fallback, offset: prop.offset, expression: raw }
      : { kind: 'env', variable: processEnv[1] ?? processEnv[3], offset: prop.offset, expression: raw };
  }

  const join = /^(?:path\.)?(join|resolve)\s*\(([\s\S]*)\)$/.exec(raw);
  if (join) {
    const parts = join[2]
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    const strings: string[] = [];
    for (const part of parts) {
      if (part === '__dirname' || part === 'import.meta.dirname' || part === 'process.cwd()') continue;
      const s = stringLiteral(part);
      if (s === undefined) return { kind: 'expression', expression: raw, offset: prop.offset };
      strings.push(s);
    }
    return { kind: 'string', value: path.posix.join(...strings), offset: prop.offset };
  }

  if (/^[A-Za-z_$][\w$]*$/.test(raw) && identifiers.has(raw) && depth < 3) {
    return interpret(identifiers.get(raw)!, identifiers, depth + 1);
  }
  return { kind: 'expression', expression: raw, offset: prop.offset };
}

/** Top-level `const NAME = value` declarations, so `schema: schemaPath` can be followed. */
function constDeclarations(src: string): Map<string, RawProperty> {
  const out = new Map<string, RawProperty>();
  const re = /(?:^|\n)\s*(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) {
    const start = m.index + m[0].length;
    const end = nextStatementEnd(src, start);
    out.set(m[1], { raw: src.slice(start, end).trim(), offset: start });
  }
  return out;
}

function nextStatementEnd(src: string, from: number): number {
  return nextTopLevel(src, from, src.length, (ch) => ch === ';' || ch === '\n');
}

/** Finds the `{` of the exported config object. */
function findConfigObject(src: string, consts: Map<string, RawProperty>): number | undefined {
  const define = /defineConfig\s*(?:<[^>]*>)?\(\s*\{/.exec(src);
  if (define) return define.index + define[0].length - 1;
  const exported =
    /export\s+default\s+(\{|[A-Za-z_$][\w$]*)/.exec(src) ?? /module\.exports\s*=\s*(\{|[A-Za-z_$][\w$]*)/.exec(src);
  if (!exported) return undefined;
  if (exported[1] === '{') return exported.index + exported[0].length - 1;
  const decl = consts.get(exported[1]);
  if (decl) {
    const brace = decl.raw.indexOf('{');
    if (brace >= 0) return decl.offset + brace;
  }
  return undefined;
}

/** Parses a prisma config file's text. Never throws. */
export function parsePrismaConfig(file: string, text: string): PrismaConfigFile {
  const src = blankComments(text);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const positionOf = (offset: number): { line: number; character: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, character: offset - lineStarts[lo] + 1 };
  };
  const result: PrismaConfigFile = {
    file,
    loadsDotenv:
      /import\s+['"]dotenv\/config['"]|require\(\s*['"]dotenv\/config['"]\s*\)|dotenv\.config\s*\(|loadEnvFile\s*\(/.test(
        src,
      ),
    positionOf,
  };
  const consts = constDeclarations(src);
  const open = findConfigObject(src, consts);
  if (open === undefined) {
    result.problem = l10n.t(
      '{0} has no static config object (expected {1})',
      path.basename(file),
      '`export default defineConfig({ … })`',
    );
    return result;
  }
  const props = objectProperties(src, open);
  const schema = props.get('schema');
  if (schema) result.schema = interpret(schema, consts);
  const nested = (key: string): Map<string, RawProperty> | undefined => {
    const p = props.get(key);
    if (!p) return undefined;
    const target = p.raw.startsWith('{') ? p : consts.get(p.raw);
    if (!target || !target.raw.startsWith('{')) return undefined;
    return objectProperties(src, target.offset);
  };
  const migrations = nested('migrations');
  const migrationsPath = migrations?.get('path');
  if (migrationsPath) result.migrationsPath = interpret(migrationsPath, consts);
  const datasource = nested('datasource');
  for (const key of ['url', 'directUrl', 'shadowDatabaseUrl'] as const) {
    const p = datasource?.get(key);
    if (p) result[key] = interpret(p, consts);
  }
  return result;
}
