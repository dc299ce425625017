/**
 * Results computed once per data version (ADR 0012): the dashboards' and the board pack's
 * figures, and the month-by-month counts behind the public overview, are the same for everyone
 * allowed to see them until the data version of their scope changes, so each is computed once per
 * version (and London day) and kept, a bounded number of them, least recently used dropped first.
 * Requests asking for the same result while it is being computed share that computation.
 *
 * Only results that do not depend on who asks may go in: callers check permission first, and a
 * result that differs by role or organisation must carry that in its key.
 */
import type { DataVersionReader, DataVersionScope } from '../../db/data-version';
import { ByteLru } from './lru';

export type VersionMemo = ReturnType<typeof createVersionMemo>;

export function createVersionMemo(deps: { versions: DataVersionReader; maxEntries: number }) {
  // Counted in entries, not bytes: each is one JSON-sized result of a bounded query.
  const lru = new ByteLru<Promise<unknown>>(deps.maxEntries);
  const latest: Partial<Record<DataVersionScope, number>> = {};
  const stats = { hits: 0, misses: 0 };

  return {
    /** The result for `key` at the current version of `scope`, computing it when there is none. */
    async get<T>(scope: DataVersionScope, key: string, compute: () => Promise<T>): Promise<T> {
      if (deps.maxEntries === 0) return compute();
      const version = (await deps.versions.read())[scope].version;
      if (version > (latest[scope] ?? -1)) {
        latest[scope] = version;
        lru.prune((k) => k.startsWith(`${scope}:`) && !k.startsWith(`${scope}:${version}|`));
      }
      const full = `${scope}:${version}|${key}`;
      const kept = lru.get(full) as Promise<T> | undefined;
      if (kept) {
        stats.hits += 1;
        return kept;
      }
      stats.misses += 1;
      const running = compute();
      lru.set(full, running, 1);
      // A failure is not kept: the next request tries again.
      running.catch(() => lru.delete(full));
      return running;
    },

    stats() {
      return { ...stats, entries: lru.size };
    },
  };
}
