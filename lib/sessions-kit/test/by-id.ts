/** Shared by the by-id tracker tests: data shapes, request helpers and response checks. */
import { expect } from 'vitest';
import type { Sessions } from '../src/index.ts';
import { exchange, isClearing, setCookieFor, wireValue } from './helpers.ts';

export interface User {
  id: string;
  name?: string;
}

export interface Cart {
  items: string[];
}

export const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The one Set-Cookie line for `name` clears it (Max-Age=0). */
export function expectClears(response: Response, name: string): void {
  const line = setCookieFor(response, name);
  expect(line, `expected a Set-Cookie clearing ${name}`).toBeDefined();
  expect(line?.attributes.get('max-age')).toBe('0');
  expect(isClearing(line as NonNullable<typeof line>)).toBe(true);
}

/** Sets `value` in a fresh request; returns the id (the cookie value). */
export async function newSession<D, K extends keyof D & string>(sessions: Sessions<D>, name: K, value: D[K]): Promise<string> {
  const { response } = await exchange(sessions, {}, (s) => s.set(name, value));
  return wireValue(response, name);
}
