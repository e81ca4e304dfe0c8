/**
 * The account's device list: the signed-in user's sessions as the demo API shows them, and
 * signing them out. Handles are safe to show and to put in a URL; ids never leave the server.
 */
import 'server-only';
import type { SessionAccessor } from 'sessions-kit';
import type { sessions } from './sessions';

type Session = SessionAccessor<import('sessions-kit').InferSessionData<typeof sessions>>;

export interface Device {
  handle: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  device: string;
}

export async function listDevices(session: Session): Promise<Device[]> {
  return (await session.list('auth')).map((info) => ({
    handle: info.handle,
    current: info.current,
    createdAt: info.createdAt.toISOString(),
    lastSeenAt: info.lastSeenAt.toISOString(),
    device: info.data.device ?? 'Unknown device',
  }));
}
