import Link from 'next/link';
import { DemoWithCode } from './_components/code-sample';
import { Counter } from './_components/counter';
import { SAMPLES } from './_components/samples';

export default function CounterPage() {
  return (
    <>
      <h1>Encrypted cookie session</h1>
      <p className="lead">
        <code>user_session</code> keeps <code>{'{ name, count }'}</code> in the browser, sealed as a JWE (<code>dir</code> +{' '}
        <code>A256GCM</code>) in an HttpOnly cookie. Nothing is stored on the server; the browser cannot read or change it.
      </p>
      <DemoWithCode samples={SAMPLES.counter}>
        <Counter />
      </DemoWithCode>

      <h2 id="theme" style={{ marginTop: '2.5rem' }}>
        Several sessions at once: the theme
      </h2>
      <p className="lead">
        The switch in the header writes a second session, <code>prefs</code>, from a Server Action. It is signed, not encrypted:
        readable, but the server refuses any edit. The root layout reads it and renders <code>{'<html data-theme>'}</code>, so
        every page opens in the right colours with no flash. Without it, the page follows your system setting.
      </p>
      <DemoWithCode samples={SAMPLES.theme}>
        <div className="card">
          <p style={{ marginTop: 0 }}>
            Pick <strong>☀ Light</strong>, <strong>☾ Dark</strong> or <strong>◐ System</strong> in the header, then reload or open
            another page: the choice travels in the cookie, not in local storage.
          </p>
          <p className="muted small" style={{ marginBottom: 0 }}>
            The <Link href="/inspector">inspector</Link> shows the signed value and its decoded header.
          </p>
        </div>
      </DemoWithCode>
    </>
  );
}
