import { existsSync } from 'node:fs';
import * as l10n from '@vscode/l10n';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * Where the binary assets of the engine layer live:
 *  - in the webpack bundle: `dist/` next to `cli.js` / `engineWorker.js` (copied by webpack.config.js);
 *  - in development and tests: the packages in node_modules.
 */
export interface EngineAssets {
  /** `schema_engine_bg.wasm` of the pinned `@prisma/schema-engine-wasm`. */
  schemaEngineWasm: string;
  /** Folder holding `pglite.wasm`, `initdb.wasm`, `pglite.data` and the contrib `<name>.tar.gz`. */
  pgliteDir: string;
  /** Folders holding the extension tarballs: dist/ in the bundle; PGlite's and pgvector's packages otherwise. */
  extensionDirs: string[];
}

const SCHEMA_ENGINE_WASM = 'schema_engine_bg.wasm';

let cached: EngineAssets | undefined;

function isAssetDir(dir: string): boolean {
  return existsSync(path.join(dir, SCHEMA_ENGINE_WASM)) && existsSync(path.join(dir, 'pglite.wasm'));
}

/**
 * Finds the assets. `override` (a folder with the same layout as `dist/`) wins; then the folder
 * of the running bundle; then node_modules. Throws when nothing is found — a packaging bug.
 */
export function locateEngineAssets(override?: string): EngineAssets {
  if (override) {
    if (!isAssetDir(override)) {
      throw new Error(
        l10n.t('Engine assets not found in {0} (expected {1} and pglite.wasm).', override, SCHEMA_ENGINE_WASM),
      );
    }
    return {
      schemaEngineWasm: path.join(override, SCHEMA_ENGINE_WASM),
      pgliteDir: override,
      extensionDirs: [override],
    };
  }
  if (cached) return cached;
  // In the bundle, __dirname is dist/ (webpack `node.__dirname: false`).
  for (const dir of [__dirname, path.resolve(__dirname, '..')]) {
    if (isAssetDir(dir)) {
      cached = { schemaEngineWasm: path.join(dir, SCHEMA_ENGINE_WASM), pgliteDir: dir, extensionDirs: [dir] };
      return cached;
    }
  }
  const localRequire = createRequire(__filename);
  let glue: string;
  let pglite: string;
  let pgvector: string;
  try {
    glue = localRequire.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    pglite = localRequire.resolve('@electric-sql/pglite');
    pgvector = localRequire.resolve('@electric-sql/pglite-pgvector');
  } catch (error) {
    throw new Error(
      l10n.t('Engine assets not found next to the bundle nor in node_modules: {0}', (error as Error).message),
    );
  }
  cached = {
    schemaEngineWasm: path.join(path.dirname(glue), SCHEMA_ENGINE_WASM),
    pgliteDir: path.dirname(pglite),
    extensionDirs: [path.dirname(pglite), path.dirname(pgvector)],
  };
  return cached;
}
