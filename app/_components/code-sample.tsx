import type { ReactNode } from 'react';
import { highlight } from './highlight';
import { type Sample, readSample } from './samples';

/** One excerpt of a real source file, with its path and line numbers. */
function CodeSample(sample: Sample) {
  const { side, lines, code } = readSample(sample);
  return (
    <figure className="sample" data-testid="code-sample">
      <figcaption>
        <span className={`side side-${side.toLowerCase()}`}>{side}</span>
        <code>
          {sample.file}:{lines}
        </code>
      </figcaption>
      <pre>
        <code>{highlight(code)}</code>
      </pre>
    </figure>
  );
}

/** The demo on the left, the code that implements it on the right (stacked on a phone). */
export function DemoWithCode({ children, samples }: { children: ReactNode; samples: Sample[] }) {
  return (
    <div className="demo-grid">
      <section className="demo" aria-label="Live demo">
        {children}
      </section>
      <section className="code" aria-label="How it is built">
        <h2 className="code-title">How it works</h2>
        {samples.map((s) => (
          <CodeSample key={`${s.file}:${s.from}`} {...s} />
        ))}
      </section>
    </div>
  );
}
