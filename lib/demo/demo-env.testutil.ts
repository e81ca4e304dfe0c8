/**
 * Import FIRST in demo route tests: the demo reads its configuration when lib/demo/sessions.ts is
 * first imported, so the secret and a private session directory must be in place before that.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cookie, defineSessions, encrypted, header, signed } from 'sessions-kit';
import { directoryStorage } from 'sessions-kit/directory';

export const DEMO_SECRET = 'demo-test-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const DEMO_DIR = mkdtempSync(path.join(tmpdir(), 'sessions-kit-demo-'));

process.env.SESSION_SECRET = DEMO_SECRET;
process.env.SESSIONS_DIR = DEMO_DIR;
delete process.env.REDIS_URL;
delete process.env.DATABASE_URL;
delete process.env.KTOR_ENCRYPT_KEY;
delete process.env.KTOR_SIGN_KEY;
delete process.env.KTOR_AUTH_KEY;

export const APP = 'http://127.0.0.1:3000';

/**
 * The demo's sessions with the same secret, wire names and stores, but no schemas: a way to mint
 * AUTHENTIC values of any shape, as a buggy or older release of the app could have written them.
 */
export const unchecked = defineSessions({
  user_session: cookie<unknown>({ transform: encrypted({ secret: [DEMO_SECRET] }) }),
  prefs: cookie<unknown>({ transform: signed({ secret: [DEMO_SECRET] }) }),
  basket: cookie<unknown>({ storage: directoryStorage(path.join(DEMO_DIR, 'anonymous')) }),
  auth: cookie<unknown>({ storage: directoryStorage(path.join(DEMO_DIR, 'accounts')) }),
  cart_session: header<unknown>({
    name: 'X-Cart-Session',
    storage: directoryStorage(path.join(DEMO_DIR, 'anonymous')),
    transform: signed({ secret: [DEMO_SECRET] }),
  }),
});

/** `name=value` cookie (or the header value) for session `name` holding `value`. */
export async function mint(name: 'user_session' | 'prefs' | 'basket' | 'auth', value: unknown): Promise<string> {
  const s = unchecked.forRequest(new Request(`${APP}/`));
  await s.set(name, value);
  const line = s.applyTo(new Response(null)).headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`no cookie for ${name}`);
  return line.slice(0, line.indexOf(';'));
}

export async function mintCartHeader(value: unknown): Promise<string> {
  const s = unchecked.forRequest(new Request(`${APP}/`));
  await s.set('cart_session', value);
  return s.applyTo(new Response(null)).headers.get('X-Cart-Session') ?? '';
}

type Handler = (request: Request, context: unknown) => Promise<Response>;

/** Calls an exported route function the way Next does, with a same-origin request. */
export function call(
  handler: Handler,
  method: string,
  init: { cookie?: string; headers?: Record<string, string>; body?: BodyInit; path?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set('cookie', init.cookie);
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const request = new Request(`${APP}${init.path ?? '/api'}`, {
    method,
    headers,
    body: init.body,
    ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return handler(request, { params: Promise.resolve({}) });
}
