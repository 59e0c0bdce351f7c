import type { LinkShape } from './fault-proxy.ts';
import { createPrng } from './prng.ts';

/**
 * A chaos run's whole plan, drawn from its seed before anything starts: who talks in which
 * conversations, when each numbered message is written, and when which fault strikes. The same
 * seed gives the same plan (what the system then does with it depends on timing).
 */
export interface ChaosProfile {
  name: string;
  clients: [number, number];
  /** How long messages are written and faults strike. */
  activeMs: number;
  messagesPerClient: [number, number];
  /** Each client's link for the whole run; null: drawn per client (some good, some bad). */
  link: LinkShape | null;
  /** How many of each fault a run gets (drawn in [min, max]). */
  faults: {
    proxy: [number, number];
    offline: [number, number];
    serverKill: [number, number];
    postgresRestart: [number, number];
    postgresOutage: [number, number];
  };
  /** How long the harness waits after healing everything for the devices to agree. */
  settleMs: number;
}

export type ProxyFault = 'blackhole' | 'reset' | 'cut-mid-frame' | 'lost-answer' | 'stall';

export interface ConversationPlan {
  kind: 'direct' | 'group';
  creator: number;
  members: number[];
}

export type ChaosEvent =
  | { at: number; kind: 'send'; client: number; conversation: number; n: number }
  | { at: number; kind: 'proxy'; client: number; fault: ProxyFault; ms: number }
  | { at: number; kind: 'offline'; client: number; ms: number }
  | {
      at: number;
      kind: 'server-kill';
      instance: number;
      downMs: number;
      /** SIGTERM (a graceful stop, as `docker stop` does) instead of SIGKILL. */
      graceful: boolean;
    }
  | { at: number; kind: 'postgres-restart' }
  | { at: number; kind: 'postgres-outage'; ms: number };

export interface ChaosPlan {
  seed: number;
  profile: ChaosProfile;
  clients: number;
  links: LinkShape[];
  conversations: ConversationPlan[];
  events: ChaosEvent[];
}

const PROXY_FAULTS: readonly ProxyFault[] = [
  'blackhole',
  'reset',
  'cut-mid-frame',
  'lost-answer',
  'stall',
];

/** Links a person on the move may have: good Wi-Fi to a congested mobile edge. */
function drawLink(prng: ReturnType<typeof createPrng>): LinkShape {
  const kind = prng.pick(['good', 'slow', 'far', 'lossy'] as const);
  switch (kind) {
    case 'good':
      return { latencyMs: prng.int(0, 20), jitterMs: 5, bytesPerSecond: 0, frameCutProbability: 0 };
    case 'slow':
      return {
        latencyMs: prng.int(50, 200),
        jitterMs: prng.int(10, 100),
        bytesPerSecond: prng.pick([16_000, 64_000, 256_000]),
        frameCutProbability: 0,
      };
    case 'far':
      return {
        latencyMs: prng.int(300, 500),
        jitterMs: prng.int(20, 150),
        bytesPerSecond: 0,
        frameCutProbability: 0,
      };
    case 'lossy':
      return {
        latencyMs: prng.int(50, 400),
        jitterMs: prng.int(10, 100),
        bytesPerSecond: 0,
        frameCutProbability: prng.between(0.01, 0.05),
      };
  }
}

export function planRun(seed: number, profile: ChaosProfile): ChaosPlan {
  const root = createPrng(seed);
  const people = root.fork('people');
  const clients = people.int(...profile.clients);
  const links = Array.from(
    { length: clients },
    (_, index) => profile.link ?? drawLink(root.fork(`link${index}`)),
  );

  // Every client in at least one direct chat, and one or two groups of three or more.
  const conversations: ConversationPlan[] = [];
  const order = people.shuffle(Array.from({ length: clients }, (_, index) => index));
  for (let i = 0; i < order.length; i++) {
    const a = order[i] as number;
    const b = order[(i + 1) % order.length] as number;
    if (i === order.length - 1 && clients === 2) break;
    conversations.push({ kind: 'direct', creator: a, members: [a, b] });
  }
  const groups = people.int(1, 2);
  for (let g = 0; g < groups; g++) {
    const size = people.int(3, clients);
    const members = people
      .shuffle(Array.from({ length: clients }, (_, index) => index))
      .slice(0, size);
    conversations.push({ kind: 'group', creator: members[0] as number, members });
  }

  const events: ChaosEvent[] = [];
  const timing = root.fork('messages');
  const sequence = new Map<string, number>();
  const send = (at: number, client: number) => {
    const mine = conversations.flatMap((plan, index) =>
      plan.members.includes(client) ? [index] : [],
    );
    const conversation = timing.pick(mine);
    const key = `${client}/${conversation}`;
    const n = (sequence.get(key) ?? 0) + 1;
    sequence.set(key, n);
    events.push({ at, kind: 'send', client, conversation, n });
  };
  const writes: { at: number; client: number }[] = [];
  for (let client = 0; client < clients; client++) {
    const count = timing.int(...profile.messagesPerClient);
    for (let i = 0; i < count; i++) {
      writes.push({ at: Math.floor(timing.between(0, profile.activeMs)), client });
    }
  }

  const faults = root.fork('faults');
  const when = () => Math.floor(faults.between(0.05, 0.85) * profile.activeMs);
  for (let i = faults.int(...profile.faults.proxy); i > 0; i--) {
    const fault = faults.pick(PROXY_FAULTS);
    events.push({
      at: when(),
      kind: 'proxy',
      client: faults.int(0, clients - 1),
      fault,
      ms: fault === 'blackhole' || fault === 'stall' ? faults.int(1_000, 8_000) : 0,
    });
  }
  for (let i = faults.int(...profile.faults.offline); i > 0; i--) {
    const client = faults.int(0, clients - 1);
    const at = when();
    const ms = faults.int(2_000, 10_000);
    events.push({ at, kind: 'offline', client, ms });
    // Written while cut off.
    for (let k = faults.int(1, 3); k > 0; k--) {
      writes.push({ at: at + Math.floor(faults.between(0.1, 0.9) * ms), client });
    }
  }
  for (let i = faults.int(...profile.faults.serverKill); i > 0; i--) {
    events.push({
      at: when(),
      kind: 'server-kill',
      instance: faults.int(0, 1),
      downMs: faults.int(0, 5_000),
      graceful: false,
    });
  }
  for (let i = faults.int(...profile.faults.postgresRestart); i > 0; i--) {
    events.push({ at: when(), kind: 'postgres-restart' });
  }
  for (let i = faults.int(...profile.faults.postgresOutage); i > 0; i--) {
    events.push({ at: when(), kind: 'postgres-outage', ms: faults.int(2_000, 8_000) });
  }

  // Drawn last, so that the rest of a seed's plan is what it was before graceful stops existed.
  for (const event of events) {
    if (event.kind === 'server-kill') event.graceful = faults.int(0, 2) === 0;
  }

  // Numbered in the order each sender writes them.
  writes.sort((x, y) => x.at - y.at);
  for (const write of writes) send(write.at, write.client);
  events.sort((x, y) => x.at - y.at);
  return { seed, profile, clients, links, conversations, events };
}

/** A message's text: who wrote it, where, and its number in that sender's sequence there. */
export function messageText(seed: number, client: number, conversation: number, n: number) {
  return `chaos ${seed} c${client} k${conversation} #${n}`;
}

export function parseMessageText(
  text: string,
): { client: number; conversation: number; n: number } | null {
  const match = /^chaos \d+ c(\d+) k(\d+) #(\d+)$/.exec(text);
  if (match === null) return null;
  return { client: Number(match[1]), conversation: Number(match[2]), n: Number(match[3]) };
}
