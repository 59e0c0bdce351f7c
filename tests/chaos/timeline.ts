import { percentile } from '../../bench/measure.ts';
import type { SentMessage } from './checks.ts';
import type { ConnectionRecord, FrameRecord } from './fault-proxy.ts';

/**
 * Where a delivery's time goes (`CHAOS_TIMELINE=1`): every message's path, from the frames each
 * device's proxy saw, cut into the parts that add up to its latency (sender write to member
 * readable):
 *
 * - `outbox`: written until the push that reached the server left the device (waiting for a
 *   connection, and every attempt a cut lost; a push may ride a handshake, `auth.pushes`);
 * - `push up`: that push's trip to the server;
 * - `server`: the push's arrival until the server answered it (checks, transaction, change
 *   notice); the first frame carrying the message to anyone counts if the answer was lost;
 * - `to member`: the answer until the server sent the message to the member (its live stream, or
 *   the answer to its pull after a reconnect);
 * - `down`: that frame's trip to the member;
 * - `apply`: its arrival until the member could read it (stored, decrypted).
 *
 * And what a reconnect costs, per device: the wait before the next connection, the handshake
 * (TCP, WebSocket upgrade, socket.io CONNECT) until connected, then the first pull's round trip
 * (none when the catch-up came with the handshake, `pulled`), and the whole outage until caught up.
 */
export interface DeviceTimeline {
  frames: readonly FrameRecord[];
  connections: readonly ConnectionRecord[];
}

const PARTS = ['outbox', 'push up', 'server', 'to member', 'down', 'apply'] as const;
type Part = (typeof PARTS)[number];

interface Delivery {
  total: number;
  parts: Record<Part, number>;
  via: 'stream' | 'pull';
  /** The member held a connected socket when the server answered the push. */
  memberConnected: boolean;
  /** The sender held a connected socket when it wrote the message. */
  senderConnected: boolean;
}

const ackId = (text: string, prefix: '42' | '43') =>
  new RegExp(`^${prefix}(\\d+)`).exec(text)?.[1] ?? null;

/** Connected (socket.io CONNECT answered) from, until the connection closed. */
function connectedSpans(device: DeviceTimeline): { from: number; to: number }[] {
  const spans: { from: number; to: number }[] = [];
  for (const connection of device.connections) {
    const connect = device.frames.find(
      (frame) =>
        frame.connection === connection.connection &&
        frame.direction === 'down' &&
        frame.text.startsWith('40') &&
        frame.arrivedAt !== null,
    );
    if (connect?.arrivedAt == null) continue;
    spans.push({ from: connect.arrivedAt, to: connection.closedAt ?? Number.POSITIVE_INFINITY });
  }
  return spans;
}

const within = (spans: { from: number; to: number }[], at: number) =>
  spans.some((span) => span.from <= at && at < span.to);

function deliveries(
  sent: readonly SentMessage[],
  membersOf: (message: SentMessage) => readonly number[],
  readable: readonly Map<string, number>[],
  devices: readonly DeviceTimeline[],
): Delivery[] {
  const spans = devices.map(connectedSpans);
  const out: Delivery[] = [];
  for (const message of sent) {
    const sender = devices[message.client];
    if (sender === undefined) continue;
    const quoted = `"id":"${message.id}"`;
    // A `push` event, or the handshake (socket.io CONNECT, `40`) that carried it in `auth.pushes`.
    const pushes = sender.frames.filter(
      (frame) =>
        frame.direction === 'up' &&
        (frame.text.includes('["push"') || frame.text.startsWith('40')) &&
        frame.text.includes(quoted),
    );
    const arrived = pushes.find((frame) => frame.outcome === 'delivered');
    if (arrived?.arrivedAt == null) continue;
    const answer = sender.frames.find(
      (frame) =>
        frame.direction === 'down' &&
        (frame.text.startsWith('43') || frame.text.startsWith('42["pushed"')) &&
        frame.text.includes(quoted) &&
        frame.sentAt >= (arrived.arrivedAt as number),
    );
    const carried = devices.map((device, index) =>
      index === message.client
        ? []
        : device.frames.filter(
            (frame) =>
              frame.direction === 'down' &&
              frame.text.includes(quoted) &&
              frame.sentAt >= (arrived.arrivedAt as number),
          ),
    );
    const firstCarried = Math.min(
      ...carried.flat().map((frame) => frame.sentAt),
      Number.POSITIVE_INFINITY,
    );
    const answeredAt = Math.min(answer?.sentAt ?? Number.POSITIVE_INFINITY, firstCarried);
    if (!Number.isFinite(answeredAt)) continue;
    for (const member of membersOf(message)) {
      if (member === message.client) continue;
      const readAt = readable[member]?.get(message.id);
      const frame = carried[member]?.find((candidate) => candidate.outcome === 'delivered');
      if (readAt === undefined || frame?.arrivedAt == null) continue;
      const parts: Record<Part, number> = {
        outbox: arrived.sentAt - message.at,
        'push up': arrived.arrivedAt - arrived.sentAt,
        server: answeredAt - arrived.arrivedAt,
        'to member': frame.sentAt - answeredAt,
        down: frame.arrivedAt - frame.sentAt,
        apply: readAt - frame.arrivedAt,
      };
      out.push({
        total: readAt - message.at,
        parts,
        via: frame.text.startsWith('42["stream"') ? 'stream' : 'pull',
        memberConnected: within(spans[member] ?? [], answeredAt),
        senderConnected: within(spans[message.client] ?? [], message.at),
      });
    }
  }
  return out;
}

interface Reconnect {
  /** The previous connection's close until this one was opened. */
  wait: number;
  /** Opened until connected (the socket.io CONNECT answered); null: never connected. */
  handshake: number | null;
  /** Connected until the first pull left. */
  pullStart: number | null;
  /** The first pull's round trip (sent until its answer arrived); null after a `pulled`. */
  pull: number | null;
  /** The previous connection close until caught up (`pulled`, or the first pull's answer). */
  outage: number | null;
}

function reconnects(device: DeviceTimeline): Reconnect[] {
  const out: Reconnect[] = [];
  let outageSince: number | null = null;
  device.connections.forEach((connection, index) => {
    const previous = device.connections[index - 1];
    const frames = device.frames.filter((frame) => frame.connection === connection.connection);
    const connect = frames.find(
      (frame) => frame.direction === 'down' && frame.text.startsWith('40'),
    );
    const connectedAt = connect?.outcome === 'delivered' ? connect.arrivedAt : null;
    const pull = frames.find(
      (frame) =>
        frame.direction === 'up' &&
        (frame.text.includes('["pulls"') || frame.text.includes('["pull"')),
    );
    const pullAck = pull === undefined ? null : ackId(pull.text, '42');
    const answer = frames.find(
      (frame) =>
        frame.direction === 'down' &&
        frame.outcome === 'delivered' &&
        (frame.text.startsWith('42["pulled"') ||
          (pullAck !== null && ackId(frame.text, '43') === pullAck)),
    );
    if (previous?.closedAt != null) {
      outageSince ??= previous.closedAt;
      out.push({
        wait: connection.openedAt - previous.closedAt,
        handshake: connectedAt === null ? null : connectedAt - connection.openedAt,
        pullStart: connectedAt === null || pull === undefined ? null : pull.sentAt - connectedAt,
        pull:
          answer?.arrivedAt == null || pull === undefined || answer.text.startsWith('42["pulled"')
            ? null
            : answer.arrivedAt - pull.sentAt,
        outage: answer?.arrivedAt == null ? null : answer.arrivedAt - outageSince,
      });
    }
    if (answer?.arrivedAt != null) outageSince = null;
  });
  return out;
}

function stats(values: readonly number[]): string {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  const mean = Math.round(values.reduce((sum, value) => sum + value, 0) / values.length);
  return `mean ${mean}, p50 ${percentile(sorted, 50)}, p95 ${percentile(sorted, 95)} ms (${values.length})`;
}

/** The breakdown as lines for the run's log. */
export function describeTimeline(input: {
  sent: readonly SentMessage[];
  membersOf(message: SentMessage): readonly number[];
  readable: readonly Map<string, number>[];
  devices: readonly DeviceTimeline[];
}): string[] {
  const all = deliveries(input.sent, input.membersOf, input.readable, input.devices);
  const lines: string[] = [];
  const describe = (label: string, group: Delivery[]) => {
    if (group.length === 0) return;
    const total = group.reduce((sum, delivery) => sum + delivery.total, 0);
    lines.push(`${label}: ${group.length} deliveries, latency ${stats(group.map((d) => d.total))}`);
    for (const part of PARTS) {
      const values = group.map((delivery) => delivery.parts[part]);
      const share = (100 * values.reduce((sum, value) => sum + value, 0)) / total;
      lines.push(`  ${part.padEnd(10)} ${share.toFixed(0).padStart(3)}%  ${stats(values)}`);
    }
  };
  describe('timeline, all', all);
  describe(
    'timeline, over 3 s',
    all.filter((delivery) => delivery.total > 3_000),
  );
  const count = (test: (delivery: Delivery) => boolean) => all.filter(test).length;
  lines.push(
    `  via stream ${count((d) => d.via === 'stream')}, via pull ${count((d) => d.via === 'pull')}; sender connected at write ${count((d) => d.senderConnected)}; member connected at answer ${count((d) => d.memberConnected)}`,
  );
  const every = input.devices.flatMap(reconnects);
  const defined = (pick: (r: Reconnect) => number | null) =>
    every.map(pick).filter((value): value is number => value !== null);
  lines.push(
    `reconnects: ${every.length}, never connected ${every.filter((r) => r.handshake === null).length}`,
  );
  lines.push(`  wait before connecting  ${stats(defined((r) => r.wait))}`);
  lines.push(`  handshake to connected  ${stats(defined((r) => r.handshake))}`);
  lines.push(`  connected to first pull ${stats(defined((r) => r.pullStart))}`);
  lines.push(`  first pull round trip   ${stats(defined((r) => r.pull))}`);
  lines.push(`  cut to caught up        ${stats(defined((r) => r.outage))}`);
  return lines;
}
