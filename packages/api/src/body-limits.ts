import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpErrorBody } from './errors.ts';

export interface BodyLimits {
  /** Largest JSON body of a tRPC call (Fastify's bodyLimit). */
  jsonBytes: number;
  /** Largest multipart body of an upload route: the file plus its text fields. */
  uploadBytes: number;
}

/** Room for the text fields and multipart framing around an uploaded file. */
export const UPLOAD_OVERHEAD_BYTES = 64 * 1024;

/**
 * Refuses a body before a byte of it is read. A declared length over the route's limit gets 413. A
 * multipart body on /trpc gets 415: tRPC's Fastify adapter would read it whole into memory, past
 * any bodyLimit, and no procedure takes form data. JSON bodies are also cut off while streaming by
 * Fastify's bodyLimit; upload bodies by the multipart plugin's file and field limits.
 */
export function refuseUnboundedBodies(limits: BodyLimits) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const isTrpc = req.url.startsWith('/trpc/');
    const limit = isTrpc ? limits.jsonBytes : limits.uploadBytes + UPLOAD_OVERHEAD_BYTES;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      // The connection closes after the answer: draining a huge body would only waste the server's time.
      return reply
        .status(413)
        .header('connection', 'close')
        .send(
          httpErrorBody(413, `body: ${declared} bytes is over the limit of ${limit} bytes`, {
            field: 'body',
          }),
        );
    }
    if (isTrpc && req.headers['content-type']?.toLowerCase().startsWith('multipart/')) {
      return reply
        .status(415)
        .header('connection', 'close')
        .send(
          httpErrorBody(415, 'body: tRPC calls take JSON; files go to the /v1 upload routes', {
            field: 'body',
          }),
        );
    }
  };
}
