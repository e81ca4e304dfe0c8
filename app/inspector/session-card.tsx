'use client';

import type { InspectedSession } from '@/lib/demo/inspect';
import { Countdown, When } from './countdown';

/** 1800 → "30 min", 28800 → "8 h", 604800 → "7 days". */
function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function policy(lifetime: InspectedSession['lifetime']): string {
  const parts: string[] = [];
  if (lifetime.idleTimeout !== undefined) parts.push(`ends after ${duration(lifetime.idleTimeout)} idle`);
  if (lifetime.absoluteTimeout !== undefined) parts.push(`at most ${duration(lifetime.absoluteTimeout)} after it began`);
  if (parts.length === 0) parts.push(lifetime.maxAge === null ? 'no server-side expiry' : `lives ${duration(lifetime.maxAge)} from the last write`);
  if (lifetime.rolling) parts.push('renewed as it is used');
  return parts.join(', ');
}

const FORMAT: Record<string, string> = {
  jwe: 'JWE (encrypted)',
  jws: 'JWS (signed)',
  ktor: "Ktor's format",
  id: 'random id',
  text: 'plain text',
};

/** One session: what the browser holds, how the cookie is set, the decoded header, what the server reads. */
export function SessionCard({ s, limit }: { s: InspectedSession; limit: number }) {
  const share = Math.min(1, s.bytes / limit);
  const { header, cookie: attributes, lifetime } = s;
  return (
    <article className="card" data-testid={`inspect-${s.name}`} aria-labelledby={`title-${s.name}`}>
      <div className="inspect-head">
        <h2 id={`title-${s.name}`} style={{ margin: 0 }}>
          <code>{s.name}</code>
        </h2>
        <div className="badges">
          <span className="badge">
            {s.transport} <code>{s.wireName}</code>
          </span>
          <span className="badge">by {s.tracking}</span>
          {s.format && <span className="badge on">{FORMAT[s.format]}</span>}
        </div>
      </div>

      <div className="section-label">The browser holds</div>
      {s.held === null ? (
        <p className="muted small" data-testid="sent">
          (nothing)
        </p>
      ) : (
        <p className="small" data-testid="sent">
          {s.tracking === 'id' ? 'An id' : 'A value'} of {s.held.length} characters, SHA-256{' '}
          <code data-testid="fingerprint">{s.held.sha256}…</code>{' '}
          <span className="muted">(masked: whoever holds it holds the session, so it never leaves the server in a body)</span>
        </p>
      )}
      {s.held !== null && (
        <>
          <div className="meter" data-level={share > 0.75 ? 'high' : undefined} aria-hidden="true">
            <span style={{ width: `${Math.max(share * 100, 1)}%` }} />
          </div>
          <p className="muted small" style={{ margin: 0 }} data-testid="size">
            {s.bytes.toLocaleString('en-US')} of {limit.toLocaleString('en-US')} bytes
          </p>
        </>
      )}

      {attributes && (
        <>
          <div className="section-label">Cookie attributes</div>
          <div className="badges" data-testid="attributes">
            <span className={`badge${attributes.httpOnly ? ' on' : ''}`}>{attributes.httpOnly ? 'HttpOnly' : 'readable by scripts'}</span>
            <span className={`badge${attributes.secure ? ' on' : ''}`}>{attributes.secure ? 'Secure' : 'not Secure (development)'}</span>
            <span className="badge on">SameSite={attributes.sameSite}</span>
            <span className="badge">{attributes.maxAge === null ? 'until the browser closes' : `Max-Age=${duration(attributes.maxAge)}`}</span>
            <span className="badge">Path={attributes.path}</span>
            {attributes.domain && <span className="badge">Domain={attributes.domain}</span>}
            {attributes.partitioned && <span className="badge on">Partitioned</span>}
          </div>
        </>
      )}

      {header && (
        <>
          <div className="section-label">Protected header</div>
          <dl className="facts" data-testid="header">
            {header.alg && (
              <>
                <dt>alg</dt>
                <dd>
                  <code>{header.alg}</code>
                </dd>
              </>
            )}
            {header.enc && (
              <>
                <dt>enc</dt>
                <dd>
                  <code>{header.enc}</code>
                </dd>
              </>
            )}
            {header.kid && (
              <>
                <dt>kid</dt>
                <dd>
                  <code>{header.kid}</code> <span className="muted small">(which secret)</span>
                </dd>
              </>
            )}
            {header.iat !== undefined && (
              <>
                <dt>iat</dt>
                <dd data-testid="iat">
                  <When at={header.iat} /> <span className="muted small">(session created)</span>
                </dd>
              </>
            )}
            {header.exp !== undefined && (
              <>
                <dt>exp</dt>
                <dd data-testid="exp">
                  <When at={header.exp} /> <Countdown at={header.exp} />
                </dd>
              </>
            )}
          </dl>
        </>
      )}

      <div className="section-label">The server reads</div>
      <pre className="token" data-testid="reads">
        {JSON.stringify(s.reads, null, 2)}
      </pre>
      <dl className="facts" data-testid="deadlines">
        {s.deadlines?.createdAt !== undefined && (
          <>
            <dt>Began</dt>
            <dd>
              <When at={s.deadlines.createdAt} />
            </dd>
          </>
        )}
        {s.deadlines?.expiresAt !== undefined && (
          <>
            <dt>Ends</dt>
            <dd data-testid="expires">
              <When at={s.deadlines.expiresAt} /> <Countdown at={s.deadlines.expiresAt} />{' '}
              <span className="muted small">({s.tracking === 'id' ? 'from the stored record' : 'from the protected value'})</span>
            </dd>
          </>
        )}
        <dt>Policy</dt>
        <dd>{policy(lifetime)}</dd>
      </dl>
      {s.reads === null && s.held !== null && (
        <p className="error small" style={{ margin: 0 }}>
          Sent, but not accepted (tampered, expired, or written with another secret): reads as no session.
        </p>
      )}
    </article>
  );
}
