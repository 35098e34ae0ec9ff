/**
 * The few WebAssembly APIs we use. Node has had them forever, but `@types/node` 20 does not
 * declare the global (it comes with the DOM lib, which src/core must not use).
 */
export interface WasmModule {
  readonly __wasmModule: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: WasmInstance; module: WasmModule }>;
}

export const wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
