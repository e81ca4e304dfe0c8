'use client';
/** `sessions-kit/swr`: SWR glue for header sessions (`<SessionSWRConfig fetch={api}>`); see client/swr.tsx. */
export { FetchError, SessionSWRConfig, jsonFetcher } from './client/swr.tsx';
