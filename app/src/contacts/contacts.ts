import { username } from '@anochat/schemas/api/auth';
import { map, type Observable } from 'rxjs';
import { ClientError } from '../api/api-error.ts';
import type { ServerApi } from '../api/server-api.ts';
import type { AppDatabase, UserDoc } from '../database/app-database.ts';
import type { SessionService } from '../session/session-service.ts';

export interface Contact {
  id: string;
  username: string;
  displayName: string;
}

/**
 * People this device knows: the server shares a profile only with users who share (or shared) a
 * conversation. Anyone else is found by their exact username (`findByUsername`).
 */
export function contacts$(database: AppDatabase, selfUserId: string): Observable<Contact[]> {
  return database.users.find({ sort: [{ id: 'asc' }] }).$.pipe(
    map((users) =>
      users
        .map((user) => user.toJSON() as UserDoc)
        .filter((user) => user.id !== selfUserId)
        .map(({ id, username, displayName }) => ({ id, username, displayName }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName)),
    ),
  );
}

export function matchesContact(contact: Contact, query: string): boolean {
  const needle = query.trim().toLowerCase();
  return (
    needle === '' ||
    contact.username.toLowerCase().includes(needle) ||
    contact.displayName.toLowerCase().includes(needle)
  );
}

export function displayNames$(database: AppDatabase): Observable<Map<string, string>> {
  return database.users
    .find()
    .$.pipe(map((users) => new Map(users.map((user) => [user.id, user.displayName]))));
}

/** Whether the text could be someone's username: the server looks up nothing else. */
export function isUsername(text: string): boolean {
  return username.safeParse(text.trim()).success;
}

/**
 * The user with exactly this name (any case), or null when nobody has it. Other failures (offline,
 * rate-limited) are thrown as ClientError for the page to describe.
 */
export async function findByUsername(
  api: ServerApi,
  session: SessionService,
  name: string,
): Promise<Contact | null> {
  try {
    const { user } = await session.authenticated((token) => api.findUser(token, name.trim()));
    return { id: user.id, username: user.username, displayName: user.displayName };
  } catch (error) {
    if (error instanceof ClientError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}
