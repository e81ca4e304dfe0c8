'use client';

import { useEffect, useState } from 'react';

/** "in 6d 23h 59m 58s" until `at` (seconds since the epoch), then "expired"; ticks every second. */
export function Countdown({ at }: { at: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.round(at - now / 1000);
  if (left <= 0) return <span className="badge">expired</span>;
  const parts = [
    [Math.floor(left / 86400), 'd'],
    [Math.floor((left % 86400) / 3600), 'h'],
    [Math.floor((left % 3600) / 60), 'm'],
    [left % 60, 's'],
  ] as const;
  const first = parts.findIndex(([n]) => n > 0);
  const text = parts
    .slice(first)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
  return (
    <span className="badge on" data-testid="countdown" role="timer" aria-live="off">
      in {text}
    </span>
  );
}

/** A date and time in the reader's locale, from seconds since the epoch. */
export function When({ at }: { at: number }) {
  const date = new Date(at * 1000);
  return <time dateTime={date.toISOString()}>{date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}</time>;
}
