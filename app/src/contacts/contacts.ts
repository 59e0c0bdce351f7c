import { map, type Observable } from 'rxjs';
import type { AppDatabase, UserDoc } from '../database/app-database.ts';

export interface Contact {
  id: string;
  username: string;
  displayName: string;
}

/**
 * People this device knows: the server shares a profile only with users who share (or shared) a
 * conversation. Anyone else is found by a server search (people-search.ts).
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
