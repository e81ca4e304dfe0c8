/** Where the browser keeps session header values between requests. */

export interface SessionHeaderStore {
  get(name: string): string | undefined | null;
  set(name: string, value: string): void;
  delete(name: string): void;
}

export type StoreOption = 'memory' | 'sessionStorage' | 'localStorage' | SessionHeaderStore;

export function memoryStore(): SessionHeaderStore {
  const values = new Map<string, string>();
  return {
    get: (name) => values.get(name),
    set: (name, value) => void values.set(name, value),
    delete: (name) => void values.delete(name),
  };
}

/**
 * Web Storage under a key prefix. Falls back to memory where Web Storage is
 * missing (server rendering) or refused (private mode, disabled storage).
 */
export function webStorageStore(kind: 'sessionStorage' | 'localStorage', prefix = 'session-header:'): SessionHeaderStore {
  const fallback = memoryStore();
  const storage = (): Storage | undefined => {
    try {
      return typeof window === 'undefined' ? undefined : window[kind];
    } catch {
      return undefined; // access itself throws when storage is disabled
    }
  };
  return {
    get(name) {
      // A value kept in memory after a failed setItem is newer than what Web Storage holds.
      return fallback.get(name) ?? storage()?.getItem(prefix + name) ?? undefined;
    },
    set(name, value) {
      const s = storage();
      if (!s) return fallback.set(name, value);
      try {
        s.setItem(prefix + name, value);
        fallback.delete(name);
      } catch {
        fallback.set(name, value); // quota exceeded: keep the session for this page at least
        try {
          s.removeItem(prefix + name); // never serve the stale value after the page reloads
        } catch {
          // storage refused even removal; the in-memory value still wins while the page lives
        }
      }
    },
    delete(name) {
      storage()?.removeItem(prefix + name);
      fallback.delete(name);
    },
  };
}

export function resolveStore(option: StoreOption | undefined): SessionHeaderStore {
  if (option === undefined || option === 'memory') return memoryStore();
  if (option === 'sessionStorage' || option === 'localStorage') return webStorageStore(option);
  return option;
}
