/**
 * The part of the WebAssembly JavaScript API that `js/wasm-loader/instantiate.ts` uses, for the
 * Node program (the root tsconfig.json). Node runs WebAssembly, but TypeScript declares the API
 * only in the DOM library and @types/node 20 not at all; the browser programs take the DOM's
 * declarations and never include this file.
 */
declare namespace WebAssembly {
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  var Memory: {
    prototype: Memory;
    new (descriptor: { initial: number; maximum?: number }): Memory;
  };
  type Exports = Record<string, unknown>;
  type ImportValue = ((...args: never) => unknown) | Memory | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  interface Instance {
    readonly exports: Exports;
  }
  interface WebAssemblyInstantiatedSource {
    instance: Instance;
    module: object;
  }
  function instantiate(
    bytes: ArrayBufferView<ArrayBuffer> | ArrayBuffer,
    imports?: Imports,
  ): Promise<WebAssemblyInstantiatedSource>;
}

/** What the DOM library calls the bytes `WebAssembly.instantiate` takes. */
type BufferSource = ArrayBufferView<ArrayBuffer> | ArrayBuffer;
