import { NaclError } from '../../errors.ts';
import type { NaclWasm } from '../../wasm-loader/instantiate.ts';

const INITIAL_CAPACITY = 64 * 1024;
/** Above this, the region is released after the call: one large attachment should not pin memory. */
const RETAINED_CAPACITY = 4 * 1024 * 1024;
const ALIGNMENT = 8;

/**
 * One reusable scratch region in WebAssembly memory for the inputs and outputs of a call, so the
 * hot paths copy bytes in and out instead of calling malloc and free per operation. It grows
 * (never shrinks) when a call needs more, and is zeroed after every call so that no key or
 * plaintext lingers in the module's memory.
 */
export class WasmArena {
  private base = 0;
  private capacity = 0;
  private used = 0;
  private heap: Uint8Array;

  constructor(private readonly wasm: NaclWasm) {
    this.heap = new Uint8Array(wasm.memory.buffer);
  }

  /** Returns a pointer for each size, 8-byte aligned, in one region large enough for all. */
  layout(sizes: readonly number[]): number[] {
    const offsets: number[] = [];
    let total = 0;
    for (const size of sizes) {
      offsets.push(total);
      total += Math.ceil(size / ALIGNMENT) * ALIGNMENT;
    }
    this.reserve(total);
    this.used = total;
    return offsets.map((offset) => this.base + offset);
  }

  copyIn(pointer: number, bytes: Uint8Array): void {
    this.currentHeap().set(bytes, pointer);
  }

  /**
   * A copy of the bytes on an ArrayBuffer of its own. Never a view into a shared pool: a pooled
   * ciphertext's `.buffer` would hold keys and plaintexts of other calls, and transferring it (to a
   * worker, say) would detach them.
   */
  copyOut(pointer: number, length: number): Uint8Array {
    return this.currentHeap().slice(pointer, pointer + length);
  }

  view(pointer: number, length: number): Uint8Array {
    return this.currentHeap().subarray(pointer, pointer + length);
  }

  writeUint32(pointer: number, value: number): void {
    new DataView(this.wasm.memory.buffer).setUint32(pointer, value, true);
  }

  wipe(): void {
    this.currentHeap().fill(0, this.base, this.base + this.used);
    this.used = 0;
    if (this.capacity > RETAINED_CAPACITY) {
      this.wasm.exports.free(this.base);
      this.base = 0;
      this.capacity = 0;
    }
  }

  readCString(pointer: number): string {
    const heap = this.currentHeap();
    let end = pointer;
    while (end < heap.length && heap[end] !== 0) end++;
    return new TextDecoder().decode(heap.subarray(pointer, end));
  }

  private reserve(bytes: number): void {
    if (bytes <= this.capacity) return;
    const capacity = Math.max(bytes, this.capacity * 2, INITIAL_CAPACITY);
    if (this.base !== 0) this.wasm.exports.free(this.base);
    this.base = 0;
    const base = this.wasm.exports.malloc(capacity);
    if (base === 0) {
      this.capacity = 0;
      throw new NaclError('INTERNAL', `WebAssembly memory cannot hold ${capacity} more bytes`);
    }
    this.base = base;
    this.capacity = capacity;
  }

  /** Memory growth (in malloc or inside libsodium) detaches the old buffer; views follow it. */
  private currentHeap(): Uint8Array {
    if (this.heap.buffer !== this.wasm.memory.buffer) {
      this.heap = new Uint8Array(this.wasm.memory.buffer);
    }
    return this.heap;
  }
}
