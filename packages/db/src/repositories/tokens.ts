import { and, desc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { apiTokens, type Role } from '../schema.ts';

export type ApiToken = typeof apiTokens.$inferSelect;
export type PublicApiToken = Omit<ApiToken, 'tokenHash'>;

const publicColumns = {
  id: apiTokens.id,
  name: apiTokens.name,
  role: apiTokens.role,
  prefix: apiTokens.prefix,
  createdAt: apiTokens.createdAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
  expiresAt: apiTokens.expiresAt,
};

export function createTokenRepository(db: Executor) {
  return {
    insert(token: {
      id: string;
      name: string;
      role: Role;
      tokenHash: string;
      prefix: string;
      expiresAt?: Date | null;
    }): PublicApiToken {
      return db.insert(apiTokens).values(token).returning(publicColumns).get();
    },
    findActiveByHash(tokenHash: string): PublicApiToken | undefined {
      return db
        .select(publicColumns)
        .from(apiTokens)
        .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
        .get();
    },
    /** Revoked or not: tells a revoked secret from an unknown one. */
    findByHash(tokenHash: string): PublicApiToken | undefined {
      return db.select(publicColumns).from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).get();
    },
    /** Active tokens of a given name (the bootstrap token from TENSORNODE_ADMIN_TOKEN). */
    listActiveByName(name: string): PublicApiToken[] {
      return db
        .select(publicColumns)
        .from(apiTokens)
        .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)))
        .all();
    },
    findById(id: string): PublicApiToken | undefined {
      return db.select(publicColumns).from(apiTokens).where(eq(apiTokens.id, id)).get();
    },
    list(): PublicApiToken[] {
      return db.select(publicColumns).from(apiTokens).orderBy(desc(apiTokens.createdAt)).all();
    },
    countActiveAdmins(at = new Date()): number {
      return db
        .select({ id: apiTokens.id })
        .from(apiTokens)
        .where(
          and(
            eq(apiTokens.role, 'admin'),
            isNull(apiTokens.revokedAt),
            or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, at)),
          ),
        )
        .all().length;
    },
    /** Returns the revoked token, or undefined when no active token has that id. */
    revoke(id: string, at = new Date()): PublicApiToken | undefined {
      return db
        .update(apiTokens)
        .set({ revokedAt: at })
        .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
        .returning(publicColumns)
        .get();
    },
    touch(id: string, at = new Date()): void {
      db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id)).run();
    },
  };
}
export type TokenRepository = ReturnType<typeof createTokenRepository>;
