'use client';

import { useOptimistic, useTransition } from 'react';
import type { Theme } from '@/lib/demo/schemas';
import { setTheme } from './theme-actions';

const OPTIONS: { value: Theme; label: string; icon: string }[] = [
  { value: 'system', label: 'System', icon: '◐' },
  { value: 'light', label: 'Light', icon: '☀' },
  { value: 'dark', label: 'Dark', icon: '☾' },
];

/** A three-way switch; the server re-renders <html data-theme> from the signed `prefs` cookie. */
export function ThemePicker({ theme }: { theme: Theme }) {
  const [shown, show] = useOptimistic(theme);
  const [, startTransition] = useTransition();

  const choose = (value: Theme) =>
    startTransition(async () => {
      show(value);
      // Applied at once; the Server Action's re-render then confirms it from the cookie.
      document.documentElement.dataset.theme = value;
      await setTheme(value);
    });

  return (
    <fieldset className="theme-picker">
      <legend className="sr-only">Theme</legend>
      {OPTIONS.map((o) => (
        <label key={o.value} title={`${o.label} theme`} data-checked={shown === o.value || undefined}>
          <input
            type="radio"
            name="theme"
            value={o.value}
            checked={shown === o.value}
            onChange={() => choose(o.value)}
            aria-label={`${o.label} theme`}
          />
          <span aria-hidden="true">{o.icon}</span>
        </label>
      ))}
    </fieldset>
  );
}
