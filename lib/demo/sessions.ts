/** The demo app's sessions: one definition, imported by every route and page. */
import 'server-only';
import { cookie, defineSessions, encrypted } from '@/lib/sessions';
import { sessionSecrets } from './secret';

export type UserSession = { name: string; count: number };

const secret = sessionSecrets();

export const sessions = defineSessions({
  // By value: the whole payload lives in an encrypted cookie (JWE).
  user_session: cookie<UserSession>({
    transform: encrypted({ secret }),
    cookie: { maxAge: 7 * 24 * 3600, sameSite: 'lax' },
  }),
});
