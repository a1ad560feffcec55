/**
 * Reads a Qlik answer's body up to a limit sized for the route, so a broken or foreign server cannot make the service
 * buffer an unbounded answer (a Lambda has a fixed memory size, and the test and settings functions share nothing
 * with a sync). Stops reading, and drops the connection, as soon as the limit is passed.
 */
import type { Dispatcher } from 'undici';

export const KIB = 1024;
export const MIB = 1024 * KIB;

/** The answer is larger than its route allows; nothing of it is kept. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`the answer is larger than ${describeBytes(limitBytes)}, more than this call ever needs`);
  }
}

export function describeBytes(bytes: number): string {
  return bytes >= MIB ? `${Math.round(bytes / MIB)} MiB` : `${Math.round(bytes / KIB)} KiB`;
}

/** The body as UTF-8 text, or `ResponseTooLargeError` once it (or its declared Content-Length) passes `limitBytes`. */
export async function readCappedText(
  response: Pick<Dispatcher.ResponseData, 'body' | 'headers'>,
  limitBytes: number,
): Promise<string> {
  return (await readCappedBytes(response, limitBytes)).toString('utf8');
}

/** The body as bytes (a binary download), or `ResponseTooLargeError` once it (or its declared Content-Length) passes `limitBytes`. */
export async function readCappedBytes(
  response: Pick<Dispatcher.ResponseData, 'body' | 'headers'>,
  limitBytes: number,
): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    response.body.destroy();
    throw new ResponseTooLargeError(limitBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) {
      response.body.destroy();
      throw new ResponseTooLargeError(limitBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}
