/**
 * One structured JSON logger (Powertools) for every function and the local runtime. Secrets are kept out in two
 * ways: by field name (any key that names a secret is masked wherever it appears) and by value (every secret the
 * process has handled is registered here and masked if it ever shows up inside another string).
 */
import { Logger, LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

const SECRET_KEY = /pass(word)?|secret|token|authorization|contentbase64|pfx|privatekey|keypem|^key$|signature|cookie/i;
const MASK = '[REDACTED]';
const knownSecretValues = new Set<string>();

/** Registers a value that must never appear in a log line (e.g. a password just read from Secrets Manager). */
export function registerSecretValue(value: string | null | undefined): void {
  // Very short values would mask ordinary words; the schema and certificate rules make real secrets longer.
  if (value && value.length >= 4) knownSecretValues.add(value);
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message), stack: value.stack && redactString(value.stack) };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      out[key] = SECRET_KEY.test(key) && v != null && v !== '' ? MASK : redact(v, depth + 1);
    return out;
  }
  return value;
}

function redactString(text: string): string {
  let out = text;
  for (const secret of knownSecretValues) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base = {
      level: attributes.logLevel,
      message: redactString(attributes.message),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      requestId: attributes.lambdaContext?.awsRequestId,
      xrayTraceId: attributes.xRayTraceId,
      functionName: attributes.lambdaContext?.functionName,
    };
    return new LogItem({ attributes: base }).addAttributes(redact(additional) as LogAttributes);
  }

  override formatError(error: Error): LogAttributes {
    return redact(super.formatError(error)) as LogAttributes;
  }
}

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'kpimailer-qlik',
  logFormatter: new RedactingLogFormatter(),
});
