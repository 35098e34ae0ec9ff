/**
 * The demo's databases for `npm start`, on the embedded PostgreSQL (PGlite) with nothing installed: two
 * in-memory instances, each served on a free loopback port (src/core/engine/pgliteServer.ts), filled with the
 * demo's story (src/core/demo/demoDatabase.ts) through an ordinary `pg` connection, and the demo workspace's
 * `.env` and `.vscode/settings.json` pointing at them.
 *
 *  - `local`: the team's development database in the "db push" state: the ten migrations applied and recorded
 *    (name order, as `migrate dev` applied them), plus the invoicing tables and the `users` activation columns
 *    that no migration creates. `DATABASE_URL` in `.env`.
 *  - `production`: the environment `production` (kind production) in `driftGuard.environments`, its URL in
 *    `PRODUCTION_DATABASE_URL`: the history as production applied it (…fix, init, add, at their dates), the
 *    same `db push` objects, and rows.
 *
 * Everything lives in memory: stopping closes the servers and the instances, and removes the files written.
 */
import * as l10n from '@vscode/l10n';
import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import pg from 'pg';
import { DEMO_MIGRATIONS_NAME_ORDER, DEMO_MIGRATIONS_PRODUCTION_ORDER, fillDemoDatabase } from '../demo/demoDatabase';
import { EmbeddedPostgres } from '../engine/embeddedShadow';
import { findExtensionRequests } from '../engine/extensions';
import { PgliteServer } from '../engine/pgliteServer';

/** The environment variable of each demo database in the workspace's `.env`. */
export const DEMO_ENV_VARIABLES = Object.freeze({ local: 'DATABASE_URL', production: 'PRODUCTION_DATABASE_URL' });

/** Options of {@link startDemoDatabases}. */
export interface DemoDatabasesOptions {
  /** The demo project folder: `prisma/migrations` is read from it. */
  demoDir: string;
  /** Folder with the engine assets (dist/ layout); default: next to the bundle or node_modules. */
  assetsDir?: string;
  /** Ports to listen on; 0 (default) = free ports chosen by the system. */
  ports?: { local?: number; production?: number };
  log?: (message: string) => void;
}

/** One running demo database. */
export interface DemoDatabase {
  name: 'local' | 'production';
  port: number;
  url: string;
}

/** The running demo databases; {@link stop} ends them. */
export interface RunningDemoDatabases {
  local: DemoDatabase;
  production: DemoDatabase;
  /** Closes the servers and the instances. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the two demo databases (see the module comment) and resolves once both are filled and listening. */
export async function startDemoDatabases(options: DemoDatabasesOptions): Promise<RunningDemoDatabases> {
  const started: Array<{ embedded: EmbeddedPostgres; server: PgliteServer }> = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      for (const { server, embedded } of started.reverse()) {
        await server.stop().catch(() => undefined);
        await embedded.close();
      }
    })());
  try {
    const extensions = findExtensionRequests(await readMigrations(options.demoDir));
    const serve = async (name: 'local' | 'production', port: number | undefined): Promise<DemoDatabase> => {
      const embedded = new EmbeddedPostgres({ assetsDir: options.assetsDir, log: options.log });
      const db = await embedded.instance(extensions);
      const server = new PgliteServer(db, { port: port ?? 0, log: (m) => options.log?.(`${name}: ${m}`) });
      started.push({ embedded, server });
      const address = await server.start();
      return {
        name,
        port: address.port,
        url: `postgresql://postgres@127.0.0.1:${address.port}/postgres?schema=public`,
      };
    };
    const local = await serve('local', options.ports?.local);
    const production = await serve('production', options.ports?.production);
    await fill(local.url, { demoDir: options.demoDir, order: DEMO_MIGRATIONS_NAME_ORDER, clock: 'now', drift: true });
    await fill(production.url, {
      demoDir: options.demoDir,
      order: DEMO_MIGRATIONS_PRODUCTION_ORDER,
      clock: 'production',
      drift: true,
    });
    return { local, production, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function readMigrations(demoDir: string): Promise<Array<{ name: string; sql: string }>> {
  const dir = path.join(demoDir, 'prisma', 'migrations');
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  return Promise.all(
    names.map(async (name) => ({ name, sql: await readFile(path.join(dir, name, 'migration.sql'), 'utf8') })),
  );
}

async function fill(url: string, content: Parameters<typeof fillDemoDatabase>[1]): Promise<void> {
  const client = new pg.Client({ connectionString: url.replace(/\?schema=public$/, '') });
  await client.connect();
  try {
    await fillDemoDatabase(client, content);
  } finally {
    await client.end();
  }
}

/** The files {@link writeDemoWorkspace} writes, to remove them on stop. */
export interface WrittenDemoWorkspace {
  files: string[];
  /** Undo: remove the files written (and restore those that existed before). */
  remove(): Promise<void>;
}

/**
 * Points the demo workspace at the running databases: `.env` (`DATABASE_URL`, `PRODUCTION_DATABASE_URL`, from
 * `.env.example` for the rest) and `.vscode/settings.json` with the `production` environment.
 * Refuses to overwrite a `.env` or settings file the workspace already has: it writes into a fresh copy.
 */
export async function writeDemoWorkspace(
  workspace: string,
  databases: RunningDemoDatabases,
): Promise<WrittenDemoWorkspace> {
  const envFile = path.join(workspace, '.env');
  const settingsFile = path.join(workspace, '.vscode', 'settings.json');
  for (const file of [envFile, settingsFile]) {
    const exists = await readFile(file).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new Error(
        l10n.t('{0} already exists: the demo databases are written into a fresh copy of demo/ only', file),
      );
    }
  }
  const example = await readFile(path.join(workspace, '.env.example'), 'utf8').catch(() => '');
  const kept = example
    .split('\n')
    .filter(
      (line) => !new RegExp(`^\\s*(${DEMO_ENV_VARIABLES.local}|${DEMO_ENV_VARIABLES.production})\\s*=`).test(line),
    )
    .join('\n')
    .trim();
  const env = [
    '# Written by `npm start`: the demo databases on the embedded PostgreSQL (PGlite), until Ctrl-C.',
    `${DEMO_ENV_VARIABLES.local}="${databases.local.url}"`,
    `${DEMO_ENV_VARIABLES.production}="${databases.production.url}"`,
    '',
    kept,
    '',
  ].join('\n');
  const settings = {
    'driftGuard.environments': [
      { name: 'production', kind: 'production', url: { from: 'env', variable: DEMO_ENV_VARIABLES.production } },
    ],
  };
  const createdDir = await mkdir(path.dirname(settingsFile), { recursive: true });
  await writeFile(envFile, env, { flag: 'wx' });
  await writeFile(settingsFile, `${JSON.stringify(settings, null, 2)}\n`, { flag: 'wx' });
  const files = [envFile, settingsFile];
  return {
    files,
    remove: async () => {
      await Promise.all(files.map((file) => rm(file, { force: true })));
      if (createdDir) await rm(createdDir, { recursive: true, force: true });
    },
  };
}
