/**
 * Where to go after logging in: the `next` parameter, if it is a path on this site.
 * It is judged after the WHATWG URL parser has normalised it, as a browser will: dot segments,
 * `%2e`, backslashes, tabs and newlines can all turn an innocent-looking value into `//host`.
 * Anything that does not stay a same-origin path falls back, so the login page cannot be used to
 * bounce a user to someone else's site.
 */
export const DEFAULT_AFTER_LOGIN = '/account';

const MAX_NEXT = 512;
const DUMMY_ORIGIN = 'http://local.invalid';

export function safeNextPath(value: unknown, fallback: string = DEFAULT_AFTER_LOGIN): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_NEXT) return fallback;
  let url: URL;
  try {
    url = new URL(value, DUMMY_ORIGIN);
  } catch {
    return fallback;
  }
  // A path that starts with `//` or `/\` reads as another host once sent as a Location or href.
  if (url.origin !== DUMMY_ORIGIN || url.pathname.startsWith('//') || url.pathname.startsWith('/\\')) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
