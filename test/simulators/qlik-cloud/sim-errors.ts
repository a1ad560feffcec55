/**
 * How the simulator's state refuses something: a status plus Qlik's error body shape
 * (`{"errors":[{code,title,detail?,status?}],"traceId"}`), which the routing turns into the HTTP answer.
 */
import { randomUUID } from 'node:crypto';

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${code}: ${title}`);
  }

  body(): { errors: Array<{ code: string; title: string; detail?: string; status: string }>; traceId: string } {
    return {
      errors: [
        {
          code: this.code,
          title: this.title,
          ...(this.detail ? { detail: this.detail } : {}),
          status: String(this.status),
        },
      ],
      traceId: randomUUID().replace(/-/g, ''),
    };
  }
}

export const badRequest = (detail: string) => new SimHttpError(400, 'HTTP-400', 'Bad Request', detail);
export const notFound = (code = 'HTTP-404', title = 'Not found') => new SimHttpError(404, code, title);
// Qlik's 403 bodies do not name the missing scope (reference §9.6); neither do the simulator's.
export const forbidden = () => new SimHttpError(403, 'HTTP-403', 'Forbidden', 'insufficient permissions');
export const unauthorized = () =>
  new SimHttpError(401, 'HTTP-401', 'Unauthorized', 'missing, invalid or expired token');
