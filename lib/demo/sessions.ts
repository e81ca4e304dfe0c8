/** The demo app's sessions: one definition, imported by every route and page. */
import 'server-only';
import { cookie, defineSessions, encrypted, header, signed } from 'sessions-kit';
import { ktorEncrypted } from 'sessions-kit/ktor';
import { ktorKeys, sessionSecrets } from './secret';
import { demoStorage } from './storage';

export type UserSession = { name: string; count: number };
export type Cart = { items: string[] };
export type AuthSession = { user: string; loginAt: number };
export type Theme = 'system' | 'light' | 'dark';
/** Display preferences, readable by the client (signed, not encrypted): the theme applied on every page. */
export type Prefs = { theme: Theme };
/** The shape of Ktor's docs example: `@Serializable data class UserSession(val userId: String, val cart: List<String>)`. */
export type KtorSession = { userId: string; cart: string[] };

const secret = sessionSecrets();
const storage = demoStorage();

export const sessions = defineSessions({
  // By value: the whole payload lives in an encrypted cookie (JWE).
  user_session: cookie<UserSession>({
    transform: encrypted({ secret }),
    cookie: { maxAge: 7 * 24 * 3600, sameSite: 'lax' },
  }),
  // By id: the cookie carries only an id; the basket lives in server storage.
  basket: cookie<Cart>({ storage }),
  // A header session for API clients, by id, with a signed id.
  cart_session: header<Cart>({
    name: 'X-Cart-Session',
    storage,
    transform: signed({ secret }),
  }),
  // Login: by id, ended after 30 idle minutes or 8 hours, whichever comes first.
  auth: cookie<AuthSession>({
    storage,
    idleTimeout: 30 * 60,
    absoluteTimeout: 8 * 3600,
    cookie: { sameSite: 'lax' },
  }),
  // Preferences: signed (readable, tamper-evident), long-lived, set from a Server Action.
  prefs: cookie<Prefs>({
    transform: signed({ secret }),
    cookie: { maxAge: 400 * 24 * 3600, sameSite: 'lax' },
  }),
  // Ktor's own encrypted format: a Ktor service with the same keys reads and writes this cookie.
  ktor_session: cookie<KtorSession>({ transform: ktorEncrypted(ktorKeys()) }),
});


