'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const DEMOS = [
  { href: '/', label: 'Counter' },
  { href: '/cart', label: 'Cart' },
  { href: '/basket', label: 'Basket' },
] as const;

/** One slot for the login demo: "Log in" to a visitor, "Account" to a signed-in user. */
const SIGNED_OUT = { href: '/login', label: 'Log in' } as const;
const SIGNED_IN = { href: '/account', label: 'Account' } as const;

const INSPECTOR = { href: '/inspector', label: 'Inspector' } as const;

/**
 * The main navigation; the current page is marked with aria-current (and styled from it).
 * `signedIn` comes from the same server read as the header's chip, so the two always agree.
 */
export function NavLinks({ signedIn }: { signedIn: boolean }) {
  const pathname = usePathname();
  const links = [...DEMOS, signedIn ? SIGNED_IN : SIGNED_OUT, INSPECTOR];
  return (
    <nav aria-label="Demos" className="nav">
      {links.map((l) => {
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
