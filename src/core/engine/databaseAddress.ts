/**
 * Which database a PostgreSQL URL designates, compared the way a server sees it: canonical host, port,
 * database name. Parsing goes through `pg-connection-string` (what `pg` itself uses), so `?host=`
 * parameters, `[::1]` literals and unix-socket hosts mean here what they mean when `pg` connects.
 */
import * as os from 'node:os';
import { parse } from 'pg-connection-string';
import { redactUrl } from '../project/discovery';

/** The server-side identity of a database: canonical host, port, database name (and the user, for defaults). */
export interface DatabaseAddress {
  /**
   * Lower-cased host; every way of naming this machine (`localhost`, `127.0.0.0/8`, `::1`, `[::1]`, `0.0.0.0`,
   * no host, a unix-socket directory, the machine's own host name) is the one value {@link LOOPBACK}.
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
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) return undefined;
  let options: ReturnType<typeof parse>;
  try {
    // Only where the URL points matters here: TLS parameters (which make pg-connection-string print a process
    // warning) are dropped before parsing.
    // (By text: `postgresql://user@/db?host=/socket` is not a WHATWG URL.)
    const withoutTls = url.trim().replace(/([?&])(ssl[a-z]*|uselibpqcompat)=[^&#]*&?/gi, '$1').replace(/[?&]+(#|$)/, '$1');
    options = parse(withoutTls);
  } catch {
    return undefined;
  }
  const user = options.user ?? '';
  const port = Number(options.port) || 5432;
  return { host: canonicalHost(options.host ?? ''), port, database: options.database || user, user };
}

/** The canonical form of a host name or address (see {@link DatabaseAddress.host}). */
export function canonicalHost(raw: string): string {
  const host = raw.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  // A unix socket (a directory) is a server on this machine; no host means pg's default, localhost.
  if (host === '' || host.startsWith('/') || host === 'localhost' || host.endsWith('.localhost')) return LOOPBACK;
  if (/^127(\.\d{1,3}){3}$/.test(host) || host === '0.0.0.0' || host === '::' || host === '::1' || host === '0:0:0:0:0:0:0:1') return LOOPBACK;
  if (host === '::ffff:127.0.0.1') return LOOPBACK;
  if (host === os.hostname().toLowerCase()) return LOOPBACK;
  return host;
}

/** True when both addresses designate the same database of the same server. */
export function sameAddress(a: DatabaseAddress, b: DatabaseAddress): boolean {
  return a.host === b.host && a.port === b.port && a.database === b.database;
}

/** `host:port/database` for messages (the loopback spelled `localhost`). */
export function describeAddress(address: DatabaseAddress): string {
  const host = address.host === LOOPBACK ? 'localhost' : address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}/${address.database || '(default database)'}`;
}

/** The URL with its password masked, for messages. */
export function redactDatabaseUrl(url: string): string {
  return redactUrl(url);
}
