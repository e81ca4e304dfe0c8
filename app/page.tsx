import { Counter } from './_components/counter';

export default function CounterPage() {
  return (
    <>
      <h1>Encrypted cookie session</h1>
      <p className="lead">
        <code>user_session</code> keeps <code>{'{ name, count }'}</code> in the browser, sealed as a JWE
        (<code>dir</code> + <code>A256GCM</code>) in an HttpOnly cookie. Nothing is stored on the server.
      </p>
      <Counter />
    </>
  );
}
