/** Reads the theme for the root layout. Shared so the layout and the picker agree on the values. */
import 'server-only';
import { type Theme, sessions } from '@/lib/demo/sessions';

/** The `prefs` theme, or 'system' (follow prefers-color-scheme) when none is set or it is unreadable. */
export async function currentTheme(): Promise<Theme> {
  const session = await sessions.current();
  const prefs = await session.get('prefs');
  return prefs?.theme === 'light' || prefs?.theme === 'dark' ? prefs.theme : 'system';
}
