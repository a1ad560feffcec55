/**
 * Checks what the service sends to QRS, and what the simulator answers, against the Repository API spec (Swagger
 * 2.0): the pinned subset in test/fixtures/qlik-specs (see SOURCE.md there).
 *
 * Answers: every property the response schema lists must be present (the real QRS sends them all, with `null`
 * for an absent reference such as an unpublished app's stream), nothing the schema does not list may be added,
 * and types, enums, uuids and date-times must hold, recursively.
 * Requests: the operation must exist; every query parameter must be one the operation declares (names compared
 * case-insensitively: the spec spells `sortcolumn`, Qlik's "Create table" help page `sortColumn`), except the
 * `xrfkey` Qlik requires on every call; integer and boolean parameters must parse; a body must match the body
 * parameter's schema: its required properties present, no property the schema does not list, types and enums.
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
  parameters?: Array<{ name: string; in: string; type?: string; schema?: Schema; required?: boolean }>;
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

/** The pinned subset, `test/fixtures/qlik-specs/qlik-sense-enterprise/qrs.json`. */
export function qrsSpecFile(): string {
  return fileURLToPath(new URL('../../fixtures/qlik-specs/qlik-sense-enterprise/qrs.json', import.meta.url));
}

let cached: QrsSpec | undefined;

export function loadQrsSpec(): QrsSpec | null {
  const file = qrsSpecFile();
  if (!existsSync(file)) return null;
  cached ??= JSON.parse(readFileSync(file, 'utf8')) as QrsSpec;
  return cached;
}

/** Problems with a request the service sent; empty when it is what the spec allows. */
export function checkQrsRequest(
  spec: QrsSpec,
  request: { method: string; path: string; query: Record<string, string>; body: unknown },
): string[] {
  const template = matchOperation(spec, request.method, request.path);
  if (!template) return [`no operation ${request.method} ${request.path.replace(/^\/qrs/i, '')} in the spec`];
  const operation = spec.paths[template]![request.method.toLowerCase()]!;
  const parameters = operation.parameters ?? [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(request.query)) {
    if (name.toLowerCase() === 'xrfkey') continue;
    const declared = parameters.find((p) => p.in === 'query' && p.name.toLowerCase() === name.toLowerCase());
    if (!declared) problems.push(`query parameter ${name} is not declared by ${request.method} ${template}`);
    else if (declared.type === 'integer' && !/^-?\d+$/.test(value))
      problems.push(`query parameter ${name}=${value} is not an integer`);
    else if (declared.type === 'boolean' && !/^(true|false)$/i.test(value))
      problems.push(`query parameter ${name}=${value} is not a boolean`);
  }
  const bodyParameter = parameters.find((p) => p.in === 'body');
  if (request.body !== undefined && !bodyParameter) problems.push(`${request.method} ${template} takes no body`);
  if (bodyParameter?.schema && request.body !== undefined)
    validateRequestBody(spec, bodyParameter.schema, request.body, '$body', problems);
  return problems;
}

const isIdReference = (value: unknown) =>
  Boolean(value) &&
  typeof value === 'object' &&
  Object.keys(value as object).length === 1 &&
  typeof (value as { id?: unknown }).id === 'string';

function validateRequestBody(spec: QrsSpec, schema: Schema, value: unknown, at: string, problems: string[]): void {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    const target = spec.definitions[name];
    if (!target) return void problems.push(`${at}: unknown definition ${name}`);
    // Qlik's "Virtual Proxy: Link" help page references an entity inside another by `{ "id": ... }` alone, though
    // the spec marks more properties of the Condensed shape required; that documented form is accepted.
    if (name.endsWith('Condensed') && isIdReference(value)) return;
    return validateRequestBody(spec, target, value, `${at}<${name}>`, problems);
  }
  if (value === null) return; // references and optional values may be sent as null (an entity as fetched)
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (type === 'object' && schema.properties) {
    if (typeof value !== 'object' || Array.isArray(value)) return void problems.push(`${at}: expected an object`);
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) problems.push(`${at}.${key}: required but missing`);
    for (const [key, item] of Object.entries(record)) {
      const property = schema.properties[key];
      if (!property) problems.push(`${at}.${key}: not in the spec`);
      else validateRequestBody(spec, property, item, `${at}.${key}`, problems);
    }
    return;
  }
  if (type === 'array') {
    if (!Array.isArray(value)) return void problems.push(`${at}: expected an array`);
    if (schema.items)
      value.forEach((item, i) => validateRequestBody(spec, schema.items!, item, `${at}[${i}]`, problems));
    return;
  }
  validate(spec, schema, value, at, problems, true);
}

/** The spec path for a request path; literal segments win over `{id}` (`/app/full` is not `/app/{id}`). */
function matchOperation(spec: QrsSpec, method: string, path: string): string | null {
  const segments = path
    .replace(/^\/qrs/i, '')
    .toLowerCase()
    .split('/');
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

export function checkQrsResponse(
  spec: QrsSpec,
  answer: { method: string; path: string; status: number; body: unknown },
): Verdict {
  const operation = matchOperation(spec, answer.method, answer.path);
  if (!operation)
    return {
      operation: null,
      documented: false,
      problems: [`no operation ${answer.method} ${answer.path} in the spec`],
    };
  const schema = spec.paths[operation]![answer.method.toLowerCase()]!.responses[String(answer.status)]?.schema;
  if (!schema) return { operation, documented: false, problems: [] };
  const problems: string[] = [];
  validate(spec, schema, answer.body, '$', problems, false);
  return { operation, documented: true, problems };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function validate(
  spec: QrsSpec,
  schema: Schema,
  value: unknown,
  at: string,
  problems: string[],
  nullable: boolean,
): void {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    const target = spec.definitions[name];
    if (!target) return void problems.push(`${at}: unknown definition ${name}`);
    if (value === null && nullable) return;
    return validate(spec, target, value, `${at}<${name}>`, problems, false);
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  switch (type) {
    case 'object': {
      // A bare `{"type":"object"}` is .NET's `object`: any value (Table rows hold strings, numbers, null).
      if (!schema.properties) return;
      if (!value || typeof value !== 'object' || Array.isArray(value))
        return void problems.push(`${at}: expected an object`);
      const record = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      for (const [key, property] of Object.entries(properties)) {
        if (!(key in record)) problems.push(`${at}.${key}: missing`);
        // Nested references may be null, as QRS sends for an absent stream or last execution.
        else validate(spec, property, record[key], `${at}.${key}`, problems, true);
      }
      for (const key of schema.required ?? [])
        if (!(key in record)) problems.push(`${at}.${key}: required but missing`);
      for (const key of Object.keys(record)) if (!(key in properties)) problems.push(`${at}.${key}: not in the spec`);
      return;
    }
    case 'array':
      if (!Array.isArray(value)) return void problems.push(`${at}: expected an array`);
      if (schema.items) value.forEach((item, i) => validate(spec, schema.items!, item, `${at}[${i}]`, problems, false));
      return;
    case 'string':
      if (typeof value !== 'string')
        return void problems.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
      if (schema.format === 'uuid' && !UUID.test(value)) problems.push(`${at}: not a uuid: ${value}`);
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
        problems.push(`${at}: not a date-time: ${value}`);
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
