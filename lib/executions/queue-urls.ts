/** Per-server queue URLs (or mapping ids) as the stack and the local runtime pass them: no SDK client needed to read them. */
import type { ServerId } from '#lib/servers/server-id.ts';

export type QueueUrls = Record<ServerId, string>;

/** Reads `{"onprem": url, "cloud": url}` from an environment variable set by the stack or the local runtime. */
export function parseQueueUrls(name: string, value: string | undefined): QueueUrls {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value ?? '');
  } catch {
    throw new Error(`Environment variable ${name} must be JSON like {"onprem":"<queue url>","cloud":"<queue url>"}.`);
  }
  const urls = parsed as Partial<QueueUrls>;
  if (typeof urls?.onprem !== 'string' || typeof urls.cloud !== 'string')
    throw new Error(`Environment variable ${name} must name a queue for onprem and for cloud.`);
  return { onprem: urls.onprem, cloud: urls.cloud };
}
