import { onScopeDispose, ref } from 'vue';

/** Wide screens show the conversation list and the open chat side by side. */
const QUERY = '(min-width: 900px)';

export function useWideScreen() {
  const media = globalThis.matchMedia?.(QUERY);
  const wide = ref(media?.matches ?? false);
  const update = () => {
    wide.value = media?.matches ?? false;
  };
  media?.addEventListener('change', update);
  onScopeDispose(() => media?.removeEventListener('change', update));
  return wide;
}
