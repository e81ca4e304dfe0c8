import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Sessions Kit',
  description: 'Ktor-style sessions for Next.js: cookies or headers, encrypted or signed, by value or by id.',
};

const links = [
  { href: '/', label: 'Counter' },
  { href: '/cart', label: 'Header cart' },
  { href: '/basket', label: 'Basket' },
  { href: '/login', label: 'Log in' },
  { href: '/account', label: 'Account' },
  { href: '/inspector', label: 'Inspector' },
];

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="top">
          <strong>Sessions Kit</strong>
          <nav>
            {links.map((l) => (
              <Link key={l.href} href={l.href}>
                {l.label}
              </Link>
            ))}
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
