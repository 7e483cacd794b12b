'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { type ReactNode, useState } from 'react';
import { signOut } from '../server/actions.ts';
import { type Role, roleAtLeast } from '../session-names.ts';
import { NAVIGATION } from './navigation.ts';
import { RoleProvider } from './role.tsx';

export function Shell({ role, children }: { role: Role; children: ReactNode }) {
  const pathname = usePathname();
  const [menuOpen, setMenuOpen] = useState(false);
  const isActive = (href: string) => (href === '/' ? pathname === '/' : pathname.startsWith(href));

  return (
    <RoleProvider role={role}>
      <div className="shell">
        <header className="topbar">
          <button
            type="button"
            className="menu-button"
            aria-expanded={menuOpen}
            aria-controls="sidebar"
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
          <Link href="/" className="brand">
            TensorNode
          </Link>
          <span className="role-badge" data-testid="role">
            {role}
          </span>
          <form action={signOut}>
            <button type="submit" className="link-button">
              Sign out
            </button>
          </form>
        </header>
        <nav id="sidebar" className={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Sections">
          {NAVIGATION.filter((item) => !('role' in item) || roleAtLeast(role, item.role)).map((item) => (
            <Link
              key={item.href}
              href={item.href}
              aria-current={isActive(item.href) ? 'page' : undefined}
              onClick={() => setMenuOpen(false)}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <main className="content">{children}</main>
      </div>
    </RoleProvider>
  );
}
