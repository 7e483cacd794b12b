import { SIGNATURE_CONTEXT, SIGNATURE_HEADERS } from '@tensornode/core/audit';
import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../services.ts';

/** `GET /v1/validator-key`: the public key miners check request signatures with (docs/audit.md). */
export async function validatorKeyRoutes(app: FastifyInstance, options: { services: AppServices }) {
  const { validatorKey } = options.services;
  app.get('/v1/validator-key', async () => ({
    algorithm: 'ed25519' as const,
    /** Raw 32-byte public key, hex: the value of a miner's VALIDATOR_PUBLIC_KEY. */
    publicKey: validatorKey.publicKeyHex,
    publicKeyPem: validatorKey.publicKeyPem,
    signatureContext: SIGNATURE_CONTEXT,
    headers: SIGNATURE_HEADERS,
  }));
}
