import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { schemaBlockSpans } from '../project/schemaScanner';
import { type PrismaProject } from '../project/types';
import { EngineSession } from '../engine/engineSession';
import { EngineWorkerClient } from './workerClient';

/** Options of {@link runBenchmark}. */
export interface BenchOptions {
  /** Measured runs of warm and freshShadow. Default 5. */
  runs?: number;
  /** Worker script for the cold measurement (default: dist/engineWorker.js next to the bundle). */
  workerPath?: string;
  assetsDir?: string;
  /**
   * Cache folder used by the "cold with cache" measurement. Default: a temporary folder first
   * filled by the "cold without cache" run (so both are measured on this machine, now).
   */
  cacheDir?: string;
  log?: (message: string) => void;
}

/** The CLI's `bench --json` plus details. All times in milliseconds. */
export interface BenchResult {
  /** First analysis in a new process, persisted cache present (the everyday cold start). */
  coldMs: number;
  /** First analysis in a new process with an empty cache (first use on a machine). */
  coldUncachedMs: number;
  /** Re-analysis after a schema change, engine and migrated shadow kept. */
  warmMedianMs: number;
  /** New shadow (fresh PGlite instance) + every migration applied + diff, each time. */
  freshShadowMedianMs: number;
  /** Same on a kept PGlite instance emptied between runs (our own cheaper "fresh"). */
  resetShadowMedianMs: number;
  warmRunsMs: number[];
  freshShadowRunsMs: number[];
  resetShadowRunsMs: number[];
  /** freshShadowMedianMs / warmMedianMs. */
  speedup: number;
  /** RSS of the long-lived session process after the runs (engine + embedded shadow). */
  rssBytes: number;
  /** RSS of the worker process after its cold analysis. */
  workerRssBytes: number;
  migrations: number;
  schemaFiles: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A schema change that touches the first model: adds (or, on odd runs, leaves out) one optional
 * field, so each warm run re-analyses a schema different from the previous one.
 */
function changedSchema(project: PrismaProject, run: number): PrismaProject['schemaFiles'] {
  let done = false;
  return project.schemaFiles.map((file) => {
    if (done || run % 2 === 1) return file;
    const model = schemaBlockSpans(file.content, ['model'])[0];
    // Right after the line of the model's name (its `{`).
    const at = model ? file.content.indexOf('\n', model.start) + 1 : 0;
    if (at === 0) return file;
    done = true;
    return {
      ...file,
      content: `${file.content.slice(0, at)}  driftGuardBench${run} String?\n${file.content.slice(at)}`,
    };
  });
}

async function timeCold(
  project: PrismaProject,
  options: BenchOptions,
  cacheDir: string,
): Promise<{ ms: number; rss: number }> {
  const client = new EngineWorkerClient({
    workerPath: options.workerPath,
    assetsDir: options.assetsDir,
    cacheDir,
    idleMs: 0,
  });
  const started = performance.now();
  try {
    await client.diffMigrationsToSchema(project);
    const ms = performance.now() - started;
    const stats = await client.stats();
    return { ms, rss: stats.rssBytes };
  } finally {
    await client.dispose();
  }
}

/**
 * Measures, on one project: cold (new process, without and with the persisted cache), warm
 * (schema changed, engine + migrated shadow kept) and freshShadow (new PGlite + apply all + diff,
 * which is what `prisma migrate diff --from-migrations` does), plus memory.
 */
export async function runBenchmark(project: PrismaProject, options: BenchOptions = {}): Promise<BenchResult> {
  const runs = Math.max(1, options.runs ?? 5);
  const log = options.log ?? (() => undefined);
  const ownCache = options.cacheDir ? undefined : await mkdtemp(path.join(os.tmpdir(), 'drift-guard-bench-'));
  const cacheDir = options.cacheDir ?? ownCache ?? '';
  try {
    // Cold without cache: a fresh folder each time.
    const emptyCache = await mkdtemp(path.join(os.tmpdir(), 'drift-guard-bench-empty-'));
    let uncached: { ms: number; rss: number };
    try {
      uncached = await timeCold(project, options, emptyCache);
    } finally {
      await rm(emptyCache, { recursive: true, force: true });
    }
    log(`cold (no cache): ${Math.round(uncached.ms)} ms`);
    if (ownCache) {
      // Fill the cache the way a first real use does, then let the worker finish its background work.
      const filler = new EngineSession({ assetsDir: options.assetsDir, cacheDir });
      await filler.diffMigrationsToSchema(project);
      await filler.diffMigrationsToSchema(project);
      await filler.dispose();
    }
    const cold = await timeCold(project, options, cacheDir);
    log(`cold (cached): ${Math.round(cold.ms)} ms`);

    const session = new EngineSession({ assetsDir: options.assetsDir, cacheDir });
    try {
      await session.diffMigrationsToSchema(project);
      await session.diffMigrationsToSchema(project); // after the background capture
      const warm: number[] = [];
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        await session.diffMigrationsToSchema(project, { schemaFiles: changedSchema(project, run) });
        warm.push(performance.now() - started);
      }
      log(`warm: ${warm.map(Math.round).join(', ')} ms`);
      const reset: number[] = [];
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        await session.diffMigrationsToSchemaFresh(project);
        reset.push(performance.now() - started);
      }
      log(`reset shadow: ${reset.map(Math.round).join(', ')} ms`);
      const rssBytes = process.memoryUsage().rss;
      const fresh: number[] = [];
      for (let run = 0; run < runs; run++) {
        // A new shadow each time: a new PGlite instance (from the cached initialised data dir).
        const freshSession = new EngineSession({ assetsDir: options.assetsDir, cacheDir: ownCache ?? cacheDir });
        const started = performance.now();
        await freshSession.diffMigrationsToSchemaFresh(project);
        fresh.push(performance.now() - started);
        await freshSession.dispose();
      }
      log(`fresh shadow: ${fresh.map(Math.round).join(', ')} ms`);
      const warmMedianMs = median(warm);
      const freshShadowMedianMs = median(fresh);
      return {
        coldMs: cold.ms,
        coldUncachedMs: uncached.ms,
        warmMedianMs,
        freshShadowMedianMs,
        resetShadowMedianMs: median(reset),
        warmRunsMs: warm,
        freshShadowRunsMs: fresh,
        resetShadowRunsMs: reset,
        speedup: freshShadowMedianMs / warmMedianMs,
        rssBytes,
        workerRssBytes: cold.rss,
        migrations: project.migrations.length,
        schemaFiles: project.schemaFiles.length,
      };
    } finally {
      await session.dispose();
    }
  } finally {
    if (ownCache) await rm(ownCache, { recursive: true, force: true });
  }
}
