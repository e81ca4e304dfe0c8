/** Browser side of Sessions Kit: header sessions carried by a fetch wrapper, and SWR glue. */
export { createSessionFetch } from './session-fetch';
export type { SessionFetch, SessionFetchOptions } from './session-fetch';
export { memoryStore, webStorageStore } from './stores';
export type { SessionHeaderStore, StoreOption } from './stores';
export { SessionSWRConfig, jsonFetcher, FetchError } from './swr';
