/**
 * The one reader of PostgreSQL connection URLs (`postgresql://` / `postgres://`): parse with libpq's and
 * Prisma's defaults, redact for display, decide whether two URLs designate the same database, and rewrite one
 * (another database, another host:port, parameters dropped). Parsing goes through `pg-connection-string` —
 * what `pg` itself uses when it connects — so `?host=` parameters, `[::1]` literals, unix-socket hosts and
 * percent-encoded passwords mean here what they mean on the wire.
 */
import * as l10n from '@vscode/l10n';
import * as os from 'node:os';
import { parse } from 'pg-connection-string';
import { redactSecrets } from './redact';

/** A PostgreSQL URL read with the defaults a connection would use. */
export interface PgUrl {
  /** `postgresql` or `postgres` (as written, lower-cased). */
  scheme: 'postgresql' | 'postgres';
  /** The host (IPv6 without brackets, a `?host=` parameter first, a unix-socket directory as is); `localhost` when absent. */
  host: string;
  /** The port; 5432 when absent. */
  port: number;
  /** The database name; PostgreSQL defaults it to the user name. Empty when neither is in the URL. */
  database: string;
  /** The user name, decoded; empty when absent. */
  user: string;
  /** The password, decoded; undefined when absent. Never put it in a message: see {@link redactUrl}. */
  password?: string;
  /** `?schema=` (Prisma), `public` when absent. */
  schema: string;
  /** `?sslmode=` when present. */
  sslmode?: string;
  /** Every query parameter, decoded (Prisma's own ones included). */
  params: Record<string, string>;
}

/** Why a string is not a usable PostgreSQL URL. */
export type PgUrlProblem = 'invalid' | 'not-postgres';

/** Thrown by {@link parsePostgresUrl}. The message never repeats the URL (it may hold a password). */
export class PgUrlError extends Error {
  override readonly name = 'PgUrlError';

  constructor(
    readonly problem: PgUrlProblem,
    /** For `not-postgres`: the scheme found, e.g. `mysql`. */
    readonly scheme?: string,
  ) {
    super(
      problem === 'not-postgres'
        ? l10n.t('Only PostgreSQL URLs are supported yet (got "{0}").', `${scheme ?? ''}://`)
        : l10n.t('The database URL cannot be parsed: expected postgresql://user:password@host:port/database.'),
    );
  }
}

/** Reads a `postgresql://` / `postgres://` URL; throws {@link PgUrlError} (no secret in its message) otherwise. */
export function parsePostgresUrl(url: string): PgUrl {
  const text = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1].toLowerCase();
  if (scheme === undefined) throw new PgUrlError('invalid');
  if (scheme !== 'postgresql' && scheme !== 'postgres') throw new PgUrlError('not-postgres', scheme);
  if (!text.slice(scheme.length + 1).startsWith('//')) throw new PgUrlError('invalid');
  let options: ReturnType<typeof parse>;
  try {
    // Only where the URL points matters to `parse`: TLS parameters would make it read certificate files and
    // print process warnings, so they are read below from the query instead.
    options = parse(withoutParams(text, (key) => /^(ssl[a-z]*|uselibpqcompat)$/i.test(key)));
  } catch {
    throw new PgUrlError('invalid');
  }
  const params = queryParams(text);
  const user = options.user ?? '';
  return {
    scheme,
    host: options.host || 'localhost',
    port: Number(options.port) || 5432,
    database: decodeReserved(options.database ?? '') || user,
    user,
    ...(options.password ? { password: options.password } : {}),
    schema: params.schema || 'public',
    ...(params.sslmode ? { sslmode: params.sslmode } : {}),
    params,
  };
}

/** {@link parsePostgresUrl}, or undefined for anything that is not a usable PostgreSQL URL. */
export function tryParsePostgresUrl(url: string): PgUrl | undefined {
  try {
    return parsePostgresUrl(url);
  } catch (error) {
    if (error instanceof PgUrlError) return undefined;
    throw error;
  }
}

const MASK = '****';

/**
 * A database URL for display: `postgresql://app:****@db:5432/app`, with `?password=…` (and other secret-named
 * parameters) masked too. The one redaction of URLs: the CLI's output and JSON, the editor's descriptions, logs.
 * What the WHATWG parser refuses (`user:pw@/db?host=/socket`) is masked as text.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = MASK;
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|token/i.test(key)) u.searchParams.set(key, MASK);
    }
    return u.toString();
  } catch {
    return redactSecrets(url);
  }
}

/** `host:port/database` of a URL for messages (no user, no password); `(unparseable URL)` when it is not one. */
export function describePgUrl(url: string): string {
  const parsed = tryParsePostgresUrl(url);
  return parsed
    ? `${hostForDisplay(parsed.host)}:${parsed.port}/${parsed.database || '(default database)'}`
    : '(unparseable URL)';
}

/** `host:port` of a URL as written (`[::1]:5433`), for finding it in a message; undefined when it is not a URL. */
export function urlHostPort(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** The server-side identity of a database: canonical host, port, database name (and the user, for defaults). */
export interface DatabaseAddress {
  /**
   * Lower-cased host; every way of naming this machine (`localhost`, `127.0.0.0/8`, `::1`, `[::1]`, `0.0.0.0`,
   * an IPv4-mapped loopback, no host, a unix-socket directory, the machine's own host name or addresses) is the
   * one value {@link LOOPBACK}.
   */
  host: string;
  port: number;
  /** The database name; PostgreSQL defaults it to the user name. Empty when neither is in the URL. */
  database: string;
  user: string;
}

/** Canonical host of every name of this machine. */
export const LOOPBACK = 'loopback';

/** Parses `url` into its {@link DatabaseAddress}; undefined when it is not a PostgreSQL URL. */
export function databaseAddress(url: string): DatabaseAddress | undefined {
  const parsed = tryParsePostgresUrl(url);
  return (
    parsed && { host: canonicalHost(parsed.host), port: parsed.port, database: parsed.database, user: parsed.user }
  );
}

/** The canonical form of a host name or address (see {@link DatabaseAddress.host}). */
export function canonicalHost(raw: string): string {
  const host = raw
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  // A unix socket (a directory) is a server on this machine; no host means pg's default, localhost.
  if (host === '' || host.startsWith('/') || host === 'localhost' || host.endsWith('.localhost')) return LOOPBACK;
  if (
    /^127(\.\d{1,3}){0,3}$/.test(host) ||
    host === '0.0.0.0' ||
    host === '::' ||
    host === '::1' ||
    host === '0:0:0:0:0:0:0:1'
  ) {
    return LOOPBACK;
  }
  // IPv4-mapped loopback, written `::ffff:127.0.0.1` or (as the WHATWG parser normalises it) `::ffff:7f00:1`.
  if (/^::ffff:(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|7f[0-9a-f]{2}:[0-9a-f]{1,4})$/.test(host)) return LOOPBACK;
  if (host === os.hostname().toLowerCase() || ownAddresses().has(host)) return LOOPBACK;
  return host;
}

/** True when both addresses designate the same database of the same server. */
export function sameAddress(a: DatabaseAddress, b: DatabaseAddress): boolean {
  return a.host === b.host && a.port === b.port && a.database === b.database;
}

/**
 * True when both URLs designate the same database of the same server (`localhost`, `127.0.0.1`, `::1`, a
 * socket directory and this machine's own names count as one host; the default port is 5432; host names are
 * compared without case). False when either is not a PostgreSQL URL.
 */
export function sameDatabase(a: string, b: string): boolean {
  const x = databaseAddress(a);
  const y = databaseAddress(b);
  return x !== undefined && y !== undefined && sameAddress(x, y);
}

/** `host:port/database` for messages (the loopback spelled `localhost`). */
export function describeAddress(address: DatabaseAddress): string {
  const host = address.host === LOOPBACK ? 'localhost' : address.host;
  return `${hostForDisplay(host)}:${address.port}/${address.database || '(default database)'}`;
}

/** The URL with another database name, everything else (user, password, host, params) kept. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The URL pointed at `host:port` (a `?host=` parameter, which would override it, dropped); the rest kept. */
export function withHostPort(url: string, host: string, port: number | string): string {
  // `user@/db?host=/socket` has no host for the WHATWG parser: the host it gets here replaces the socket anyway.
  const parsed = URL.canParse(url) ? new URL(url) : new URL(url.replace('@/', '@localhost/'));
  parsed.hostname = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  parsed.port = String(port);
  parsed.searchParams.delete('host');
  return parsed.toString();
}

/**
 * The URL without the query parameters `drop` selects (by text, so that URLs the WHATWG parser refuses —
 * `user@/db?host=/socket` — keep their form).
 */
export function withoutParams(url: string, drop: (key: string) => boolean): string {
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : url.slice(hash);
  const question = beforeHash.indexOf('?');
  if (question < 0) return url;
  const kept = beforeHash
    .slice(question + 1)
    .split('&')
    .filter((pair) => pair !== '' && !drop(decodeParam(pair.split('=')[0])));
  return `${beforeHash.slice(0, question)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${fragment}`;
}

function queryParams(url: string): Record<string, string> {
  const beforeHash = url.split('#')[0];
  const question = beforeHash.indexOf('?');
  const out: Record<string, string> = {};
  if (question < 0) return out;
  for (const [key, value] of new URLSearchParams(beforeHash.slice(question + 1))) out[key] = value;
  return out;
}

function decodeParam(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

// pg-connection-string decodes the path with decodeURI, which leaves reserved characters (`%2F`, `%3F`, `%40`…)
// encoded; a database name is decoded whole.
function decodeReserved(text: string): string {
  return text.replace(/%[0-9a-f]{2}/gi, (escape) => {
    try {
      return decodeURIComponent(escape);
    } catch {
      return escape;
    }
  });
}

function hostForDisplay(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

let ownAddressCache: Set<string> | undefined;

// The addresses of this machine's own interfaces reach the same server as the loopback.
function ownAddresses(): Set<string> {
  if (!ownAddressCache) {
    ownAddressCache = new Set<string>();
    for (const list of Object.values(os.networkInterfaces())) {
      for (const entry of list ?? []) ownAddressCache.add(entry.address.toLowerCase().replace(/%.*$/, ''));
    }
  }
  return ownAddressCache;
}
