'use server';
/**
 * The device list's Server Actions: sign one of this user's other sessions out, or all of them.
 * The library refuses them from another site (and proxy.ts answers such a post with 403 first).
 */
import { revalidatePath } from 'next/cache';
import { sessions } from '@/lib/demo/sessions';

export async function signOutDevice(form: FormData): Promise<void> {
  const handle = form.get('handle');
  if (typeof handle !== 'string' || handle === '') return;
  const session = await sessions.current();
  await session.revoke('auth', handle);
  revalidatePath('/account');
}

export async function signOutOthers(): Promise<void> {
  const session = await sessions.current();
  await session.revokeOthers('auth');
  revalidatePath('/account');
}
