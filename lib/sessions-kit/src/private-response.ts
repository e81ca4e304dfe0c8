/**
 * A response that depends on a session must not be stored by shared caches,
 * nor served to a client that sends another cookie or session header.
 */

/** `private, no-store`, unless the handler's own directives already say both (e.g. `private, no-store, max-age=0`). */
export function markPrivate(headers: Headers, vary: Iterable<string>): void {
  const directives = tokens(headers.get('Cache-Control'));
  if (!directives.includes('private') || !directives.includes('no-store')) headers.set('Cache-Control', 'private, no-store');
  for (const name of vary) appendToken(headers, 'Vary', name);
}

/** Adds `token` to a comma-separated header (Vary, Access-Control-Expose-Headers), keeping what is there; `Vary: *` already covers it. */
export function appendToken(headers: Headers, header: string, token: string): void {
  const current = headers.get(header);
  if (!current) headers.set(header, token);
  else if (!tokens(current).some((t) => t === token.toLowerCase() || (t === '*' && header === 'Vary'))) headers.set(header, `${current}, ${token}`);
}

function tokens(value: string | null): string[] {
  return value ? value.toLowerCase().split(',').map((t) => t.trim().split('=')[0] ?? '') : [];
}
