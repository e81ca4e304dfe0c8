'use server';

import { ThemeSchema } from '@/lib/demo/schemas';
import { sessions } from '@/lib/demo/sessions';

/** Stores the theme in the signed `prefs` cookie; Next re-renders the page with it. */
export async function setTheme(theme: unknown): Promise<void> {
  // A Server Action is a public endpoint: check the argument, whatever its declared type.
  const parsed = ThemeSchema.safeParse(theme);
  if (!parsed.success) return;
  const session = await sessions.current();
  await session.set('prefs', { theme: parsed.data });
}
