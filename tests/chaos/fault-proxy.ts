import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import type { Prng } from './prng.ts';
import { isSwitchingProtocols, isUpgradeRequest, type Unit, UnitSplitter } from './ws-frames.ts';

/**
 * A userspace TCP proxy between one client and the sync server(s) that makes the link as bad as a
 * test asks (the kernel here has no netem, and Chromium's throttling does not slow WebSockets).
 * Everything is applied per unit (an HTTP head, a WebSocket frame, a raw chunk), in order, per
 * direction:
 *
 * - latency + jitter: each unit arrives `latencyMs ± jitterMs` after it was sent (never before the
 *   previous one: TCP keeps order); a new connection also waits one round trip (the handshake);
 * - bandwidth: units leave one after another at `bytesPerSecond`;
 * - frame cuts: each WebSocket frame cuts the connection with `frameCutProbability` (half of it
 *   is delivered, then both sides are closed);
 * - faults on demand (see the methods): silent blackhole, RST, a cut in the middle of the next
 *   frame, the answer to a push lost after the server committed it, stalls, offline.
 *
 * Each new connection goes to `target()` (two instances: the client may land on either).
 */
export interface LinkShape {
  latencyMs: number;
  jitterMs: number;
  /** 0: unlimited. */
  bytesPerSecond: number;
  /** Per WebSocket frame, either direction. */
  frameCutProbability: number;
}

export const PERFECT_LINK: LinkShape = {
  latencyMs: 0,
  jitterMs: 0,
  bytesPerSecond: 0,
  frameCutProbability: 0,
};

/**
 * One WebSocket frame through the proxy, for the delivery timeline (`CHAOS_TIMELINE=1`,
 * timeline.ts): when it left its sender, and when it reached the other end (or how it died).
 */
export interface FrameRecord {
  /** The proxied connection it travelled on (counted from 1 per proxy). */
  connection: number;
  direction: 'up' | 'down';
  /** The whole text payload (socket.io packets), '' for binary frames. */
  text: string;
  sentAt: number;
  /** Delivered at; null while on its way, or when it never arrived. */
  arrivedAt: number | null;
  /** 'cut': the connection was cut on this frame; 'dropped': it died before the frame arrived. */
  outcome: 'delivered' | 'cut' | 'dropped' | null;
}

/** One proxied connection: when the device opened it and when it was closed. */
export interface ConnectionRecord {
  connection: number;
  openedAt: number;
  closedAt: number | null;
}

export type FaultKind =
  | 'blackhole'
  | 'reset'
  | 'cut-mid-frame'
  | 'lost-answer'
  | 'stall'
  | 'offline'
  | 'frame-cut';

export interface FaultProxy {
  readonly port: number;
  readonly url: string;
  setLink(link: Partial<LinkShape>): void;
  /**
   * The route dies silently: every open connection stops passing anything (no close either: only
   * the ends' own timeouts notice), and connections opened in the next `ms` are swallowed the same
   * way. Like a mobile network switch or a lost NAT mapping.
   */
  blackhole(ms: number): void;
  /** Every open connection is reset (RST). */
  reset(): void;
  /** The next WebSocket frame (server to client if `direction` says so) is cut halfway. */
  cutMidFrame(direction?: 'up' | 'down'): void;
  /** The next push answer is dropped and the connection cut: the server committed, the client never hears. */
  loseNextPushAnswer(): void;
  /** Nothing moves for `ms` on open connections; then everything arrives, late (TCP retransmits). */
  stall(ms: number): void;
  /** No network: connections are refused and open ones reset, until online(). */
  offline(): void;
  online(): void;
  /** Back to a perfect link: online, nothing armed (connections already blackholed stay dead). */
  heal(): void;
  /** Test hook: called with every WebSocket frame's first characters; return true to cut there. */
  cutWhen(predicate: ((direction: 'up' | 'down', text: string) => boolean) | null): void;
  readonly faults: Record<FaultKind, number>;
  /** WebSocket frames delivered, by direction and what they carry (`up 42 push`, `down 2 ping`...). */
  readonly census: Map<string, number>;
  readonly connections: number;
  /** Every frame and connection, when started with `recordFrames` (else empty). */
  readonly timeline: { frames: FrameRecord[]; connections: ConnectionRecord[] };
  close(): Promise<void>;
}

type Direction = 'up' | 'down';

interface Leg {
  from: Socket;
  to: Socket;
  direction: Direction;
  splitter: UnitSplitter;
  lastDeliverAt: number;
  txFreeAt: number;
  timer: NodeJS.Timeout | null;
  queue: { at: number; unit: Unit | 'end'; record: FrameRecord | null }[];
}

interface Pipe {
  client: Socket;
  server: Socket;
  legs: Record<Direction, Leg>;
  silent: boolean;
  pausedUntil: number;
  pushAckIds: Set<string>;
  closed: boolean;
  record: ConnectionRecord | null;
}

export async function startFaultProxy(options: {
  target(): number;
  prng: Prng;
  link?: Partial<LinkShape>;
  host?: string;
  /** Keep every frame's text and times (the delivery timeline): costs memory, for diagnosis. */
  recordFrames?: boolean;
}): Promise<FaultProxy> {
  const { prng } = options;
  let link: LinkShape = { ...PERFECT_LINK, ...options.link };
  const pipes = new Set<Pipe>();
  const faults: Record<FaultKind, number> = {
    blackhole: 0,
    reset: 0,
    'cut-mid-frame': 0,
    'lost-answer': 0,
    stall: 0,
    offline: 0,
    'frame-cut': 0,
  };
  let blackholeUntil = 0;
  let isOffline = false;
  let armedCut: Direction | 'any' | null = null;
  let armedLostAnswer = false;
  let cutPredicate: ((direction: Direction, text: string) => boolean) | null = null;
  const census = new Map<string, number>();
  const timeline = { frames: [] as FrameRecord[], connections: [] as ConnectionRecord[] };
  const count = (direction: Direction, text: string) => {
    const event = /^4[23]\d*\["([A-Za-z]+)"/.exec(text)?.[1] ?? '';
    const label = `${direction} ${text.startsWith('43') ? '43 ack' : `${text.slice(0, 2)} ${event}`}`;
    census.set(label, (census.get(label) ?? 0) + 1);
  };

  function delayOf(): number {
    const jitter = link.jitterMs === 0 ? 0 : prng.between(-link.jitterMs, link.jitterMs);
    return Math.max(0, link.latencyMs + jitter);
  }

  function destroyPipe(pipe: Pipe, how: 'end' | 'reset') {
    if (pipe.closed) return;
    pipe.closed = true;
    pipes.delete(pipe);
    if (pipe.record !== null) pipe.record.closedAt = Date.now();
    for (const leg of Object.values(pipe.legs)) {
      if (leg.timer !== null) clearTimeout(leg.timer);
      for (const queued of leg.queue) {
        if (queued.record !== null) queued.record.outcome = 'dropped';
      }
      leg.queue = [];
    }
    for (const socket of [pipe.client, pipe.server]) {
      if (how === 'reset' && !socket.destroyed && socket.readyState === 'open') {
        socket.resetAndDestroy();
      } else socket.destroy();
    }
  }

  /** Half of the frame reaches the other side, then the connection is gone. */
  function cutInside(pipe: Pipe, leg: Leg, unit: Unit) {
    const cutAt = Math.max(1, Math.floor(unit.bytes.length / 2));
    leg.to.write(unit.bytes.subarray(0, cutAt), () => destroyPipe(pipe, 'end'));
    setTimeout(() => destroyPipe(pipe, 'end'), 50).unref();
  }

  function deliver(pipe: Pipe, leg: Leg, unit: Unit | 'end', record: FrameRecord | null) {
    if (pipe.closed || pipe.silent) {
      if (record !== null) record.outcome = 'dropped';
      return;
    }
    const outcome = deliverUnit(pipe, leg, unit);
    if (record !== null) {
      record.outcome = outcome;
      if (outcome === 'delivered') record.arrivedAt = Date.now();
    }
  }

  function deliverUnit(pipe: Pipe, leg: Leg, unit: Unit | 'end'): 'delivered' | 'cut' | 'dropped' {
    if (unit === 'end') {
      leg.to.end();
      return 'delivered';
    }
    if (unit.kind === 'frame') {
      const text = unit.peek(48);
      count(leg.direction, text);
      if (leg.direction === 'up') {
        const push = /^42(\d+)\["push"/.exec(text);
        if (push?.[1] !== undefined) pipe.pushAckIds.add(push[1]);
      } else if (armedLostAnswer) {
        const ack = /^43(\d+)\[/.exec(text);
        // A push's answer: the ack of a `push` event, or `pushed` for those a handshake carried.
        if (
          (ack?.[1] !== undefined && pipe.pushAckIds.has(ack[1])) ||
          text.startsWith('42["pushed"')
        ) {
          armedLostAnswer = false;
          faults['lost-answer'] += 1;
          destroyPipe(pipe, 'end');
          return 'dropped';
        }
      }
      if (cutPredicate?.(leg.direction, text)) {
        faults['cut-mid-frame'] += 1;
        cutInside(pipe, leg, unit);
        return 'cut';
      }
      if (armedCut === 'any' || armedCut === leg.direction) {
        armedCut = null;
        faults['cut-mid-frame'] += 1;
        cutInside(pipe, leg, unit);
        return 'cut';
      }
      if (link.frameCutProbability > 0 && prng.chance(link.frameCutProbability)) {
        faults['frame-cut'] += 1;
        cutInside(pipe, leg, unit);
        return 'cut';
      }
    }
    leg.to.write(unit.bytes);
    return 'delivered';
  }

  function pump(pipe: Pipe, leg: Leg) {
    if (leg.timer !== null || pipe.closed) return;
    const head = leg.queue[0];
    if (head === undefined) return;
    const wait = Math.max(head.at, pipe.pausedUntil) - Date.now();
    if (wait > 0) {
      leg.timer = setTimeout(() => {
        leg.timer = null;
        pump(pipe, leg);
      }, wait);
      return;
    }
    // Not connected upstream yet: wait for the connection (it pumps again).
    if (leg.direction === 'up' && pipe.server.connecting) return;
    leg.queue.shift();
    deliver(pipe, leg, head.unit, head.record);
    pump(pipe, leg);
  }

  function enqueue(pipe: Pipe, leg: Leg, unit: Unit | 'end') {
    const now = Date.now();
    const size = unit === 'end' ? 0 : unit.bytes.length;
    const sendAt = Math.max(now, leg.txFreeAt);
    const txEnd = link.bytesPerSecond > 0 ? sendAt + (size * 1000) / link.bytesPerSecond : sendAt;
    leg.txFreeAt = txEnd;
    const at = Math.max(txEnd + delayOf(), leg.lastDeliverAt);
    leg.lastDeliverAt = at;
    let record: FrameRecord | null = null;
    if (pipe.record !== null && unit !== 'end' && unit.kind === 'frame') {
      record = {
        connection: pipe.record.connection,
        direction: leg.direction,
        text: unit.peek(unit.bytes.length),
        sentAt: now,
        arrivedAt: null,
        outcome: null,
      };
      timeline.frames.push(record);
    }
    leg.queue.push({ at, unit, record });
    pump(pipe, leg);
  }

  function accept(client: Socket) {
    if (isOffline) {
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const server = tcpConnect({ host: '127.0.0.1', port: options.target() });
    server.setNoDelay(true);
    // The TCP handshake costs a round trip before anything can be sent.
    const handshakeDone = Date.now() + 2 * link.latencyMs;
    const leg = (from: Socket, to: Socket, direction: Direction): Leg => ({
      from,
      to,
      direction,
      splitter: new UnitSplitter(direction === 'up' ? isUpgradeRequest : isSwitchingProtocols),
      lastDeliverAt: handshakeDone,
      txFreeAt: 0,
      timer: null,
      queue: [],
    });
    const pipe: Pipe = {
      client,
      server,
      legs: { up: leg(client, server, 'up'), down: leg(server, client, 'down') },
      silent: Date.now() < blackholeUntil,
      pausedUntil: 0,
      pushAckIds: new Set(),
      closed: false,
      record: null,
    };
    if (options.recordFrames === true) {
      pipe.record = {
        connection: timeline.connections.length + 1,
        openedAt: Date.now(),
        closedAt: null,
      };
      timeline.connections.push(pipe.record);
    }
    pipes.add(pipe);
    for (const direction of ['up', 'down'] as const) {
      const current = pipe.legs[direction];
      current.from.on('data', (chunk: Buffer) => {
        if (pipe.closed || pipe.silent) return;
        for (const unit of current.splitter.push(chunk)) enqueue(pipe, current, unit);
      });
      current.from.on('end', () => {
        if (!pipe.closed && !pipe.silent) enqueue(pipe, current, 'end');
      });
      current.from.on('error', () => undefined);
      current.from.on('close', () => {
        // A dead route tells nobody: each end finds out by its own timeouts.
        if (pipe.silent) {
          if (pipe.client.destroyed && pipe.server.destroyed) destroyPipe(pipe, 'end');
          return;
        }
        // An abrupt close reaches the other side after what was already on its way.
        const lastAt = current.lastDeliverAt - Date.now();
        setTimeout(() => destroyPipe(pipe, 'end'), Math.max(0, lastAt) + 10).unref();
      });
    }
    server.once('connect', () => pump(pipe, pipe.legs.up));
  }

  const listener: Server = createServer(accept);
  listener.listen(0, options.host ?? '127.0.0.1');
  await once(listener, 'listening');
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    faults,
    census,
    timeline,
    get connections() {
      return pipes.size;
    },
    setLink(next) {
      link = { ...link, ...next };
    },
    blackhole(ms) {
      faults.blackhole += 1;
      blackholeUntil = Date.now() + ms;
      for (const pipe of pipes) {
        pipe.silent = true;
        for (const leg of Object.values(pipe.legs)) leg.queue = [];
      }
    },
    reset() {
      faults.reset += 1;
      for (const pipe of [...pipes]) destroyPipe(pipe, 'reset');
    },
    cutMidFrame(direction) {
      armedCut = direction ?? 'any';
    },
    loseNextPushAnswer() {
      armedLostAnswer = true;
    },
    stall(ms) {
      faults.stall += 1;
      const until = Date.now() + ms;
      for (const pipe of pipes) pipe.pausedUntil = Math.max(pipe.pausedUntil, until);
    },
    offline() {
      faults.offline += 1;
      isOffline = true;
      for (const pipe of [...pipes]) destroyPipe(pipe, 'reset');
    },
    online() {
      isOffline = false;
    },
    cutWhen(predicate) {
      cutPredicate = predicate;
    },
    heal() {
      link = { ...PERFECT_LINK };
      isOffline = false;
      blackholeUntil = 0;
      armedCut = null;
      armedLostAnswer = false;
      cutPredicate = null;
    },
    async close() {
      for (const pipe of [...pipes]) destroyPipe(pipe, 'end');
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
