import { STATUS_CODES } from 'node:http';
import { DomainError } from '@tensornode/core';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

const CODE_BY_KIND: Record<DomainError['kind'], TRPC_ERROR_CODE_KEY> = {
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid: 'BAD_REQUEST',
  forbidden: 'FORBIDDEN',
  upstream: 'BAD_GATEWAY',
  unavailable: 'SERVICE_UNAVAILABLE',
};

export const GENERIC_INTERNAL_MESSAGE = 'Internal server error';

/**
 * The one error mapper: domain errors become their tRPC code with their (safe) message; anything
 * unknown becomes INTERNAL_SERVER_ERROR with a generic message, its cause kept for the log.
 */
export function toTRPCError(error: unknown): TRPCError {
  const cause = error instanceof TRPCError && error.code === 'INTERNAL_SERVER_ERROR' ? error.cause : error;
  if (cause instanceof DomainError) {
    let code = CODE_BY_KIND[cause.kind];
    if (cause.kind === 'upstream' && 'timedOut' in cause && cause.timedOut) code = 'GATEWAY_TIMEOUT';
    return new TRPCError({ code, message: cause.message, cause });
  }
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') return error;
  return new TRPCError({
    code: 'INTERNAL_SERVER_ERROR',
    message: GENERIC_INTERNAL_MESSAGE,
    cause: cause ?? error,
  });
}

/** The JSON body of an HTTP error answered outside tRPC: `error` is the status's standard reason. */
export function httpErrorBody<Extra extends object = object>(
  status: number,
  message: string,
  extra?: Extra,
): { error: string; message: string } & Extra {
  return { error: STATUS_CODES[status] ?? 'Error', message, ...(extra as Extra) };
}
