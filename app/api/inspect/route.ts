import { inspectSessions } from '@/lib/demo/inspect';
import { sessions } from '@/lib/demo/sessions';

// What the browser sent for each session, next to what the server reads from it.
export const GET = sessions.handler(async (request, { session }) => Response.json(await inspectSessions(request, session)));
