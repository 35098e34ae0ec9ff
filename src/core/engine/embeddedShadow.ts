import { createHash } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type * as PGliteNamespace from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import type { Extension, PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { locateEngineAssets } from './assets';
import { EngineError } from './engineError';
import { type ExtensionRequest, pgliteExtensionsFor } from './extensions';
import { RESET_SCHEMAS_SQL } from './pgAdapter';
import { type WasmModule, wasm } from './wasmApi';
import { writeFileAtomically } from '../util/atomicWrite';

/** Options of {@link EmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Folder with the engine assets (dist/ layout); default: next to the bundle or node_modules. */
  assetsDir?: string;
  /**
   * Folder where initialised PGlite data directories are kept between processes (the extension's
   * global storage, `~/.cache/prisma-drift-guard` for the CLI). Undefined: no persistence.
   */
  cacheDir?: string;
  log?: (message: string) => void;
}

/** Timings of the last start of the embedded database, for logs and benchmarks. */
export interface EmbeddedStartInfo {
  ms: number;
  /** `fresh`: initdb ran; `template`: loaded an empty data dir from the cache; `snapshot`: loaded a migrated one. */
  source: 'fresh' | 'template' | 'snapshot';
}

type PGliteModule = typeof PGliteNamespace;

let pgliteModule: Promise<PGliteModule> | undefined;
let compiled: Promise<{ pglite: WasmModule; initdb: WasmModule; fsBundle: Blob }> | undefined;

function loadPglite(): Promise<PGliteModule> {
  pgliteModule ??= import('@electric-sql/pglite');
  return pgliteModule;
}

/**
 * Compiles PGlite's WebAssembly modules from the assets folder once per process, so PGlite never
 * looks for them relative to its own module URL (which is wrong inside a webpack bundle).
 */
function compileArtifacts(pgliteDir: string): Promise<{ pglite: WasmModule; initdb: WasmModule; fsBundle: Blob }> {
  compiled ??= (async () => {
    const [pgliteWasm, initdbWasm, data] = await Promise.all([
      readFile(path.join(pgliteDir, 'pglite.wasm')),
      readFile(path.join(pgliteDir, 'initdb.wasm')),
      readFile(path.join(pgliteDir, 'pglite.data')),
    ]);
    const [pglite, initdb] = await Promise.all([wasm.compile(pgliteWasm), wasm.compile(initdbWasm)]);
    return { pglite, initdb, fsBundle: new Blob([data]) };
  })().catch((error: unknown) => {
    compiled = undefined;
    throw error;
  });
  return compiled;
}

/**
 * One in-process PostgreSQL (PGlite) used as the default shadow database: created once, reused,
 * emptied between uses (the engine refuses a non-empty shadow with P3006), recreated only when
 * migrations ask for a contrib extension it was not started with (PGlite loads contrib modules at
 * creation time only). It remembers which migrations it currently holds, so a re-analysis after a
 * schema change reuses the migrated state instead of re-applying every migration.
 */
export class EmbeddedPostgres {
  private db: PGlite | undefined;
  private starting: Promise<PGlite> | undefined;
  /** The extension tarballs the instance was started with, by bundle name. */
  private extensions: Record<string, Extension> = {};
  private heldState: string | undefined;
  private lastStart: EmbeddedStartInfo | undefined;
  private readonly pgliteDir: string;
  private readonly extensionDirs: string[];

  constructor(private readonly options: EmbeddedPostgresOptions = {}) {
    const assets = locateEngineAssets(options.assetsDir);
    this.pgliteDir = assets.pgliteDir;
    this.extensionDirs = assets.extensionDirs;
  }

  /** How the instance was last started. */
  get startInfo(): EmbeddedStartInfo | undefined {
    return this.lastStart;
  }

  /** Key of the migrations currently applied (see {@link markHolding}), undefined when empty or unknown. */
  get holding(): string | undefined {
    return this.heldState;
  }

  get running(): boolean {
    return this.db !== undefined;
  }

  /**
   * The instance, started with at least the extensions asked for. `snapshotKey`: when starting,
   * prefer a cached data dir already holding that migrated state (see {@link saveSnapshot}).
   */
  async instance(requests: readonly ExtensionRequest[] = [], snapshotKey?: string): Promise<PGlite> {
    const wanted = pgliteExtensionsFor(requests, this.extensionDirs); // throws extension-unavailable
    const missing = Object.keys(wanted).filter((name) => !Object.hasOwn(this.extensions, name));
    if (this.db && missing.length === 0) return this.db;
    if (this.starting) {
      await this.starting.catch(() => undefined);
      return this.instance(requests, snapshotKey);
    }
    if (this.db) {
      this.log(`embedded shadow: restarting to load extension(s) ${missing.join(', ')}`);
      await this.close();
    }
    this.extensions = { ...this.extensions, ...wanted };
    this.starting = this.start(this.extensions, snapshotKey);
    try {
      this.db = await this.starting;
      return this.db;
    } finally {
      this.starting = undefined;
    }
  }

  /** Drops every user schema (and what it holds) and recreates an empty `public`. */
  async reset(): Promise<void> {
    if (!this.db) return;
    this.heldState = undefined;
    await this.db.exec(RESET_SCHEMAS_SQL);
  }

  /** Records that the instance now holds exactly the migrations identified by `key`. */
  markHolding(key: string | undefined): void {
    this.heldState = key;
  }

  /**
   * Persists the current data dir as the snapshot for `key` in the cache folder (temp + rename),
   * so the next process starts already migrated. No-op without a cache folder.
   */
  async saveSnapshot(key: string): Promise<void> {
    if (!this.db || !this.options.cacheDir) return;
    const file = this.snapshotFile(key);
    const dump = await this.db.dumpDataDir('none');
    await writeFileAtomically(file, Buffer.from(await dump.arrayBuffer()));
    await pruneSnapshots(this.options.cacheDir, KEPT_SNAPSHOTS);
  }

  /** Approximate memory of this process (the instance lives in it), in bytes. */
  memory(): { rss: number; heapUsed: number; external: number } {
    const usage = process.memoryUsage();
    return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external };
  }

  /** Closes the instance; the next use starts it again (from the cache when there is one). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.heldState = undefined;
    if (db && !db.closed) await db.close().catch(() => undefined);
  }

  private async start(extensions: Record<string, Extension>, snapshotKey?: string): Promise<PGlite> {
    const started = performance.now();
    const [{ PGlite: PGliteClass }, artifacts] = await Promise.all([loadPglite(), compileArtifacts(this.pgliteDir)]);
    const base = {
      pgliteWasmModule: artifacts.pglite,
      initdbWasmModule: artifacts.initdb,
      fsBundle: artifacts.fsBundle,
      extensions,
      relaxedDurability: true,
      // One large init migration (3000 models) takes tens of thousands of locks in its one transaction: the
      // default lock table (64 per connection) fails it with "out of shared memory", which says nothing about
      // the migration.
      startParams: [...PGliteClass.defaultStartParams, '-c', 'max_locks_per_transaction=1024'],
    };
    const candidates: Array<{ file: string; source: EmbeddedStartInfo['source'] }> = [];
    if (this.options.cacheDir) {
      if (snapshotKey) candidates.push({ file: this.snapshotFile(snapshotKey), source: 'snapshot' });
      candidates.push({ file: this.templateFile(), source: 'template' });
    }
    // Shipped with the bundle (webpack's PgliteTemplatePlugin); absent in development.
    candidates.push({ file: path.join(this.pgliteDir, 'pglite-template.tar.gz'), source: 'template' });
    for (const candidate of candidates) {
      const data = await readFile(candidate.file).catch(() => undefined);
      if (!data) continue;
      try {
        const db = await PGliteClass.create({ ...base, loadDataDir: new Blob([data]) });
        this.heldState = candidate.source === 'snapshot' ? snapshotKey : undefined;
        if (candidate.source === 'template') await db.exec(RESET_SCHEMAS_SQL);
        this.lastStart = { ms: performance.now() - started, source: candidate.source };
        this.log(`embedded shadow: started from ${candidate.source} in ${Math.round(this.lastStart.ms)} ms`);
        return db;
      } catch (error) {
        // A corrupt or incompatible cache file: forget it and fall back.
        this.log(`embedded shadow: ignoring data dir ${candidate.file}: ${(error as Error).message}`);
        if (candidate.file.startsWith(this.options.cacheDir ?? '\0')) await rm(candidate.file, { force: true });
      }
    }
    let db: PGlite;
    try {
      db = await PGliteClass.create(base);
    } catch (error) {
      throw new EngineError({
        code: 'engine-error',
        message: l10n.t('The embedded shadow database (PGlite) failed to start: {0}', (error as Error).message),
      });
    }
    this.heldState = undefined;
    this.lastStart = { ms: performance.now() - started, source: 'fresh' };
    this.log(`embedded shadow: initialised in ${Math.round(this.lastStart.ms)} ms`);
    if (this.options.cacheDir) {
      const dump = await db.dumpDataDir('none');
      await writeFileAtomically(this.templateFile(), Buffer.from(await dump.arrayBuffer())).catch((error: unknown) => {
        this.log(`embedded shadow: could not cache the data dir: ${(error as Error).message}`);
      });
    }
    return db;
  }

  private templateFile(): string {
    return path.join(this.options.cacheDir ?? '', `pglite-${PGLITE_CACHE_VERSION}-empty.tar`);
  }

  private snapshotFile(key: string): string {
    const extensions = Object.keys(this.extensions).sort().join(',');
    const id = createHash('sha256').update(`${key}\n${extensions}`).digest('hex').slice(0, 24);
    return path.join(this.options.cacheDir ?? '', `pglite-${PGLITE_CACHE_VERSION}-migrated-${id}.tar`);
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}

/** Migrated snapshots are ~40 MB each: keep the most recent few (one per recent migrations state). */
const KEPT_SNAPSHOTS = 2;

async function pruneSnapshots(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) =>
    /^pglite-.*-migrated-[0-9a-f]+\.tar$/.test(name),
  );
  const dated = await Promise.all(
    names.map(async (name) => ({
      name,
      mtime: (await stat(path.join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0,
    })),
  );
  dated.sort((a, b) => b.mtime - a.mtime);
  await Promise.all(dated.slice(keep).map(({ name }) => rm(path.join(dir, name), { force: true })));
}

/** Bump when the PGlite pin changes: data dirs are not portable across PostgreSQL builds. */
const PGLITE_CACHE_VERSION = '0.5.16';
