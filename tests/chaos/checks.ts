import type { ClientSnapshot } from './client-protocol.ts';
import type { ChaosPlan } from './schedule.ts';
import { parseMessageText } from './schedule.ts';

/**
 * What a chaos run must end with, checked against PostgreSQL and every member's local store:
 * every message once on the server and once in every member's store, each sender's messages in
 * the order they were written (on the server, in every store, and as they arrived), nothing of
 * the sender's still pending that the server has, nobody signed out, no server exit.
 */
export interface SentMessage {
  id: string;
  client: number;
  conversation: number;
  n: number;
  /** When the sender wrote it (ms since 1970). */
  at: number;
}

export interface ServerRow {
  id: string;
  conversationId: string;
  createdAt: string;
}

export interface RunFindings {
  messages: number;
  /** (holder, message) pairs missing, holders being the server and every member. */
  lost: number;
  /** Copies beyond one: the same numbered message under another id, or rows nobody sent. */
  duplicated: number;
  /** Adjacent pairs of one sender's messages shown in the wrong order (server and stores). */
  outOfOrder: number;
  /** A message that reached a member before an earlier one of the same sender there. */
  skipped: number;
  /** The sender still shows as pending a message the server has. */
  stuck: number;
  /** Present in a member's store but never readable there. */
  unreadable: number;
  signOuts: number;
  serverExits: number;
  /** Member receipt latency (readable there) minus the time it was written, ms. */
  latencies: number[];
  /** The first few of each problem, for the report. */
  examples: string[];
}

const ARRIVAL_TOLERANCE_MS = 5;
const MAX_EXAMPLES = 12;

export function checkRun(input: {
  plan: ChaosPlan;
  conversationIds: string[];
  sent: SentMessage[];
  serverRows: ServerRow[];
  snapshots: ClientSnapshot[];
  signOuts: number;
  serverExits: number;
}): RunFindings {
  const { plan, sent, snapshots } = input;
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };
  const label = (message: SentMessage) =>
    `c${message.client} k${message.conversation} #${message.n} (${message.id})`;
  const sentById = new Map(sent.map((message) => [message.id, message]));
  const membersOf = (message: SentMessage) =>
    plan.conversations[message.conversation]?.members ?? [];

  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let skipped = 0;
  let stuck = 0;
  let unreadable = 0;
  const latencies: number[] = [];

  // The server: each message once (its primary key), none missing, none unknown, in order.
  const onServer = new Set(input.serverRows.map((row) => row.id));
  for (const message of sent) {
    if (!onServer.has(message.id)) {
      lost += 1;
      note(`server lacks ${label(message)}`);
    }
  }
  for (const row of input.serverRows) {
    if (!sentById.has(row.id)) {
      duplicated += 1;
      note(`server has a message nobody sent: ${row.id}`);
    }
  }
  const serverOrder = [...input.serverRows]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .flatMap((row) => {
      const message = sentById.get(row.id);
      return message === undefined ? [] : [message];
    });
  outOfOrder += countInversions(serverOrder, (text) => note(`server order: ${text}`));

  snapshots.forEach((snapshot, member) => {
    const stored = new Set(snapshot.messages.map((message) => message.id));
    const storedAt = new Map(snapshot.stored);
    const readableAt = new Map(snapshot.readable);
    const views = new Map(snapshot.views.map((view) => [view.id, view]));
    for (const message of sent) {
      if (!membersOf(message).includes(member)) continue;
      if (!stored.has(message.id)) {
        lost += 1;
        note(`client ${member} lacks ${label(message)}`);
        continue;
      }
      const view = views.get(message.id);
      if (view?.kind !== 'text') {
        unreadable += 1;
        note(`client ${member} cannot read ${label(message)}: ${view?.text ?? 'no view'}`);
      }
      if (message.client === member) {
        if (onServer.has(message.id) && view?.synced !== true) {
          stuck += 1;
          note(`client ${member} still shows ${label(message)} pending`);
        }
        continue;
      }
      const readAt = readableAt.get(message.id);
      if (readAt !== undefined) latencies.push(readAt - message.at);
      // Arrived here before an earlier message of the same sender and conversation?
      const arrived = storedAt.get(message.id);
      if (arrived === undefined) continue;
      const earlier = sent.find(
        (other) =>
          other.client === message.client &&
          other.conversation === message.conversation &&
          other.n < message.n &&
          (storedAt.get(other.id) ?? Number.POSITIVE_INFINITY) > arrived + ARRIVAL_TOLERANCE_MS &&
          stored.has(other.id),
      );
      if (earlier !== undefined) {
        skipped += 1;
        note(`client ${member} got ${label(message)} before ${label(earlier)}`);
      }
    }

    // Copies and order as shown: the timeline sorts by sortKey.
    const shown = [...snapshot.views]
      .filter((view) => view.kind === 'text')
      .sort((a, b) => a.sortKey.localeCompare(b.sortKey))
      .flatMap((view) => {
        const parsed = parseMessageText(view.text);
        return parsed === null ? [] : [{ ...parsed, id: view.id, at: 0 }];
      });
    const seen = new Map<string, string>();
    for (const message of shown) {
      const key = `${message.client}/${message.conversation}/${message.n}`;
      const other = seen.get(key);
      if (other !== undefined && other !== message.id) {
        duplicated += 1;
        note(`client ${member} shows ${key} twice (${other}, ${message.id})`);
      }
      seen.set(key, message.id);
    }
    outOfOrder += countInversions(shown, (text) => note(`client ${member} order: ${text}`));
  });

  return {
    messages: sent.length,
    lost,
    duplicated,
    outOfOrder,
    skipped,
    stuck,
    unreadable,
    signOuts: input.signOuts,
    serverExits: input.serverExits,
    latencies,
    examples,
  };
}

/** Adjacent pairs of one sender's messages in a conversation whose numbers go down. */
function countInversions(
  ordered: { client: number; conversation: number; n: number }[],
  note: (text: string) => void,
): number {
  const last = new Map<string, number>();
  let count = 0;
  for (const message of ordered) {
    const key = `c${message.client} k${message.conversation}`;
    const previous = last.get(key);
    if (previous !== undefined && message.n < previous) {
      count += 1;
      note(`${key}: #${message.n} after #${previous}`);
    }
    last.set(key, message.n);
  }
  return count;
}
