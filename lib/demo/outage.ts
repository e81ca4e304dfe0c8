/**
 * How a session-storage outage reaches the error pages. Next hides server error messages from the
 * browser in production but keeps an error's own `digest`; sessions-kit's SessionStorageError
 * carries this one. No imports: app/error.tsx (a Client Component) reads it too.
 */
export const STORAGE_UNAVAILABLE_DIGEST = 'SESSIONS_STORAGE_UNAVAILABLE';

export function isStorageOutage(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { digest?: unknown }).digest === STORAGE_UNAVAILABLE_DIGEST;
}
