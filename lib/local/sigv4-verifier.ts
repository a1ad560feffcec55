/**
 * Checks an AWS Signature Version 4 `Authorization` header the way an AWS endpoint does, for the local stand-ins:
 * the request is signed again with the expected credentials (Smithy's own signer, the one the SDK used) over exactly
 * the headers the caller signed, and the two signatures are compared in constant time.
 */
import { createHash, createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** What Smithy hands a hash (its `SourceData`). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Refusal {
  /** AWS's error code, which the SDK turns into its exception class. */
  type: 'IncompleteSignatureException' | 'UnrecognizedClientException' | 'InvalidSignatureException';
  message: string;
}

/** AWS refuses signatures older (or newer) than this, so a captured request cannot be replayed later. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** SignatureV4 wants a hash class; Node's crypto is the same SHA-256 the SDK's own Node hash uses. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

function bytes(data: SourceData): BinaryLike {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/**
 * @returns null when the request is signed by `credentials` for `service`, else why not.
 * @example
 *   const refused = await verifySigV4({ method, url, headers, body }, credentials, { service: 'secretsmanager' });
 */
export async function verifySigV4(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: string },
  credentials: LocalCredentials,
  options: { service: string; now?: () => number },
): Promise<SigV4Refusal | null> {
  const match = AUTHORIZATION.exec(String(request.headers.authorization ?? ''));
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  if (!match || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return {
      type: 'IncompleteSignatureException',
      message: 'Requests to this endpoint must be signed (AWS Signature Version 4).',
    };
  }
  const [, accessKeyId, , region, service, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) {
    return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (
    Math.abs((options.now?.() ?? Date.now()) - signingDate.getTime()) > MAX_CLOCK_SKEW_MS ||
    service !== options.service
  ) {
    return { type: 'InvalidSignatureException', message: 'Signature expired or not made for this service.' };
  }

  const signedHeaders = signedHeaderList!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined)
      return { type: 'InvalidSignatureException', message: `The signed header ${name} is missing.` };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(request.url, 'http://localhost');
  const signer = new SignatureV4({ credentials, region: region!, service: service!, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const recomputed = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization ?? ''))?.[1] ?? '';
  const same =
    recomputed.length === signature!.length && timingSafeEqual(Buffer.from(recomputed), Buffer.from(signature!));
  return same
    ? null
    : {
        type: 'InvalidSignatureException',
        message: 'The request signature we calculated does not match the signature you provided.',
      };
}
