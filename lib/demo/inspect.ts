/** The inspector: each session's raw wire value (opaque to the browser) beside the data the server reads. */
import 'server-only';
import { parse as parseCookies } from 'cookie';
import type { InferSessionData, RequestSessions, SessionDescription } from 'sessions-kit';
import { sessions } from './sessions';

export interface InspectedSession extends SessionDescription {
  /** What the request carried, as sent (cookie or header value), or null. */
  sent: string | null;
  /** What the server reads from it, or null for no (valid) session. */
  reads: unknown;
}

export async function inspectSessions(
  request: Request,
  session: RequestSessions<InferSessionData<typeof sessions>>,
): Promise<{ sessions: InspectedSession[] }> {
  const jar = parseCookies(request.headers.get('cookie') ?? '');
  const inspected = await Promise.all(
    sessions.names.map(async (name) => {
      const description = sessions.describe(name);
      const sent =
        description.transport === 'cookie' ? (jar[description.wireName] ?? null) : request.headers.get(description.wireName);
      return { ...description, sent, reads: (await session.get(name)) ?? null };
    }),
  );
  return { sessions: inspected };
}
