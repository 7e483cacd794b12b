import { UpstreamError } from './errors.ts';

/**
 * Reads an upstream answer as text, at most `maxBytes`: past that the body is dropped and the
 * error names the service, so a misbehaving service cannot fill the API's memory.
 */
export async function readBoundedText(
  body: AsyncIterable<Uint8Array> & { destroy?(error?: Error): unknown },
  maxBytes: number,
  service: string,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      body.destroy?.();
      throw new UpstreamError(service, `answered more than ${maxBytes} bytes; answer dropped`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
