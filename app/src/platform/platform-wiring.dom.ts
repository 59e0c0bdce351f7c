import type { Router } from 'vue-router';
import type { Platform, Unsubscribe } from './platform.ts';

/**
 * What the platform asks of the app's pages: a page opened by a link, the desktop menu or a
 * tapped notification; Android's back button (back through the app's pages, then to the
 * background, as Android apps do).
 */
export function connectPlatformToRouter(platform: Platform, router: Router): Unsubscribe {
  const open = (route: string) => {
    void router.push(route);
  };
  const stops: Unsubscribe[] = [
    platform.links.subscribe(open),
    platform.notifications.onOpened((conversationId) => open(`/chats/${conversationId}`)),
  ];
  const backButton = platform.backButton;
  if (backButton !== null) {
    stops.push(
      backButton.subscribe(() => {
        if (router.options.history.state.back !== null) router.back();
        else backButton.leave();
      }),
    );
  }
  const initial = platform.links.takeInitialRoute();
  if (initial !== null) open(initial);
  return () => {
    for (const stop of stops) stop();
  };
}

/** The conversation is on screen: its page is open, the app in front and its window focused. */
export function isOnScreen(router: Router, conversationId: string): boolean {
  return (
    router.currentRoute.value.params.id === conversationId &&
    document.visibilityState === 'visible' &&
    document.hasFocus()
  );
}
