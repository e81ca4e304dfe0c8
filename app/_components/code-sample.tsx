import type { ReactNode } from 'react';
import { highlight } from './highlight';
import { type SourceSelector, readSource } from './source-region';

export interface Sample {
  /** "Server" or "Client": where this code runs. */
  side: 'Server' | 'Client';
  source: SourceSelector;
}

/** One excerpt of a real source file, with its path and line numbers. */
export function CodeSample({ side, source }: Sample) {
  const excerpt = readSource(source);
  if (!excerpt) {
    return (
      <p className="muted">
        {side}: <code>{source.file}</code> (excerpt not available in this deployment)
      </p>
    );
  }
  const lines = excerpt.startLine === excerpt.endLine ? `${excerpt.startLine}` : `${excerpt.startLine}–${excerpt.endLine}`;
  return (
    <figure className="sample" data-testid="code-sample">
      <figcaption>
        <span className={`side side-${side.toLowerCase()}`}>{side}</span>
        <code>
          {excerpt.file}:{lines}
        </code>
      </figcaption>
      <pre>
        <code>{highlight(excerpt.code)}</code>
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
          <CodeSample key={`${s.source.file}:${'region' in s.source ? s.source.region : s.source.from}`} {...s} />
        ))}
      </section>
    </div>
  );
}
