import type { SessionInfo } from 'sessions-kit';
import type { AuthSession } from '@/lib/demo/sessions';
import { signOutDevice, signOutOthers } from './actions';

const when = (date: Date) => `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/** "Where you're signed in": this user's sessions, newest activity first, each other one with its own sign-out. */
export function Devices({ devices }: { devices: SessionInfo<AuthSession>[] }) {
  const others = devices.filter((d) => !d.current).length;
  return (
    <section className="card stack" aria-labelledby="devices-title" data-testid="devices">
      <h2 id="devices-title" style={{ margin: 0 }}>
        Where you're signed in
      </h2>
      <ul className="devices">
        {devices.map((d) => (
          <li key={d.handle} className="device" data-testid="device">
            <div>
              <strong>{d.data.device ?? 'Unknown device'}</strong>
              {d.current && <span className="badge">This device</span>}
              <div className="muted small">
                Signed in <time dateTime={d.createdAt.toISOString()}>{when(d.createdAt)}</time> · last seen{' '}
                <time dateTime={d.lastSeenAt.toISOString()}>{when(d.lastSeenAt)}</time>
              </div>
            </div>
            {!d.current && (
              <form action={signOutDevice}>
                <input type="hidden" name="handle" value={d.handle} />
                <button type="submit" className="secondary" aria-label={`Sign out ${d.data.device ?? 'this device'}`}>
                  Sign out
                </button>
              </form>
            )}
          </li>
        ))}
      </ul>
      {others > 0 && (
        <form action={signOutOthers}>
          <button type="submit" className="secondary">
            Sign out everywhere else ({others})
          </button>
        </form>
      )}
    </section>
  );
}
