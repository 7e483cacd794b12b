'use client';

import { createContext, type ReactNode, useContext } from 'react';
import { type Role, roleAtLeast } from '../session-names.ts';

const RoleContext = createContext<Role>('viewer');

export function RoleProvider({ role, children }: { role: Role; children: ReactNode }) {
  return <RoleContext.Provider value={role}>{children}</RoleContext.Provider>;
}

export function useRole(): Role {
  return useContext(RoleContext);
}

/** Renders its children only for the role or above; the API refuses the call anyway. */
export function RequireRole({ atLeast, children }: { atLeast: Role; children: ReactNode }) {
  return roleAtLeast(useRole(), atLeast) ? children : null;
}
