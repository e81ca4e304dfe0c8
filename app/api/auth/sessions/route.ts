import { listDevices } from '@/lib/demo/devices';
import { sessions } from '@/lib/demo/sessions';

/** The signed-in user's sessions (devices); 401 without a session. */
export const GET = sessions.protect('auth', {}, async (_request, { session }) => Response.json({ sessions: await listDevices(session) }));

/** "Sign out everywhere else": every other session of this user ends. */
export const DELETE = sessions.protect('auth', {}, async (_request, { session }) => Response.json({ revoked: await session.revokeOthers('auth') }));
