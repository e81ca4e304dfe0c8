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
      const s = storage();
      return s ? s.getItem(prefix + name) : fallback.get(name);
    },
    set(name, value) {
      const s = storage();
      if (!s) return fallback.set(name, value);
      try {
        s.setItem(prefix + name, value);
      } catch {
        fallback.set(name, value); // quota exceeded: keep the session for this page at least
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
