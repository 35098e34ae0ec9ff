import { readFile } from 'node:fs/promises';
import type * as SchemaEngineGlue from '@prisma/schema-engine-wasm/schema_engine_bg' with { 'resolution-mode': 'import' };
import { locateEngineAssets } from './assets';
import { wasm } from './wasmApi';

/** The wasm-bindgen glue of `@prisma/schema-engine-wasm`, initialised with its WebAssembly module. */
export type SchemaEngineRuntime = typeof SchemaEngineGlue;

export interface LoadedSchemaEngine {
  runtime: SchemaEngineRuntime;
  /** Engine version (the prisma-engines commit). */
  version: string;
  /** Time spent reading, compiling and instantiating the module. */
  loadMs: number;
}

let loading: Promise<LoadedSchemaEngine> | undefined;

/**
 * Loads the pinned schema engine once per process, lazily, on first use.
 *
 * The package's `.wasm` is not in its `exports`: we import the glue module (ESM; webpack bundles
 * it into our CJS output), read the `.wasm` from the assets folder (dist/ in the bundle,
 * node_modules in development), instantiate it against the glue, and start it.
 */
export function loadSchemaEngine(assetsDir?: string): Promise<LoadedSchemaEngine> {
  loading ??= load(assetsDir).catch((error: unknown) => {
    loading = undefined; // a later call may succeed (e.g. a file that was being written)
    throw error;
  });
  return loading;
}

async function load(assetsDir?: string): Promise<LoadedSchemaEngine> {
  const started = performance.now();
  const assets = locateEngineAssets(assetsDir);
  const [runtime, bytes] = await Promise.all([
    import('@prisma/schema-engine-wasm/schema_engine_bg'),
    readFile(assets.schemaEngineWasm),
  ]);
  const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': runtime });
  const exports = instance.exports as { __wbindgen_start(): void };
  runtime.__wbg_set_wasm(exports);
  exports.__wbindgen_start();
  return { runtime, version: runtime.version(), loadMs: performance.now() - started };
}
