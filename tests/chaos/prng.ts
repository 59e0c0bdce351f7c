/**
 * The one source of randomness of a chaos run: sfc32 seeded from the run's seed, so a seed replays
 * its schedule. Each part of a run takes its own stream (`fork`), so adding a draw in one part does
 * not shift every other part's choices.
 */
export interface Prng {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Fisher-Yates on a copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream named `label`, derived from this seed. */
  fork(label: string): Prng;
}

function hashLabel(seed: number, label: string): number {
  // FNV-1a over the label, mixed with the seed.
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function createPrng(seed: number): Prng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const raw = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) raw();
  const prng: Prng = {
    seed: seed >>> 0,
    next: raw,
    int: (min, max) => min + Math.floor(raw() * (max - min + 1)),
    between: (min, max) => min + raw() * (max - min),
    chance: (probability) => raw() < probability,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from nothing');
      return items[Math.floor(raw() * items.length)] as T;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(raw() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
    fork: (label) => createPrng(hashLabel(seed, label)),
  };
  return prng;
}

/** A fresh seed for a run that was not given one (printed, so the run can be replayed). */
export function newSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}
