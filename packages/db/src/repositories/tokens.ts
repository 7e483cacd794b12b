import { and, desc, eq, isNull } from 'drizzle-orm';
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
};

export function createTokenRepository(db: Executor) {
  return {
    insert(token: {
      id: string;
      name: string;
      role: Role;
      tokenHash: string;
      prefix: string;
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
    findById(id: string): PublicApiToken | undefined {
      return db.select(publicColumns).from(apiTokens).where(eq(apiTokens.id, id)).get();
    },
    list(): PublicApiToken[] {
      return db.select(publicColumns).from(apiTokens).orderBy(desc(apiTokens.createdAt)).all();
    },
    countActiveAdmins(): number {
      return db
        .select({ id: apiTokens.id })
        .from(apiTokens)
        .where(and(eq(apiTokens.role, 'admin'), isNull(apiTokens.revokedAt)))
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
