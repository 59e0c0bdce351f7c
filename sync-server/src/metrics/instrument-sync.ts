import type { StreamSubscriber } from '../replication/live/live-stream.ts';
import type { ChangeNotice } from '../replication/live/notifier.ts';
import type { SyncService } from '../replication/sync-service.ts';
import { SyncError } from '../replication/transport/validation.ts';
import type { SyncMetrics } from './metrics.ts';

/** A notice that never turns into documents for a person (nothing new for them) is forgotten. */
const PENDING_FANOUT_MAX_MS = 30_000;

const outcomeOf = (error: unknown) => (error instanceof SyncError ? error.code : 'INTERNAL');

/**
 * The sync service as the socket sees it, measured: pulls and pushes by outcome, push latency,
 * connected devices, and fan-out latency (from a change notice arriving at this instance, its own
 * commit's or another instance's, to the first documents streamed to a device of each person the
 * notice concerns). The service itself is unchanged.
 */
export function instrumentSyncService(service: SyncService, metrics: SyncMetrics): SyncService {
  const attachedPerUser = new Map<string, number>();
  /** The earliest notice not yet followed by documents, per person connected here. */
  const noticedAt = new Map<string, number>();
  /** The live stream knows a device by its subscriber object: the measured one stands for it. */
  const measuredSubscriber = new WeakMap<StreamSubscriber, StreamSubscriber>();
  const known = (subscriber: StreamSubscriber) => measuredSubscriber.get(subscriber) ?? subscriber;

  function measured<T>(event: 'pull' | 'push', work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const settle = (outcome: string) => {
      metrics.syncRequests.inc({ event, outcome });
      if (event === 'push') {
        metrics.pushSeconds.observe({ outcome }, (performance.now() - started) / 1000);
      }
    };
    return work().then(
      (result) => {
        settle('ok');
        return result;
      },
      (error: unknown) => {
        settle(outcomeOf(error));
        throw error;
      },
    );
  }

  function noticed(notice: ChangeNotice) {
    const now = performance.now();
    for (const userId of notice.userIds) {
      if (!attachedPerUser.has(userId)) continue;
      const since = noticedAt.get(userId);
      if (since === undefined || now - since > PENDING_FANOUT_MAX_MS) noticedAt.set(userId, now);
    }
  }

  function streamed(userId: string) {
    const since = noticedAt.get(userId);
    if (since === undefined) return;
    noticedAt.delete(userId);
    const seconds = (performance.now() - since) / 1000;
    if (seconds * 1000 <= PENDING_FANOUT_MAX_MS) metrics.fanoutSeconds.observe(seconds);
  }

  const live: SyncService['live'] = {
    ...service.live,
    attach(subscriber, options) {
      const { userId } = subscriber;
      attachedPerUser.set(userId, (attachedPerUser.get(userId) ?? 0) + 1);
      metrics.connectedDevices.inc();
      const measured: StreamSubscriber = {
        ...subscriber,
        send(event) {
          if ('documents' in event && event.documents.length > 0) streamed(userId);
          subscriber.send(event);
        },
      };
      measuredSubscriber.set(subscriber, measured);
      const detach = service.live.attach(measured, options);
      let attached = true;
      return () => {
        if (!attached) return;
        attached = false;
        metrics.connectedDevices.dec();
        const left = (attachedPerUser.get(userId) ?? 1) - 1;
        if (left > 0) attachedPerUser.set(userId, left);
        else {
          attachedPerUser.delete(userId);
          noticedAt.delete(userId);
        }
        detach();
      };
    },
    pullStarted: (subscriber, collection) =>
      service.live.pullStarted(known(subscriber), collection),
    pullFinished: (subscriber, collection, batchSize, result) =>
      service.live.pullFinished(known(subscriber), collection, batchSize, result),
    notify(notice) {
      noticed(notice);
      service.live.notify(notice);
    },
  };

  return {
    ...service,
    live,
    pull: (author, request) => measured('pull', () => service.pull(author, request)),
    push: (author, request) => measured('push', () => service.push(author, request)),
  };
}
