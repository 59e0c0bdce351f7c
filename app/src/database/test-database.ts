import type { RxStorage } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { type AppDatabase, openAppDatabase } from './app-database.ts';

/** For tests: a fresh, empty app database of its own (Dexie over fake-indexeddb by default). */
export function openTestDatabase(
  storage: RxStorage<unknown, unknown> = getRxStorageDexie(),
): Promise<AppDatabase> {
  return openAppDatabase({ name: `test${crypto.randomUUID().slice(0, 8)}`, storage });
}
