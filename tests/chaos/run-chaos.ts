import { randomBytes } from 'node:crypto';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { registerWithPassword } from '@anochat/test-support/e2e-user';
import pg from 'pg';
import { type ChaosClient, startChaosClient } from './chaos-client.ts';
import { checkRun, type RunFindings, type SentMessage, type ServerRow } from './checks.ts';
import type { ClientSnapshot } from './client-protocol.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { onInterrupt } from './interrupt.ts';
import { createPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';
import { createPrng } from './prng.ts';
import { type ChaosEvent, type ChaosPlan, messageText } from './schedule.ts';
import { type Fleet, startFleet } from './server-fleet.ts';
import { describeTimeline } from './timeline.ts';

/**
 * Runs one chaos plan against real parts: its own PostgreSQL cluster (shared by the runs of one
 * harness, a fresh database per run), the real crypto-native server, two sync-server processes
 * with Redis, one fault proxy per device between it and the servers (each new connection lands on
 * either instance), and one app worker per device. Faults strike on the plan's schedule; then
 * everything is healed, the devices get `settleMs` to agree, and checks.ts judges the result.
 */
export interface Harness {
  postgres: PostgresCluster;
  cryptoAddress: string;
  redisUrl: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const postgres = await createPostgresCluster();
  const crypto = await startTestCryptoServer().catch(async (error: unknown) => {
    await postgres.destroy();
    throw error;
  });
  const forget = onInterrupt(() => crypto.cleanup());
  return {
    postgres,
    cryptoAddress: crypto.address,
    redisUrl: process.env.CHAOS_REDIS_URL ?? 'redis://127.0.0.1:6379',
    async close() {
      forget();
      await crypto.cleanup().catch(() => undefined);
      await postgres.destroy();
    },
  };
}

export type FaultCounts = Record<string, number>;

export interface RunResult {
  seed: number;
  profile: string;
  clients: number;
  conversations: number;
  findings: RunFindings;
  faults: FaultCounts;
  /** Messages the app refused to write (say, no key yet): not expected anywhere. */
  sendErrors: string[];
  /** ms from healing to the last device agreeing (settleMs when they never did). */
  settledInMs: number;
  converged: boolean;
  durationMs: number;
  /** Server log lines at error level (first few). */
  serverErrors: string[];
  /** Warnings the apps logged (first few). */
  clientWarnings: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PASSWORD = 'chaos harness password';
/**
 * How long the set-up (on perfect links, before any fault) may take per step: generous, since a
 * loaded CI machine with two cores runs it several times slower. Only the set-up waits this long;
 * what a run is judged on does not change.
 */
const SETUP_DEADLINE_MS = 180_000;

async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  explain: () => Promise<string> = async () => '',
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const details = await explain().catch((error: unknown) => String(error));
      throw new Error(`chaos setup: not in time: ${what}${details ? `: ${details}` : ''}`);
    }
    await sleep(200);
  }
}

export async function runChaos(
  harness: Harness,
  plan: ChaosPlan,
  log: (line: string) => void = () => undefined,
): Promise<RunResult> {
  const started = Date.now();
  const { postgres } = harness;
  const tag = `${plan.seed}_${randomBytes(3).toString('hex')}`;
  const database = `chaos_${tag}`;
  if (!postgres.running) await postgres.start();
  await postgres.createDatabase(database);
  const pool = new pg.Pool({ connectionString: postgres.url(database), max: 2 });
  pool.on('error', () => undefined);
  const faults: FaultCounts = {
    'server-kill': 0,
    'server-stop': 0,
    'postgres-restart': 0,
    'postgres-outage': 0,
  };
  let fleet: Fleet | null = null;
  const proxies: FaultProxy[] = [];
  const clients: ChaosClient[] = [];
  try {
    fleet = await startFleet({
      size: 2,
      databaseUrl: postgres.url(database),
      cryptoAddress: harness.cryptoAddress,
      environment: {
        REDIS_URL: harness.redisUrl,
        REDIS_KEY_PREFIX: `anochat-chaos-${tag}`,
        DATABASE_POOL_MAX: '8',
        RATE_LIMIT_PER_IP: '1000000',
        RATE_LIMIT_PER_USERNAME: '1000000',
      },
    });
    const servers = fleet;
    const routes = createPrng(plan.seed).fork('routes');
    const directUrl = `http://127.0.0.1:${servers.pickPort(routes)}`;

    // Accounts, each with its device: registered directly (setting up is not under test).
    const users = await Promise.all(
      Array.from({ length: plan.clients }, async (_, index) => {
        const user = await registerWithPassword(
          { baseUrl: directUrl, pool },
          `chaos_${tag}_${index}`,
          PASSWORD,
        );
        user.sync.socket.close();
        return user;
      }),
    );
    for (let index = 0; index < plan.clients; index++) {
      proxies.push(
        await startFaultProxy({
          target: () => servers.pickPort(routes),
          prng: createPrng(plan.seed).fork(`proxy${index}`),
          recordFrames: process.env.CHAOS_TIMELINE === '1',
        }),
      );
    }
    clients.push(
      ...(await Promise.all(
        users.map((user, index) =>
          startChaosClient({
            index,
            serverUrl: (proxies[index] as FaultProxy).url,
            username: user.username,
            session: user.session,
            keys: user.sync.device,
            identitySeed: user.identitySeed,
            archiveKey: user.archiveKey,
          }),
        ),
      )),
    );
    const client = (index: number) => clients[index] as ChaosClient;

    // Conversations, on a perfect link: every member holds every key before the chaos starts.
    const conversationIds: string[] = [];
    for (const [index, conversation] of plan.conversations.entries()) {
      const creator = client(conversation.creator);
      const others = conversation.members.filter((member) => member !== conversation.creator);
      conversationIds.push(
        conversation.kind === 'direct'
          ? await creator.openDirect(client(others[0] as number).userId)
          : await creator.createGroup(
              `group ${index}`,
              others.map((member) => client(member).userId),
            ),
      );
    }
    const conversationsOf = (index: number) =>
      plan.conversations.flatMap((conversation, k) =>
        conversation.members.includes(index) ? [conversationIds[k] as string] : [],
      );
    // Between strangers every new conversation is a message request: each member accepts it (its
    // messages reach a member only then, and only then do the others see the member's devices and
    // wrap the key for them).
    await eventually(
      'every member accepted each of its conversations',
      async () => {
        const answers = await Promise.all(
          clients.map((member, index) => member.acceptRequests(conversationsOf(index))),
        );
        return answers.every(Boolean);
      },
      SETUP_DEADLINE_MS,
    );
    await eventually(
      'every member has the key of each of its conversations',
      async () => {
        const answers = await Promise.all(
          clients.map((member, index) => member.hasKeys(conversationsOf(index))),
        );
        return answers.every(Boolean);
      },
      SETUP_DEADLINE_MS,
      async () => {
        const lines: string[] = [];
        for (const [index, member] of clients.entries()) {
          for (const [k, conversation] of plan.conversations.entries()) {
            if (!conversation.members.includes(index)) continue;
            if (!(await member.hasKeys([conversationIds[k] as string]))) {
              lines.push(`client ${index} has no key for conversation ${k}`);
            }
          }
        }
        const { rows } = await pool.query<{ c: string; d: string; e: string }>(
          `SELECT conversation_id::text AS c, recipient_device_id::text AS d, count(*)::text AS e
             FROM key_envelopes GROUP BY 1, 2`,
        );
        for (const row of rows) {
          const k = conversationIds.indexOf(row.c);
          const who = clients.findIndex((member) => member.deviceId === row.d);
          lines.push(`server: ${row.e} envelope(s) of conversation ${k} for client ${who}`);
        }
        return lines.join('; ');
      },
    );
    log(
      `seed ${plan.seed}: ${plan.clients} clients, ${plan.conversations.length} conversations, chaos starts`,
    );

    // The schedule.
    for (const [index, link] of plan.links.entries()) proxies[index]?.setLink(link);
    const sent: SentMessage[] = [];
    const sendErrors: string[] = [];
    const sending = clients.map(() => Promise.resolve());
    const background: Promise<unknown>[] = [];
    let postgresChain: Promise<void> = Promise.resolve();
    const t0 = Date.now();

    function strike(event: ChaosEvent) {
      switch (event.kind) {
        case 'send': {
          const text = messageText(plan.seed, event.client, event.conversation, event.n);
          sending[event.client] = (sending[event.client] as Promise<void>).then(async () => {
            try {
              const { id, at } = await client(event.client).send(
                conversationIds[event.conversation] as string,
                text,
              );
              sent.push({
                id,
                at,
                client: event.client,
                conversation: event.conversation,
                n: event.n,
              });
            } catch (error) {
              sendErrors.push(`${text}: ${(error as Error).message}`);
            }
          });
          return;
        }
        case 'proxy': {
          const proxy = proxies[event.client] as FaultProxy;
          if (event.fault === 'blackhole') proxy.blackhole(event.ms);
          else if (event.fault === 'stall') proxy.stall(event.ms);
          else if (event.fault === 'reset') proxy.reset();
          else if (event.fault === 'cut-mid-frame') proxy.cutMidFrame();
          else proxy.loseNextPushAnswer();
          return;
        }
        case 'offline': {
          const proxy = proxies[event.client] as FaultProxy;
          proxy.offline();
          background.push(sleep(event.ms).then(() => proxy.online()));
          return;
        }
        case 'server-kill': {
          const kind = event.graceful ? 'server-stop' : 'server-kill';
          faults[kind] = (faults[kind] ?? 0) + 1;
          servers.kill(event.instance, event.graceful ? 'SIGTERM' : 'SIGKILL');
          background.push(sleep(event.downMs).then(() => servers.restart(event.instance)));
          return;
        }
        case 'postgres-restart':
          faults['postgres-restart'] = (faults['postgres-restart'] ?? 0) + 1;
          postgresChain = postgresChain.then(async () => {
            await postgres.stop('immediate');
            await postgres.start();
          });
          return;
        case 'postgres-outage':
          faults['postgres-outage'] = (faults['postgres-outage'] ?? 0) + 1;
          postgresChain = postgresChain.then(async () => {
            await postgres.stop('fast');
            await sleep(event.ms);
            await postgres.start();
          });
          return;
      }
    }

    for (const event of plan.events) {
      const wait = t0 + event.at - Date.now();
      if (wait > 0) await sleep(wait);
      strike(event);
    }
    await sleep(Math.max(0, t0 + plan.profile.activeMs - Date.now()));
    await Promise.all([...sending, ...background, postgresChain]);

    // Heal everything, then give the devices time to agree.
    for (const proxy of proxies) proxy.heal();
    if (!postgres.running) await postgres.start();
    await Promise.all(Array.from({ length: servers.size }, (_, index) => servers.restart(index)));
    const healed = Date.now();
    log(`seed ${plan.seed}: ${sent.length} messages written, healed; settling`);

    const serverRows = async (): Promise<ServerRow[]> => {
      const { rows } = await pool.query<{
        id: string;
        conversation_id: string;
        created_at: string;
      }>(
        `SELECT id, conversation_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS created_at
           FROM messages WHERE conversation_id = ANY($1::uuid[])`,
        [conversationIds],
      );
      return rows.map((row) => ({
        id: row.id,
        conversationId: row.conversation_id,
        createdAt: row.created_at,
      }));
    };
    const judge = async () => {
      const snapshots: ClientSnapshot[] = await Promise.all(clients.map((c) => c.snapshot()));
      return {
        snapshots,
        findings: checkRun({
          plan,
          conversationIds,
          sent,
          serverRows: await serverRows(),
          snapshots,
          signOuts: clients.reduce((sum, c) => sum + c.signOuts.length, 0),
          serverExits: servers.exits.length,
        }),
      };
    };
    const warnings: string[] = [];
    let verdict = await judge();
    let converged = false;
    for (;;) {
      for (const snapshot of verdict.snapshots) warnings.push(...snapshot.warnings);
      const { lost, stuck, unreadable } = verdict.findings;
      if (lost + stuck + unreadable === 0) {
        converged = true;
        break;
      }
      if (Date.now() - healed > plan.profile.settleMs) break;
      await sleep(500);
      verdict = await judge();
    }
    const settledInMs = Date.now() - healed;
    if (process.env.CHAOS_TIMELINE === '1') {
      for (const line of describeTimeline({
        sent,
        membersOf: (message) => plan.conversations[message.conversation]?.members ?? [],
        readable: verdict.snapshots.map((snapshot) => new Map(snapshot.readable)),
        devices: proxies.map((proxy) => proxy.timeline),
      })) {
        log(line);
      }
    }
    if (process.env.CHAOS_TRACE === '1') {
      const census = new Map<string, number>();
      for (const proxy of proxies) {
        for (const [label, n] of proxy.census) census.set(label, (census.get(label) ?? 0) + n);
      }
      log(
        `frames: ${[...census]
          .sort((a, b) => b[1] - a[1])
          .map(([label, n]) => `${label}: ${n}`)
          .join(', ')}`,
      );
    }
    for (const proxy of proxies) {
      for (const [kind, count] of Object.entries(proxy.faults)) {
        faults[kind] = (faults[kind] ?? 0) + count;
      }
    }
    for (const [index, c] of clients.entries()) {
      for (const reason of c.signOuts)
        verdict.findings.examples.push(`client ${index} signed out: ${reason}`);
    }
    for (const exit of servers.exits) {
      verdict.findings.examples.push(
        `server ${exit.instance} exited (code ${exit.code}, signal ${exit.signal}): ${exit.tail.slice(-400)}`,
      );
    }
    return {
      seed: plan.seed,
      profile: plan.profile.name,
      clients: plan.clients,
      conversations: plan.conversations.length,
      findings: verdict.findings,
      faults,
      sendErrors,
      settledInMs,
      converged,
      durationMs: Date.now() - started,
      serverErrors: servers.errors().slice(0, 10),
      clientWarnings: [...new Set(warnings)].slice(0, 10),
    };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await fleet?.stop();
    await pool.end().catch(() => undefined);
    if (!postgres.running) await postgres.start().catch(() => undefined);
    await postgres.dropDatabase(database).catch(() => undefined);
  }
}
