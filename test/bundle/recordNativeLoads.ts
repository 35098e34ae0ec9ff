/**
 * Imported first by the bundle check: records every native addon (`.node`) the process loads, so the check can
 * prove that the bundled ssh2 runs on its pure-JS crypto.
 */
export const nativeModulesLoaded: string[] = [];

const dlopen = process.dlopen.bind(process);
process.dlopen = (module: { exports: unknown }, filename: string, flags?: number) => {
  nativeModulesLoaded.push(filename);
  return flags === undefined ? dlopen(module, filename) : dlopen(module, filename, flags);
};
