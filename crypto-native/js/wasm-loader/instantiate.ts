/**
 * Instantiates build/wasm/anochat-nacl.wasm, the C core (include/anochat/nacl.h) over libsodium
 * compiled by scripts/build-wasm.sh. Browser-safe: no Node imports; node.ts reads the file in Node.
 *
 * The module is standalone (no emscripten JS glue). Its only import is
 * `env.anochat_fill_random(ptr, len)`, served here by crypto.getRandomValues() (pooled).
 *
 * Pointers and sizes are plain numbers (wasm32, memory capped at 2 GiB, so always non-negative).
 * `memory.buffer` is replaced whenever the memory grows (inside malloc, pwhash or secretstream):
 * re-create views after any call rather than keeping a Uint8Array across calls.
 */

/** File name of the module, as built into crypto-native/build/wasm/. */
export const NACL_WASM_FILE = 'anochat-nacl.wasm';
/** Location of the module relative to the crypto-native package root. */
export const NACL_WASM_PACKAGE_PATH = `build/wasm/${NACL_WASM_FILE}`;

/** An address in the module's memory. */
export type Pointer = number;

/**
 * Every function the module exports. Statuses are ANOCHAT_OK (0) or a negative anochat_status;
 * see include/anochat/nacl.h for the contract of each one.
 */
export interface NaclWasmExports {
  /** libsodium's allocator (returns 0 when memory cannot grow). */
  malloc(size: number): Pointer;
  free(pointer: Pointer): void;

  /** Registers the randomness import and initialises libsodium. The loader calls it. */
  anochat_wasm_init(): number;
  anochat_init(): number;
  /** Pointer to a NUL-terminated static English string ("" after success). */
  anochat_last_error(): Pointer;
  anochat_libsodium_version(): Pointer;

  anochat_random_bytes(out: Pointer, outLen: number): number;

  anochat_box_keypair(pk: Pointer, pkLen: number, sk: Pointer, skLen: number): number;
  anochat_box_seed_keypair(
    pk: Pointer,
    pkLen: number,
    sk: Pointer,
    skLen: number,
    seed: Pointer,
    seedLen: number,
  ): number;
  anochat_scalarmult_base(q: Pointer, qLen: number, n: Pointer, nLen: number): number;
  anochat_scalarmult(
    q: Pointer,
    qLen: number,
    n: Pointer,
    nLen: number,
    p: Pointer,
    pLen: number,
  ): number;

  anochat_box(
    c: Pointer,
    cLen: number,
    m: Pointer,
    mLen: number,
    nonce: Pointer,
    nonceLen: number,
    pk: Pointer,
    pkLen: number,
    sk: Pointer,
    skLen: number,
  ): number;
  anochat_box_open(
    m: Pointer,
    mLen: number,
    c: Pointer,
    cLen: number,
    nonce: Pointer,
    nonceLen: number,
    pk: Pointer,
    pkLen: number,
    sk: Pointer,
    skLen: number,
  ): number;
  anochat_box_beforenm(
    k: Pointer,
    kLen: number,
    pk: Pointer,
    pkLen: number,
    sk: Pointer,
    skLen: number,
  ): number;
  anochat_box_easy_afternm(
    c: Pointer,
    cLen: number,
    m: Pointer,
    mLen: number,
    nonce: Pointer,
    nonceLen: number,
    k: Pointer,
    kLen: number,
  ): number;
  anochat_box_open_easy_afternm(
    m: Pointer,
    mLen: number,
    c: Pointer,
    cLen: number,
    nonce: Pointer,
    nonceLen: number,
    k: Pointer,
    kLen: number,
  ): number;

  anochat_box_seal(
    c: Pointer,
    cLen: number,
    m: Pointer,
    mLen: number,
    pk: Pointer,
    pkLen: number,
  ): number;
  anochat_box_seal_open(
    m: Pointer,
    mLen: number,
    c: Pointer,
    cLen: number,
    pk: Pointer,
    pkLen: number,
    sk: Pointer,
    skLen: number,
  ): number;

  anochat_secretbox(
    c: Pointer,
    cLen: number,
    m: Pointer,
    mLen: number,
    nonce: Pointer,
    nonceLen: number,
    key: Pointer,
    keyLen: number,
  ): number;
  anochat_secretbox_open(
    m: Pointer,
    mLen: number,
    c: Pointer,
    cLen: number,
    nonce: Pointer,
    nonceLen: number,
    key: Pointer,
    keyLen: number,
  ): number;

  anochat_sign_keypair(pk: Pointer, pkLen: number, sk: Pointer, skLen: number): number;
  anochat_sign_seed_keypair(
    pk: Pointer,
    pkLen: number,
    sk: Pointer,
    skLen: number,
    seed: Pointer,
    seedLen: number,
  ): number;
  anochat_sign_detached(
    sig: Pointer,
    sigLen: number,
    m: Pointer,
    mLen: number,
    sk: Pointer,
    skLen: number,
  ): number;
  anochat_sign_verify_detached(
    sig: Pointer,
    sigLen: number,
    m: Pointer,
    mLen: number,
    pk: Pointer,
    pkLen: number,
  ): number;
  /** msgLens points to n little-endian uint32 lengths; results receives n bytes (1 valid, 0 not). */
  anochat_sign_verify_batch(
    results: Pointer,
    n: number,
    pks: Pointer,
    pksLen: number,
    sigs: Pointer,
    sigsLen: number,
    msgs: Pointer,
    msgsLen: number,
    msgLens: Pointer,
    msgLensCount: number,
  ): number;

  anochat_secretstream_init_push(
    state: Pointer,
    stateLen: number,
    header: Pointer,
    headerLen: number,
    key: Pointer,
    keyLen: number,
  ): number;
  anochat_secretstream_push(
    state: Pointer,
    stateLen: number,
    c: Pointer,
    cLen: number,
    m: Pointer,
    mLen: number,
    ad: Pointer,
    adLen: number,
    tag: number,
  ): number;
  anochat_secretstream_init_pull(
    state: Pointer,
    stateLen: number,
    header: Pointer,
    headerLen: number,
    key: Pointer,
    keyLen: number,
  ): number;
  /** tag points to one byte that receives the chunk's tag. */
  anochat_secretstream_pull(
    state: Pointer,
    stateLen: number,
    m: Pointer,
    mLen: number,
    tag: Pointer,
    c: Pointer,
    cLen: number,
    ad: Pointer,
    adLen: number,
  ): number;

  /** opsLimit and memLimit are uint32. */
  anochat_pwhash_str(
    out: Pointer,
    outLen: number,
    password: Pointer,
    passwordLen: number,
    opsLimit: number,
    memLimit: number,
  ): number;
  anochat_pwhash_str_verify(
    hash: Pointer,
    hashLen: number,
    password: Pointer,
    passwordLen: number,
  ): number;
  anochat_pwhash_derive(
    out: Pointer,
    outLen: number,
    password: Pointer,
    passwordLen: number,
    salt: Pointer,
    saltLen: number,
    opsLimit: number,
    memLimit: number,
  ): number;

  anochat_generichash(
    out: Pointer,
    outLen: number,
    m: Pointer,
    mLen: number,
    key: Pointer,
    keyLen: number,
  ): number;
}

export interface NaclWasm {
  readonly exports: NaclWasmExports;
  readonly memory: WebAssembly.Memory;
}

/** Names of every function in NaclWasmExports; the loader checks the module has each of them. */
export const NACL_WASM_FUNCTIONS = [
  'malloc',
  'free',
  'anochat_wasm_init',
  'anochat_init',
  'anochat_last_error',
  'anochat_libsodium_version',
  'anochat_random_bytes',
  'anochat_box_keypair',
  'anochat_box_seed_keypair',
  'anochat_scalarmult_base',
  'anochat_scalarmult',
  'anochat_box',
  'anochat_box_open',
  'anochat_box_beforenm',
  'anochat_box_easy_afternm',
  'anochat_box_open_easy_afternm',
  'anochat_box_seal',
  'anochat_box_seal_open',
  'anochat_secretbox',
  'anochat_secretbox_open',
  'anochat_sign_keypair',
  'anochat_sign_seed_keypair',
  'anochat_sign_detached',
  'anochat_sign_verify_detached',
  'anochat_sign_verify_batch',
  'anochat_secretstream_init_push',
  'anochat_secretstream_push',
  'anochat_secretstream_init_pull',
  'anochat_secretstream_pull',
  'anochat_pwhash_str',
  'anochat_pwhash_str_verify',
  'anochat_pwhash_derive',
  'anochat_generichash',
] as const satisfies readonly (keyof NaclWasmExports)[];

// Compile-time check that the list above names every member of NaclWasmExports.
type MissingFromList = Exclude<keyof NaclWasmExports, (typeof NACL_WASM_FUNCTIONS)[number]>;
const listIsComplete: [MissingFromList] extends [never] ? true : MissingFromList = true;
void listIsComplete;

/** crypto.getRandomValues() fills at most 65536 bytes per call. */
const RANDOM_SLICE_BYTES = 65536;

export interface RandomSource {
  getRandomValues(array: Uint8Array): unknown;
}

function secureRandomSource(): RandomSource {
  const candidate = (globalThis as { crypto?: Partial<RandomSource> }).crypto;
  if (typeof candidate?.getRandomValues !== 'function') {
    throw new Error(
      'anochat-nacl.wasm needs globalThis.crypto.getRandomValues (every current browser, Node >= 19)',
    );
  }
  return candidate as RandomSource;
}

/** Randomness drawn ahead, in one getRandomValues call per this many bytes. */
const RANDOM_POOL_BYTES = 4096;

/**
 * Fills buffers from a pool refilled in 4 KiB draws: getRandomValues costs microseconds per call,
 * a sixth of sealing a short message (its 24-byte nonce) when called for each. Every byte is
 * handed out once and wiped from the pool; requests larger than a quarter pool go straight to the
 * source.
 */
export function pooledRandomFill(source: RandomSource): (target: Uint8Array) => void {
  const pool = new Uint8Array(RANDOM_POOL_BYTES);
  let used = RANDOM_POOL_BYTES;
  return (target) => {
    if (target.length > RANDOM_POOL_BYTES / 4) {
      for (let offset = 0; offset < target.length; offset += RANDOM_SLICE_BYTES) {
        source.getRandomValues(target.subarray(offset, offset + RANDOM_SLICE_BYTES));
      }
      return;
    }
    if (used + target.length > RANDOM_POOL_BYTES) {
      source.getRandomValues(pool);
      used = 0;
    }
    target.set(pool.subarray(used, used + target.length));
    pool.fill(0, used, used + target.length);
    used += target.length;
  };
}

/** Reads a NUL-terminated UTF-8 string from the module's memory. */
export function readCString(memory: WebAssembly.Memory, pointer: Pointer): string {
  const heap = new Uint8Array(memory.buffer);
  let end = pointer;
  while (end < heap.length && heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(pointer, end));
}

/**
 * Compiles and instantiates the module from its bytes, supplies its imports, checks it exports
 * every function of NaclWasmExports, and initialises it (libsodium's sodium_init). Throws an Error
 * when any of that fails.
 */
export async function instantiateNaclWasm(bytes: BufferSource): Promise<NaclWasm> {
  const fillRandom = pooledRandomFill(secureRandomSource());
  // The memory is the module's own export, known only after instantiation.
  let memory: WebAssembly.Memory | undefined;

  const imports = {
    env: {
      anochat_fill_random(pointer: number, length: number): void {
        if (memory === undefined)
          throw new Error('anochat-nacl.wasm: randomness requested before instantiation');
        const start = pointer >>> 0;
        const end = start + (length >>> 0);
        // A fresh view per call: the memory may have grown since the last one.
        const heap = new Uint8Array(memory.buffer);
        if (end > heap.length)
          throw new RangeError('anochat-nacl.wasm: random buffer out of bounds');
        fillRandom(heap.subarray(start, end));
      },
    },
  } satisfies WebAssembly.Imports;

  let instance: WebAssembly.Instance;
  try {
    ({ instance } = await WebAssembly.instantiate(bytes, imports));
  } catch (error) {
    throw new Error(`anochat-nacl.wasm: cannot instantiate the module: ${String(error)}`, {
      cause: error,
    });
  }

  const raw = instance.exports;
  if (!(raw.memory instanceof WebAssembly.Memory)) {
    throw new Error('anochat-nacl.wasm: the module exports no memory');
  }
  memory = raw.memory;
  const missing = NACL_WASM_FUNCTIONS.filter((name) => typeof raw[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(
      `anochat-nacl.wasm: the module lacks ${missing.join(', ')} (stale build? run crypto-native/scripts/build-wasm.sh)`,
    );
  }
  const exports = raw as unknown as NaclWasmExports;

  // A reactor-style module runs its static constructors in _initialize, when it has any.
  if (typeof raw._initialize === 'function') (raw._initialize as () => void)();

  let status: number;
  try {
    status = exports.anochat_wasm_init();
  } catch (error) {
    throw new Error(`anochat-nacl.wasm: initialisation trapped: ${String(error)}`, {
      cause: error,
    });
  }
  if (status !== 0) {
    const reason = readCString(memory, exports.anochat_last_error());
    throw new Error(
      `anochat-nacl.wasm: initialisation failed with status ${status}${reason ? `: ${reason}` : ''}`,
    );
  }
  return { exports, memory };
}
