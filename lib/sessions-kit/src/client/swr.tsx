'use client';
/**
 * SWR glue: `<SessionSWRConfig fetch={api}>` makes every `useSWR(url)` below
 * it fetch through the session-carrying `api` and parse JSON.
 *
 * @example
 * <SessionSWRConfig fetch={api}><Cart /></SessionSWRConfig>   // then useSWR('/api/header/cart')
 */
import type { ReactNode } from 'react';
import { SWRConfig } from 'swr';
import type { SessionFetch } from './session-fetch.ts';

export class FetchError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

/** A fetcher for SWR: JSON on success, a `FetchError` carrying the status and the `{ error }` text otherwise. */
export function jsonFetcher(fetchWith: SessionFetch | typeof fetch) {
  return async <T = unknown>(url: string): Promise<T> => {
    const response = await fetchWith(url);
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const message = (body as { error?: unknown } | undefined)?.error;
      throw new FetchError(response.status, typeof message === 'string' ? message : `${response.status} ${response.statusText}`, body);
    }
    return body as T;
  };
}

export function SessionSWRConfig({ fetch, children }: { fetch: SessionFetch; children: ReactNode }) {
  return <SWRConfig value={{ fetcher: jsonFetcher(fetch) }}>{children}</SWRConfig>;
}
