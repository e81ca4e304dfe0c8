import { InspectorView } from './inspector-view';

export default function InspectorPage() {
  return (
    <>
      <h1>Inspector</h1>
      <p className="lead">
        What your browser holds for each session (opaque: a JWE, a random id, a signed id) next to what the server reads
        from it. Start sessions on the other pages, then refresh.
      </p>
      <InspectorView />
    </>
  );
}
