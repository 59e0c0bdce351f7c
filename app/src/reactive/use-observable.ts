import type { Observable } from 'rxjs';
import { getCurrentScope, onScopeDispose, type Ref, shallowRef } from 'vue';

/** An RxJS source (typically an RxDB query's `$`) as a Vue ref, unsubscribed with its scope. */
export function useObservable<T>(source: Observable<T>, initial: T): Readonly<Ref<T>> {
  const value = shallowRef(initial) as Ref<T>;
  const subscription = source.subscribe({
    next: (next) => {
      value.value = next;
    },
    error: (error: unknown) => console.error('AnoChat: a live query failed', error),
  });
  if (getCurrentScope()) onScopeDispose(() => subscription.unsubscribe());
  return value;
}
