/** `sessions-kit/client`: the browser side of header sessions. No React; see `sessions-kit/swr` for SWR. */
export { createSessionFetch } from './client/session-fetch.ts';
export type { SessionFetch, SessionFetchOptions } from './client/session-fetch.ts';
export { memoryStore, webStorageStore } from './client/stores.ts';
export type { SessionHeaderStore, StoreOption } from './client/stores.ts';
