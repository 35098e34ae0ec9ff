/**
 * A shadow database is emptied before every use. A shadow URL that designates a database someone cares about
 * would wipe it, so before any statement:
 *  (a) its address (canonical host, port, database) must differ from every database the project checks: the
 *      datasource URL, `--url`, every configured environment (for an SSH one, the address the server connects
 *      to, and that address seen from here when it is the server itself);
 *  (b) the database must be empty, or hold our marker schema: a shadow we prepared ourselves. One with a
 *      `_prisma_migrations` table, or any table, view, sequence, type, function or schema and no marker, is
 *      somebody's database.
 * Prisma refuses a shadow equal to the main database too; it does not look inside.
 */
import {
  LOOPBACK,
  databaseAddress,
  describeAddress,
  redactUrl as redactDatabaseUrl,
  sameDatabase,
  withHostPort,
  withoutParams,
} from '../util/pgUrl';
import * as l10n from '@vscode/l10n';
import { EngineError, type ShadowRefusal } from './engineError';

export type { ShadowRefusal };

/** A database the shadow must not be. `label` names it in messages (no secret). */
export interface CheckedDatabase {
  label: string;
  url: string;
}

/** Schema that marks a database as a shadow prepared by Prisma Drift Guard; our reset keeps it. */
export const SHADOW_MARKER_SCHEMA = 'prisma_drift_guard_shadow';
const MARKER_COMMENT =
  'Prisma Drift Guard shadow database: emptied and migrated by every check that uses it. Do not keep data here.';

/**
 * Empties a database the way the engine expects a shadow database: every non-system schema but `keep` dropped
 * (with what it holds, extensions included), every event trigger dropped, and an empty `public` recreated.
 */
export function resetSchemasSql(keep: readonly string[] = []): string {
  const kept = ['pg_catalog', 'information_schema', 'pg_toast', ...keep].map((name) => `'${name}'`).join(', ');
  return `DO $drift_guard_reset$
DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace
    WHERE nspname NOT IN (${kept})
      AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
  FOR r IN SELECT e.evtname FROM pg_event_trigger e LOOP
    EXECUTE format('DROP EVENT TRIGGER %I', r.evtname);
  END LOOP;
END
$drift_guard_reset$;
CREATE SCHEMA public;`;
}

/**
 * Empties a shadow database that passed {@link inspectShadow}: every non-system schema dropped except the
 * marker, an empty `public` recreated, and the marker created (so the next run knows the objects are ours).
 */
export const CLAIM_SHADOW_SQL = `${resetSchemasSql([SHADOW_MARKER_SCHEMA])}
CREATE SCHEMA IF NOT EXISTS ${SHADOW_MARKER_SCHEMA};
COMMENT ON SCHEMA ${SHADOW_MARKER_SCHEMA} IS '${MARKER_COMMENT}';`;

/**
 * What the shadow holds, read from the catalogs only: the marker, `_prisma_migrations` tables, and the user
 * objects (extension members and the empty `public` schema excluded). One statement, read-only.
 */
export const INSPECT_SHADOW_SQL = `WITH user_ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema', '${SHADOW_MARKER_SCHEMA}')
    AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'
), ext AS (
  SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), objects AS (
  SELECT n.nspname || '.' || c.relname AS name,
         CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                        WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'relation' END AS kind
  FROM pg_class c JOIN user_ns n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
  UNION ALL
  SELECT n.nspname || '.' || t.typname, 'type'
  FROM pg_type t JOIN user_ns n ON n.oid = t.typnamespace
  WHERE (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)
  UNION ALL
  SELECT n.nspname || '.' || p.proname, 'function'
  FROM pg_proc p JOIN user_ns n ON n.oid = p.pronamespace
  WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
  UNION ALL
  SELECT n.nspname, 'schema' FROM user_ns n
  WHERE n.nspname <> 'public'
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = n.oid)
)
SELECT
  EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '${SHADOW_MARKER_SCHEMA}') AS marked,
  (SELECT string_agg(n.nspname || '._prisma_migrations', ', ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relname = '_prisma_migrations' AND c.relkind IN ('r', 'p')) AS migration_tables,
  (SELECT count(*) FROM objects)::int AS object_count,
  (SELECT string_agg(name || ' (' || kind || ')', ', ') FROM (SELECT name, kind FROM objects ORDER BY name LIMIT 5) first) AS first_objects`;

/** The first checked database the shadow URL designates (pure: address comparison only). */
export function findSameDatabase(shadowUrl: string, checked: readonly CheckedDatabase[]): CheckedDatabase | undefined {
  return checked.find((c) => sameDatabase(shadowUrl, c.url));
}

/**
 * The databases an SSH environment stands for, as URLs: the address the SSH server connects to (its
 * `database` setting, else the URL's host:port), and — when that is the server's own loopback — the same port on
 * the SSH host itself, which is how this machine would reach it without the tunnel.
 */
export function sshEnvironmentUrls(url: string, ssh: { host: string; database?: string }): string[] {
  const remote = ssh.database ? /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(ssh.database.trim()) : null;
  const out: string[] = [];
  try {
    // A `host=` parameter (a socket directory on the server) is dropped: the server's own loopback stands for it.
    out.push(remote ? withHostPort(url, remote[1], remote[2] ?? '5432') : withoutParams(url, (key) => key === 'host'));
    const address = databaseAddress(out[0]);
    if (!address) return [];
    if (address.host === LOOPBACK) out.push(withHostPort(out[0], ssh.host, address.port));
  } catch (error) {
    // Not a WHATWG URL (`user@/db`): what could be read stands.
    if (!(error instanceof TypeError)) throw error;
  }
  return out;
}

/** Rule (a): throws `shadow-refused` when the shadow URL designates one of `checked`. Runs no statement. */
export function assertShadowAddressIsSafe(shadowUrl: string, checked: readonly CheckedDatabase[]): void {
  const same = findSameDatabase(shadowUrl, checked);
  if (!same) return;
  const address = databaseAddress(shadowUrl);
  throw shadowRefused(
    {
      rule: 'same-database',
      shadow: redactDatabaseUrl(shadowUrl),
      other: `${same.label} (${redactDatabaseUrl(same.url)})`,
    },
    l10n.t(
      'The shadow database {0} is {1} ({2}): both designate {3}. A shadow database is emptied before use — nothing was run. Point the shadow URL at a database of its own.',
      redactDatabaseUrl(shadowUrl),
      same.label,
      redactDatabaseUrl(same.url),
      address ? describeAddress(address) : l10n.t('the same database'),
    ),
  );
}

/** One row of {@link INSPECT_SHADOW_SQL}. */
export interface ShadowContents {
  marked: boolean;
  migrationTables: string | null;
  objectCount: number;
  firstObjects: string | null;
}

/** Rule (b) on what {@link INSPECT_SHADOW_SQL} found: the refusal, or undefined when the shadow may be emptied. */
export function judgeShadowContents(shadowUrl: string, contents: ShadowContents): EngineError | undefined {
  const shadow = redactDatabaseUrl(shadowUrl);
  if (contents.migrationTables) {
    return shadowRefused(
      { rule: 'migrations-table', shadow, objects: contents.migrationTables.split(', ') },
      l10n.t(
        'The shadow database {0} holds {1}: it is a database Prisma migrates, not a shadow. A shadow database is emptied before use — nothing was run. Point the shadow URL at an empty database of its own.',
        shadow,
        contents.migrationTables,
      ),
    );
  }
  if (!contents.marked && contents.objectCount > 0) {
    const first = contents.firstObjects ?? '';
    const listed = contents.objectCount > 5 ? l10n.t('{0} and {1} more', first, contents.objectCount - 5) : first;
    return shadowRefused(
      { rule: 'foreign-objects', shadow, objects: first.split(', ') },
      l10n.t(
        'The shadow database {0} holds objects drift-guard did not create ({1}). A shadow database is emptied before use — nothing was run. Point the shadow URL at an empty database of its own.',
        shadow,
        listed,
      ),
    );
  }
  return undefined;
}

/** Reads the shadow's catalogs through `query` (one SELECT) and throws the refusal of {@link judgeShadowContents}. */
export async function assertShadowContentIsSafe(
  shadowUrl: string,
  query: (sql: string) => Promise<Array<Record<string, unknown>>>,
): Promise<void> {
  const [row] = await query(INSPECT_SHADOW_SQL);
  const contents: ShadowContents = {
    marked: row?.marked === true || row?.marked === 't' || row?.marked === 'true',
    migrationTables: typeof row?.migration_tables === 'string' ? row.migration_tables : null,
    objectCount: Number(row?.object_count ?? 0),
    firstObjects: typeof row?.first_objects === 'string' ? row.first_objects : null,
  };
  const refusal = judgeShadowContents(shadowUrl, contents);
  if (refusal) throw refusal;
}

function shadowRefused(refusal: ShadowRefusal, message: string): EngineError {
  return new EngineError({ code: 'shadow-refused', message, shadowRefusal: refusal });
}

/** A connection we open ourselves (a `pg.Client` fits). */
export interface InspectionClient {
  query(sql: string): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}

/**
 * Both rules before the engine touches the shadow: the address check (no connection), then one read-only
 * SELECT on the catalogs through a connection of our own. Throws `shadow-refused`; runs nothing else.
 */
export async function assertShadowIsSafe(
  shadowUrl: string,
  checked: readonly CheckedDatabase[],
  open: (url: string) => Promise<InspectionClient>,
): Promise<void> {
  assertShadowAddressIsSafe(shadowUrl, checked);
  const client = await open(shadowUrl);
  try {
    await assertShadowContentIsSafe(
      shadowUrl,
      async (sql) => (await client.query(sql)).rows as Array<Record<string, unknown>>,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
