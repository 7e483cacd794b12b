import { generateSshKeypair, readPublicKey, sshKeyPath } from '@tensornode/core/keys';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, viewerProcedure } from '../trpc.ts';

/** The private key never leaves the server: these return the public half only. */
export const keysRouter = {
  generate: adminProcedure
    .input(z.strictObject({ force: z.boolean().default(false) }).optional())
    .output(z.object({ publicKey: z.string(), fingerprint: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const keypair = await generateSshKeypair(sshKeyPath(ctx.services.config), {
        force: input?.force ?? false,
      });
      ctx.log.info({ fingerprint: keypair.fingerprint }, 'SSH keypair generated');
      return { publicKey: keypair.publicKey, fingerprint: keypair.fingerprint };
    }),

  public: viewerProcedure
    .output(z.object({ publicKey: z.string() }))
    .query(async ({ ctx }) => ({ publicKey: await readPublicKey(sshKeyPath(ctx.services.config)) })),
} satisfies TRPCRouterRecord;
