/**
 * Checks a simulated QRS answer against the Repository API spec (Swagger 2.0, `qrs.json`) kept beside the
 * repository in ../shared/specs. The spec is read at test time and never copied into the project.
 *
 * Strictness: every property the response schema lists must be present (the real QRS sends them all, with
 * `null` for an absent reference such as an unpublished app's stream), nothing the schema does not list may
 * be added, and types, enums, uuids and date-times must hold, recursively.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
};
interface Operation {
  responses: Record<string, { schema?: Schema; description?: string }>;
}
export interface QrsSpec {
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, Schema>;
}

export interface Verdict {
  /** The spec path template the request matched, e.g. `/virtualproxyconfig/{id}`. */
  operation: string | null;
  /** False when the spec has no schema for this status (errors are plain text, 204 has no body). */
  documented: boolean;
  problems: string[];
}

/** `<repo>/../shared/specs/qlik-sense-enterprise/qrs.json`, resolved from this file. */
export function qrsSpecFile(): string {
  return fileURLToPath(new URL('../../../../shared/specs/qlik-sense-enterprise/qrs.json', import.meta.url));
}

export function loadQrsSpec(): QrsSpec | null {
  const file = qrsSpecFile();
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as QrsSpec) : null;
}

/** The spec path for a request path; literal segments win over `{id}` (`/app/full` is not `/app/{id}`). */
function matchOperation(spec: QrsSpec, method: string, path: string): string | null {
  const segments = path.replace(/^\/qrs/i, '').toLowerCase().split('/');
  let best: { template: string; literals: number } | null = null;
  for (const [template, operations] of Object.entries(spec.paths)) {
    if (!operations[method.toLowerCase()]) continue;
    const parts = template.toLowerCase().split('/');
    if (parts.length !== segments.length) continue;
    let literals = 0;
    const fits = parts.every((part, i) => {
      if (/^\{.+\}$/.test(part)) return true;
      literals += 1;
      return part === segments[i];
    });
    if (fits && (!best || literals > best.literals)) best = { template, literals };
  }
  return best?.template ?? null;
}

export function checkQrsResponse(spec: QrsSpec, answer: { method: string; path: string; status: number; body: unknown }): Verdict {
  const operation = matchOperation(spec, answer.method, answer.path);
  if (!operation) return { operation: null, documented: false, problems: [`no operation ${answer.method} ${answer.path} in the spec`] };
  const schema = spec.paths[operation]![answer.method.toLowerCase()]!.responses[String(answer.status)]?.schema;
  if (!schema) return { operation, documented: false, problems: [] };
  const problems: string[] = [];
  validate(spec, schema, answer.body, '$', problems, false);
  return { operation, documented: true, problems };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function validate(spec: QrsSpec, schema: Schema, value: unknown, at: string, problems: string[], nullable: boolean): void {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    const target = spec.definitions[name];
    if (!target) return void problems.push(`${at}: unknown definition ${name}`);
    if (value === null && nullable) return;
    return validate(spec, target, value, `${at}<${name}>`, problems, false);
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  switch (type) {
    case 'object': {
      // A bare `{"type":"object"}` is .NET's `object`: any value (Table rows hold strings, numbers, null).
      if (!schema.properties) return;
      if (!value || typeof value !== 'object' || Array.isArray(value)) return void problems.push(`${at}: expected an object`);
      const record = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      for (const [key, property] of Object.entries(properties)) {
        if (!(key in record)) problems.push(`${at}.${key}: missing`);
        // Nested references may be null, as QRS sends for an absent stream or last execution.
        else validate(spec, property, record[key], `${at}.${key}`, problems, true);
      }
      for (const key of schema.required ?? []) if (!(key in record)) problems.push(`${at}.${key}: required but missing`);
      for (const key of Object.keys(record)) if (!(key in properties)) problems.push(`${at}.${key}: not in the spec`);
      return;
    }
    case 'array':
      if (!Array.isArray(value)) return void problems.push(`${at}: expected an array`);
      if (schema.items) value.forEach((item, i) => validate(spec, schema.items!, item, `${at}[${i}]`, problems, false));
      return;
    case 'string':
      if (typeof value !== 'string') return void problems.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
      if (schema.format === 'uuid' && !UUID.test(value)) problems.push(`${at}: not a uuid: ${value}`);
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) problems.push(`${at}: not a date-time: ${value}`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) problems.push(`${at}: expected an integer, got ${JSON.stringify(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') problems.push(`${at}: expected a number`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${at}: expected a boolean`);
      return;
    default:
      return;
  }
}
