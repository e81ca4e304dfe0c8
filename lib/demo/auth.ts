/** The demo login: one user, `ada` / `ada`. */
import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';

export const DEMO_USER = { username: 'ada', password: 'ada' } as const;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time check, so the answer's timing does not reveal how much of a guess was right. */
export function checkCredentials(username: string, password: string): boolean {
  const userOk = timingSafeEqual(digest(username), digest(DEMO_USER.username));
  const passOk = timingSafeEqual(digest(password), digest(DEMO_USER.password));
  return userOk && passOk;
}
