/**
 * OpenSSH `known_hosts`: parsing (plain and hashed host names, `[host]:port`, wildcard and negated patterns,
 * `@revoked` / `@cert-authority` markers), checking a presented host key the way `ssh` does, fingerprints as
 * `ssh` prints them, and appending a newly accepted key.
 *
 * Everything but {@link readKnownHostsFiles} and {@link appendKnownHostLine} is pure and synchronous.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  file: string;
  /** 1-based line number in {@link file}. */
  line: number;
  /** `@revoked` and `@cert-authority` lines; undefined for ordinary host keys. */
  marker?: 'revoked' | 'cert-authority';
  /** Comma-separated host patterns as written, or a hashed name. */
  hosts: { kind: 'patterns'; patterns: readonly string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, … (also the type inside {@link key}). */
  keyType: string;
  /** The public key blob (the base64 field, decoded). */
  key: Buffer;
  comment?: string;
}

/** A line that was skipped, with the reason (shown in diagnostics, never fatal). */
export interface KnownHostsProblem {
  file: string;
  line: number;
  message: string;
}

/** Result of {@link parseKnownHosts} / {@link readKnownHostsFiles}. */
export interface ParsedKnownHosts {
  entries: KnownHostEntry[];
  problems: KnownHostsProblem[];
}

/**
 * Parses the text of a known_hosts file. Blank lines and `#` comments are ignored; malformed lines (bad base64,
 * a blob whose type differs from the declared one, an unknown marker) are reported in `problems` and skipped,
 * as `ssh` skips them.
 */
export function parseKnownHosts(text: string, file = '<known_hosts>'): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].replace(/\r$/, '').trim();
    if (!raw || raw.startsWith('#')) continue;
    const fields = raw.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift() ?? '';
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        problems.push({ file, line: lineNo, message: l10n.t('unknown marker {0}', m) });
        continue;
      }
    }
    const [hostField, keyType, keyBase64, ...commentParts] = fields;
    if (!hostField || !keyType || !keyBase64) {
      problems.push({ file, line: lineNo, message: l10n.t('expected "hosts keytype base64-key [comment]"') });
      continue;
    }
    const key = decodeBase64Strict(keyBase64);
    if (!key) {
      problems.push({ file, line: lineNo, message: l10n.t('the key is not valid base64') });
      continue;
    }
    const innerType = keyTypeOfBlob(key);
    if (innerType !== keyType) {
      problems.push({
        file,
        line: lineNo,
        message: innerType
          ? l10n.t('the key says it is {0}, the line says {1}', innerType, keyType)
          : l10n.t('the key is unreadable, the line says {0}', keyType),
      });
      continue;
    }
    let hosts: KnownHostEntry['hosts'];
    if (hostField.startsWith('|')) {
      const hashed = parseHashedHost(hostField);
      if (!hashed) {
        problems.push({
          file,
          line: lineNo,
          message: l10n.t('unsupported hashed host name {0}…', hostField.slice(0, 8)),
        });
        continue;
      }
      hosts = { kind: 'hashed', ...hashed };
    } else {
      hosts = { kind: 'patterns', patterns: hostField.split(',').filter(Boolean) };
    }
    const entry: KnownHostEntry = { file, line: lineNo, hosts, keyType, key };
    if (marker) entry.marker = marker;
    if (commentParts.length > 0) entry.comment = commentParts.join(' ');
    entries.push(entry);
  }
  return { entries, problems };
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as written with `HashKnownHosts yes`. */
function parseHashedHost(field: string): { salt: Buffer; hash: Buffer } | undefined {
  const parts = field.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== '1') return undefined;
  const salt = decodeBase64Strict(parts[2]);
  const hash = decodeBase64Strict(parts[3]);
  if (!salt || !hash || salt.length !== 20 || hash.length !== 20) return undefined;
  return { salt, hash };
}

function decodeBase64Strict(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.length > 0 ? buf : undefined;
}

/** The key type at the start of an SSH public key blob (`ssh-ed25519`, …), or undefined when malformed. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  const type = blob.toString('latin1', 4, 4 + len);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** `SHA256:` + unpadded base64 of the SHA-256 of the key blob: what `ssh` and `ssh-keygen -lf` print. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name `ssh` looks up in known_hosts: `host` on port 22, else `[host]:port`; lower-cased. */
export function knownHostName(host: string, port = 22): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `|1|salt|hash` for `name` (salt random unless given), the form `ssh-keygen -H` writes. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/** A known_hosts line for `name` (see {@link knownHostName}) and `blob`, hashed when asked. */
export function formatKnownHostsLine(
  name: string,
  blob: Buffer,
  options: { hash?: boolean; comment?: string } = {},
): string {
  const type = keyTypeOfBlob(blob);
  if (!type) throw new Error('formatKnownHostsLine: not an SSH public key blob');
  const hostField = options.hash ? hashHostName(name) : name;
  return [hostField, type, blob.toString('base64'), ...(options.comment ? [options.comment] : [])].join(' ');
}

/**
 * OpenSSH's `match_pattern`: `*` any run, `?` one character, everything else literal; case-insensitive
 * (ssh lower-cases the host name, and known_hosts patterns are host names).
 */
export function matchGlob(subject: string, pattern: string): boolean {
  const s = subject.toLowerCase();
  const p = pattern.toLowerCase();
  // Iterative wildcard match with backtracking on the last `*` (linear enough for host names).
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** True when the entry's host field names `hostName` (a {@link knownHostName}): a negated pattern wins. */
export function entryMatchesHost(entry: KnownHostEntry, hostName: string): boolean {
  const name = hostName.toLowerCase();
  if (entry.hosts.kind === 'hashed') {
    const actual = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return timingSafeEqual(actual, entry.hosts.hash);
  }
  let matched = false;
  for (const pattern of entry.hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (matchGlob(name, pattern.slice(1))) return false;
    } else if (matchGlob(name, pattern)) {
      matched = true;
    }
  }
  return matched;
}

/** The verdict on a presented host key. */
export type HostKeyCheck =
  /** An ordinary entry for this host holds exactly this key. */
  | { status: 'trusted'; entry: KnownHostEntry }
  /** An `@revoked` entry for this host holds this key: never connect. */
  | { status: 'revoked'; entry: KnownHostEntry }
  /** Entries for this host hold other keys of the same type: the server's key changed (or someone intercepts). */
  | { status: 'changed'; expected: KnownHostEntry[] }
  /** Nothing known for this key type; `otherTypes` lists the key types that are known for this host. */
  | { status: 'unknown'; otherTypes: string[] };

/**
 * Checks `blob` presented by the server named `hostName` ({@link knownHostName}) against `entries`, with the
 * rules `ssh` applies: revoked wins, then an exact match, then a same-type different key is a change; a key of
 * a type not known for the host is "unknown" (ssh asks, noting the other known types).
 * `@cert-authority` lines are ignored: they vouch for host certificates, which ssh2 does not negotiate.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], hostName: string, blob: Buffer): HostKeyCheck {
  const keyType = keyTypeOfBlob(blob);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, hostName));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const exact = plain.find((e) => e.key.equals(blob));
  if (exact) return { status: 'trusted', entry: exact };
  const sameType = plain.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) return { status: 'changed', expected: sameType };
  return { status: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** Server host key algorithms ssh2 can negotiate, in its default order of preference. */
export const HOST_KEY_ALGORITHMS: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

const ALGORITHMS_BY_KEY_TYPE: Readonly<Record<string, readonly string[]>> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * {@link HOST_KEY_ALGORITHMS} reordered so the key types already known for `hostName` come first, as `ssh`
 * does: a server with several host keys then presents the one we know instead of one we would have to ask about.
 */
export function preferredHostKeyAlgorithms(entries: readonly KnownHostEntry[], hostName: string): string[] {
  const known: string[] = [];
  for (const e of entries) {
    if (e.marker !== undefined || !entryMatchesHost(e, hostName)) continue;
    for (const algo of ALGORITHMS_BY_KEY_TYPE[e.keyType] ?? [e.keyType]) {
      if (HOST_KEY_ALGORITHMS.includes(algo) && !known.includes(algo)) known.push(algo);
    }
  }
  return [...known, ...HOST_KEY_ALGORITHMS.filter((a) => !known.includes(a))];
}

/** Where `ssh` reads host keys by default, and the file it writes new ones to. */
export function defaultKnownHostsFiles(home: string = os.homedir()): { read: string[]; write: string } {
  const user = path.join(home, '.ssh', 'known_hosts');
  return {
    read: [user, `${user}2`, '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    write: user,
  };
}

/** Reads and parses each file that exists (a missing or unreadable file simply contributes nothing). */
export async function readKnownHostsFiles(files: readonly string[]): Promise<ParsedKnownHosts> {
  const result: ParsedKnownHosts = { entries: [], problems: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        result.problems.push({ file, line: 0, message: l10n.t('cannot read: {0}', (error as Error).message) });
      }
      continue;
    }
    const parsed = parseKnownHosts(text, file);
    result.entries.push(...parsed.entries);
    result.problems.push(...parsed.problems);
  }
  return result;
}

const appendQueue = new Map<string, Promise<void>>();

/**
 * Appends `line` to a known_hosts file: creates `~/.ssh`-like parent folders (mode 0700) and the file (0600)
 * when missing, adds a newline first if the file does not end with one, and skips a line already present.
 *
 * The line goes in with one `write(2)` on an `O_APPEND` descriptor, as `ssh` itself appends: concurrent
 * writers (another `ssh`, another window) cannot interleave inside it or lose each other's lines, and a
 * symlinked or specially-permissioned file stays as it is — which a rewrite-and-rename would not guarantee.
 * Appends to one file from this process are serialised.
 */
export function appendKnownHostLine(file: string, line: string): Promise<void> {
  if (/[\r\n]/.test(line)) return Promise.reject(new Error('appendKnownHostLine: the line contains a line break'));
  const previous = appendQueue.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => appendNow(file, line));
  appendQueue.set(file, next);
  void next
    .finally(() => {
      if (appendQueue.get(file) === next) appendQueue.delete(file);
    })
    .catch(() => undefined);
  return next;
}

async function appendNow(file: string, line: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let current = '';
  try {
    current = await fsp.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (current.split('\n').some((l) => l.replace(/\r$/, '').trim() === line.trim())) return;
  const data = Buffer.from(`${current.length > 0 && !current.endsWith('\n') ? '\n' : ''}${line}\n`, 'utf8');
  const handle = await fsp.open(file, 'a', 0o600);
  try {
    const { bytesWritten } = await handle.write(data, 0, data.length);
    if (bytesWritten !== data.length) {
      throw new Error(l10n.t('Short write to {0} ({1} of {2} bytes)', file, bytesWritten, data.length));
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}
