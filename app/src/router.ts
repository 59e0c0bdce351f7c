import { createRouter, createWebHistory } from '@ionic/vue-router';
import type { RouteRecordRaw } from 'vue-router';
import type { PendingInvite } from './contacts/invites.ts';

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/chats' },
  { path: '/login', component: () => import('./ui/pages/LoginPage.vue'), meta: { public: true } },
  {
    path: '/server',
    component: () => import('./ui/pages/ServerChoicePage.vue'),
    meta: { public: true },
  },
  {
    path: '/session-ended',
    component: () => import('./ui/pages/SessionEndedPage.vue'),
    meta: { public: true },
  },
  { path: '/chats', component: () => import('./ui/pages/HomePage.vue') },
  { path: '/chats/:id', component: () => import('./ui/pages/HomePage.vue'), props: true },
  { path: '/chats/:id/info', component: () => import('./ui/pages/GroupInfoPage.vue'), props: true },
  { path: '/new/direct', component: () => import('./ui/pages/NewChatPage.vue') },
  { path: '/new/group', component: () => import('./ui/pages/NewGroupPage.vue') },
  { path: '/settings', component: () => import('./ui/pages/SettingsPage.vue') },
  { path: '/requests', component: () => import('./ui/pages/RequestsPage.vue') },
  {
    path: '/invite/:token',
    component: () => import('./ui/pages/InvitePage.vue'),
    props: true,
  },
  { path: '/:pathMatch(.*)*', redirect: '/chats' },
];

const INVITE_PATH = /^\/invite\/([^/]+)$/;

/**
 * `hasServer` is false in a packaged app until the person has chosen their server;
 * `hasEndedSession` is true while a session that ended with unsent messages waits for a decision;
 * `pendingInvite` keeps an invite link opened while signed out until the login or registration
 * is done, then the invite page opens.
 */
export function createAppRouter(state: {
  isSignedIn: () => boolean;
  hasServer: () => boolean;
  hasEndedSession: () => boolean;
  pendingInvite: PendingInvite;
}) {
  const { isSignedIn } = state;
  const router = createRouter({ history: createWebHistory(), routes });
  router.beforeEach((to) => {
    if (!state.hasServer()) return to.path === '/server' ? true : '/server';
    if (state.hasEndedSession()) return to.path === '/session-ended' ? true : '/session-ended';
    if (to.path === '/session-ended') return isSignedIn() ? '/chats' : '/login';
    const invite = INVITE_PATH.exec(to.path)?.[1];
    if (to.meta.public !== true && !isSignedIn()) {
      if (invite !== undefined) state.pendingInvite.remember(invite);
      return '/login';
    }
    if (isSignedIn() && invite === undefined) {
      const waiting = state.pendingInvite.take();
      if (waiting !== null) return `/invite/${waiting}`;
    }
    if (to.path === '/login' && isSignedIn()) return '/chats';
    return true;
  });
  return router;
}
