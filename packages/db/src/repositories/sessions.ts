import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { apiSessions, apiTokens, type Role } from '../schema.ts';

export type ApiSession = Omit<typeof apiSessions.$inferSelect, 'secretHash'>;

/** A live session with the token it stands for. */
export interface ActiveSession {
  session: ApiSession;
  token: { id: string; name: string; role: Role };
}

const sessionColumns = {
  id: apiSessions.id,
  tokenId: apiSessions.tokenId,
  createdAt: apiSessions.createdAt,
  lastSeenAt: apiSessions.lastSeenAt,
  expiresAt: apiSessions.expiresAt,
  revokedAt: apiSessions.revokedAt,
};

export function createSessionRepository(db: Executor) {
  return {
    insert(session: {
      id: string;
      tokenId: string;
      secretHash: string;
      createdAt: Date;
      lastSeenAt: Date;
      expiresAt: Date;
    }): ApiSession {
      return db.insert(apiSessions).values(session).returning(sessionColumns).get();
    },
    /** The session for a secret if it, and the token behind it, are neither revoked nor expired. */
    findActiveByHash(secretHash: string, at = new Date()): ActiveSession | undefined {
      const row = db
        .select({
          session: sessionColumns,
          token: { id: apiTokens.id, name: apiTokens.name, role: apiTokens.role },
        })
        .from(apiSessions)
        .innerJoin(apiTokens, eq(apiTokens.id, apiSessions.tokenId))
        .where(
          and(
            eq(apiSessions.secretHash, secretHash),
            isNull(apiSessions.revokedAt),
            gt(apiSessions.expiresAt, at),
            isNull(apiTokens.revokedAt),
            or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, at)),
          ),
        )
        .get();
      return row;
    },
    findById(id: string): ApiSession | undefined {
      return db.select(sessionColumns).from(apiSessions).where(eq(apiSessions.id, id)).get();
    },
    touch(id: string, lastSeenAt: Date, expiresAt: Date): void {
      db.update(apiSessions).set({ lastSeenAt, expiresAt }).where(eq(apiSessions.id, id)).run();
    },
    /** Returns the revoked session, or undefined when it was already revoked or never existed. */
    revoke(id: string, at = new Date()): ApiSession | undefined {
      return db
        .update(apiSessions)
        .set({ revokedAt: at })
        .where(and(eq(apiSessions.id, id), isNull(apiSessions.revokedAt)))
        .returning(sessionColumns)
        .get();
    },
    revokeAllOfToken(tokenId: string, at = new Date()): number {
      return db
        .update(apiSessions)
        .set({ revokedAt: at })
        .where(and(eq(apiSessions.tokenId, tokenId), isNull(apiSessions.revokedAt)))
        .run().changes;
    },
  };
}
export type SessionRepository = ReturnType<typeof createSessionRepository>;
