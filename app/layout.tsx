import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { currentAuth } from './_components/current-auth';
import { NavLinks } from './_components/nav-links';
import { SignedIn } from './_components/signed-in';
import { currentTheme } from './_components/theme';
import { ThemePicker } from './_components/theme-picker';
import './globals.css';

export const metadata: Metadata = {
  metadataBase: new URL(process.env.SITE_URL ?? 'http://localhost:3000'),
  title: { default: 'Sessions Kit', template: '%s · Sessions Kit' },
  description: 'Sessions for Next.js: cookies or headers, encrypted or signed, by value or by id, in one definition.',
  openGraph: {
    title: 'Sessions Kit',
    description: 'Sessions for Next.js: cookies or headers, encrypted or signed, by value or by id.',
    images: [{ url: '/og.png', width: 1200, height: 630, alt: 'Sessions Kit' }],
  },
  twitter: { card: 'summary_large_image', images: ['/og.png'] },
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#0d1117' },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The theme comes from the signed `prefs` cookie and is rendered on <html> by the server,
  // so the first paint already has the right colours (no flash, no inline script).
  // The nav offers "Log in" or "Account" from the same read as the header's chip (cached per render).
  const [theme, auth] = await Promise.all([currentTheme(), currentAuth()]);
  return (
    <html lang="en" data-theme={theme}>
      <body>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="top">
          <div className="top-inner">
            <Link href="/" className="brand" aria-label="Sessions Kit, home">
              <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
                <rect width="32" height="32" rx="8" fill="var(--accent)" />
                <path d="M10 12.5a4 4 0 0 1 4-4h6M22 19.5a4 4 0 0 1-4 4h-6" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" />
                <circle cx="16" cy="16" r="2.6" fill="#fff" />
              </svg>
              <span>Sessions Kit</span>
            </Link>
            <div className="top-tools">
              <SignedIn />
              <ThemePicker theme={theme} />
            </div>
          </div>
          <NavLinks signedIn={auth !== undefined} />
        </header>
        <main id="main">{children}</main>
        <footer className="foot">
          <span>
            <code>sessions-kit</code> reference app
          </span>
          <span>Every sample beside a demo is read from the file that runs it.</span>
        </footer>
      </body>
    </html>
  );
}
