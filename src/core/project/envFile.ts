/**
 * `.env` parsing with the rules Prisma relies on (dotenv + dotenv-expand): `KEY=value`,
 * optional `export`, single/double/backtick quotes, multi-line double-quoted values with `\n`
 * escapes, `#` comments, and `${VAR}` expansion.
 */

export interface EnvEntry {
  key: string;
  value: string;
  /** 1-based line of the key. */
  line: number;
}

const LINE = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/gm;

/** Parses the text of a `.env` file. Later keys win, as in dotenv. */
export function parseEnvFile(text: string): EnvEntry[] {
  const src = text.replace(/\r\n?/g, '\n');
  const entries: EnvEntry[] = [];
  LINE.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = LINE.exec(src)) !== null) {
    const key = match[1];
    let value = (match[2] ?? '').trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/m, '$2');
    if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    const keyOffset = match.index + match[0].indexOf(key);
    const line = src.slice(0, keyOffset).split('\n').length;
    entries.push({ key, value, line });
  }
  return entries;
}

/**
 * Expands `${VAR}` and `$VAR` references the way dotenv-expand does: from the already-set
 * environment first, then from the file itself. `\$` escapes a dollar.
 */
export function expandEnv(values: Record<string, string>, base: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  const resolve = (key: string, seen: Set<string>): string => {
    if (base[key] !== undefined) return base[key];
    if (out[key] !== undefined) return out[key];
    const raw = values[key];
    if (raw === undefined || seen.has(key)) return '';
    seen.add(key);
    const expanded = raw.replace(/(\\)?\$\{?([A-Za-z_]\w*)(?::-([^}]*))?\}?/g, (whole, escape: string | undefined, name: string, fallback: string | undefined) => {
      if (escape) return whole.slice(1);
      const v = resolve(name, seen);
      return v === '' && fallback !== undefined ? fallback : v;
    });
    return expanded;
  };
  for (const key of Object.keys(values)) {
    out[key] = resolve(key, new Set());
  }
  return out;
}
