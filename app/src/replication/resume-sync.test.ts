import { describe, expect, it } from 'vitest';
import type { AppLifecycle, LifecycleState } from '../platform/platform.ts';
import { startResumeSync } from './resume-sync.ts';

function lifecycleDouble() {
  let state: LifecycleState = 'active';
  const listeners = new Set<(state: LifecycleState) => void>();
  const lifecycle: AppLifecycle = {
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    lifecycle,
    go(next: LifecycleState) {
      state = next;
      for (const listener of listeners) listener(next);
    },
  };
}

describe('sync on returning to the foreground', () => {
  it('pulls after any pause, and reconnects too after a long one', () => {
    const { lifecycle, go } = lifecycleDouble();
    let clock = 0;
    const done: string[] = [];
    const stop = startResumeSync({
      lifecycle,
      reconnect: () => done.push('reconnect'),
      pull: () => done.push('pull'),
      now: () => clock,
      staleAfterMs: 10_000,
    });
    go('background');
    clock += 2_000;
    go('active');
    expect(done).toEqual(['pull']);

    go('background');
    clock += 60_000;
    go('active');
    go('active');
    expect(done).toEqual(['pull', 'reconnect', 'pull']);

    stop();
    go('background');
    clock += 60_000;
    go('active');
    expect(done).toHaveLength(3);
  });
});
