/**
 * Where to go after logging in: the `next` parameter, if it is a path on this site.
 * Anything else (another origin, `//host`, `/\host`, a scheme, control characters) falls back,
 * so the login page cannot be used to bounce a user to someone else's site.
 */
export const DEFAULT_AFTER_LOGIN = '/account';

export function safeNextPath(value: unknown, fallback: string = DEFAULT_AFTER_LOGIN): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return fallback;
  // One leading slash, then not a second slash or backslash (browsers read `/\host` as `//host`).
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  // Resolve against a dummy origin: the result must stay on it and keep the same path.
  const url = new URL(value, 'http://local.invalid');
  if (url.origin !== 'http://local.invalid') return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
