import type { Metadata } from 'next';
import { DemoWithCode } from '../_components/code-sample';
import { SAMPLES } from '../_components/samples';
import { InspectorView } from './inspector-view';

export const metadata: Metadata = { title: 'Inspector' };

export default function InspectorPage() {
  return (
    <>
      <h1>Inspector</h1>
      <p className="lead">
        For each session: what your browser holds (its size against the 4,096-byte cookie limit, the cookie&apos;s attributes,
        the decoded header of a JWE or JWS) next to what the server reads from it. The values themselves, ids and sealed data
        alike, are shown as a fingerprint only. Start sessions on the other pages, then refresh.
      </p>
      <InspectorView />
      <DemoWithCode samples={SAMPLES.inspector}>
        <div className="card">
          <p style={{ marginTop: 0 }}>
            The route reads every session through the same accessor the other routes use; headers are decoded only for display.
            A value the server accepts has an authentic header, so its <code>exp</code> is the deadline the server enforces.
          </p>
        </div>
      </DemoWithCode>
    </>
  );
}
