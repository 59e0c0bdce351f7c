/**
 * Runs at most `concurrency` tasks at once, taking turns between keys (users): each time a place
 * frees, the next key in line starts its oldest task and goes to the back of the line. A user with
 * thousands of pulls queued therefore delays another user's pull by at most one task per running
 * place, instead of making it wait behind all of them (the database pool alone serves in arrival
 * order).
 */
export interface FairScheduler {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Tasks waiting for a place (not counting the running ones). */
  readonly waiting: number;
  /** Resolves once no task runs or waits (those queued meanwhile included). */
  idle(): Promise<void>;
}

export function createFairScheduler(concurrency: number): FairScheduler {
  const queues = new Map<string, (() => void)[]>();
  const line: string[] = [];
  let running = 0;
  let waiting = 0;
  let idleWaiters: (() => void)[] = [];

  function startNext(): void {
    while (running < concurrency && line.length > 0) {
      const key = line.shift() as string;
      const queue = queues.get(key) as (() => void)[];
      const start = queue.shift() as () => void;
      if (queue.length > 0) line.push(key);
      else queues.delete(key);
      waiting -= 1;
      running += 1;
      start();
    }
  }

  return {
    run(key, task) {
      return new Promise((resolve, reject) => {
        const start = () => {
          task()
            .then(resolve, reject)
            .finally(() => {
              running -= 1;
              startNext();
              if (running === 0 && waiting === 0) {
                const waiters = idleWaiters;
                idleWaiters = [];
                for (const resolve of waiters) resolve();
              }
            });
        };
        let queue = queues.get(key);
        if (queue === undefined) {
          queue = [];
          queues.set(key, queue);
          line.push(key);
        }
        queue.push(start);
        waiting += 1;
        startNext();
      });
    },
    get waiting() {
      return waiting;
    },
    idle() {
      if (running === 0 && waiting === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
