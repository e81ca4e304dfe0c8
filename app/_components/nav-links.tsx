'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

export const NAV = [
  { href: '/', label: 'Counter' },
  { href: '/cart', label: 'Cart' },
  { href: '/basket', label: 'Basket' },
  { href: '/login', label: 'Log in' },
  { href: '/account', label: 'Account' },
  { href: '/inspector', label: 'Inspector' },
] as const;

/** The main navigation; the current page is marked with aria-current (and styled from it). */
export function NavLinks() {
  const pathname = usePathname();
  return (
    <nav aria-label="Demos" className="nav">
      {NAV.map((l) => {
        const current = l.href === '/' ? pathname === '/' : pathname === l.href || pathname.startsWith(`${l.href}/`);
        return (
          <Link key={l.href} href={l.href} aria-current={current ? 'page' : undefined}>
            {l.label}
          </Link>
        );
      })}
    </nav>
  );
}
