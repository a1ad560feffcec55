/**
 * Checks what the service sends to the tenant, and what the simulator answers, against Qlik's OpenAPI documents:
 * the pinned subset in test/fixtures/qlik-specs/qlik-cloud (see SOURCE.md there). The validator covers what the
 * specs use: $ref, allOf, oneOf/anyOf, type, enum, required, properties and items. Formats are not checked.
 * Requests: the operation must exist, every query parameter must be declared (integers and booleans must parse,
 * enums hold), and a JSON or form body must match the request body schema, with no property the schema does not
 * list (unless it allows additional properties).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Schema = Record<string, unknown>;
interface OpenApiDoc {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, Schema>; parameters?: Schema[]; requestBody?: Schema }>
  >;
  components?: Record<string, Record<string, Schema>>;
}

export interface QlikCloudSpecs {
  directory: string;
  docs: Array<{ file: string; doc: OpenApiDoc }>;
}

export interface ResponseToCheck {
  method: string;
  /** Request path as sent to the tenant, e.g. /api/v1/webhooks or /oauth/token. */
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

export interface SpecVerdict {
  /** Where the operation was found, e.g. `webhooks.json GET /v1/webhooks`; null when no spec has it. */
  operation: string | null;
  /** False when the status is not in the operation's responses (then Qlik's generic error shape is checked). */
  documented: boolean;
  problems: string[];
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The pinned subset, test/fixtures/qlik-specs/qlik-cloud. */
export function qlikCloudSpecDirectory(): string {
  return resolve(REPO_ROOT, 'test', 'fixtures', 'qlik-specs', 'qlik-cloud');
}

const loaded = new Map<string, QlikCloudSpecs>();

/** The specs, or null when the folder is absent. */
export function loadQlikCloudSpecs(directory = qlikCloudSpecDirectory()): QlikCloudSpecs | null {
  if (!existsSync(directory)) return null;
  const known = loaded.get(directory);
  if (known) return known;
  const docs = readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, doc: JSON.parse(readFileSync(join(directory, file), 'utf8')) as OpenApiDoc }));
  loaded.set(directory, { directory, docs });
  return { directory, docs };
}

export interface RequestToCheck {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | null;
  /** The raw body; empty when none was sent. */
  body: string;
}

/** Problems with a request the service sent; empty when the spec allows it. */
export function checkRequest(specs: QlikCloudSpecs, request: RequestToCheck): string[] {
  const specPath = request.path.startsWith('/api/') ? request.path.slice(4) : request.path;
  const found = findOperation(specs, request.method.toLowerCase(), specPath);
  if (!found) return [`no spec describes ${request.method} ${specPath}`];
  const { doc, template, operation } = found;
  const problems: string[] = [];
  const parameters = (operation.parameters ?? []).map((p) => deref(p, doc));
  for (const [name, value] of request.query) {
    const declared = parameters.find((p) => p.in === 'query' && p.name === name);
    if (!declared) {
      problems.push(`query parameter ${name} is not declared by ${request.method} ${template}`);
      continue;
    }
    const schema = declared.schema ? deref(declared.schema as Schema, doc) : {};
    const parsed =
      schema.type === 'integer' || schema.type === 'number'
        ? Number(value)
        : schema.type === 'boolean'
          ? value === 'true'
            ? true
            : value === 'false'
              ? false
              : value
          : value;
    problems.push(...validate(schema, parsed, doc, `query.${name}`));
  }
  const requestBody = operation.requestBody ? deref(operation.requestBody, doc) : undefined;
  if (!request.body) {
    if (requestBody?.required === true) problems.push(`${request.method} ${template} requires a body`);
    return problems;
  }
  const content = requestBody?.content as Record<string, { schema?: Schema }> | undefined;
  if (!content) return [...problems, `${request.method} ${template} takes no body`];
  const mediaType = Object.keys(content).find((type) => request.contentType?.toLowerCase().startsWith(type));
  if (!mediaType)
    return [...problems, `content type ${request.contentType} is not one of ${Object.keys(content).join(', ')}`];
  let body: unknown;
  try {
    body = mediaType.includes('json')
      ? JSON.parse(request.body)
      : Object.fromEntries(new URLSearchParams(request.body));
  } catch {
    return [...problems, 'the body is not valid JSON'];
  }
  const schema = content[mediaType]!.schema;
  if (schema)
    problems.push(
      ...validate(schema, body, doc, '$body', { closed: true }).filter(
        (problem) => !isEventTypesPatchValue(body, problem),
      ),
    );
  return problems;
}

/**
 * A known defect of the webhooks spec: `WebhookPatch.path` allows `/eventTypes`, whose value is an array of event
 * type names, but `value`'s oneOf lists only boolean, integer, object and string. An array of strings is accepted
 * for that one path, nothing else.
 */
function isEventTypesPatchValue(body: unknown, problem: string): boolean {
  const match = /^\$body\[(\d+)\]\.value: matches none of the alternatives$/.exec(problem);
  if (!match || !Array.isArray(body)) return false;
  const operation = body[Number(match[1])] as { path?: unknown; value?: unknown } | undefined;
  return (
    operation?.path === '/eventTypes' &&
    Array.isArray(operation.value) &&
    operation.value.every((v) => typeof v === 'string')
  );
}

const GENERIC_ERROR: Schema = {
  type: 'object',
  required: ['errors'],
  properties: { errors: { type: 'array', items: { type: 'object', required: ['code', 'title'] } } },
};

export function checkResponse(specs: QlikCloudSpecs, response: ResponseToCheck): SpecVerdict {
  // Spec paths are relative to https://<tenant>/api, except /oauth/* at the tenant root.
  const specPath = response.path.startsWith('/api/') ? response.path.slice(4) : response.path;
  const found = findOperation(specs, response.method.toLowerCase(), specPath);
  if (!found)
    return { operation: null, documented: false, problems: [`no spec describes ${response.method} ${specPath}`] };
  const { file, doc, template, operation } = found;
  const name = `${file} ${response.method} ${template}`;
  let entry = operation.responses?.[String(response.status)] ?? operation.responses?.default;
  if (!entry) {
    // Qlik answers statuses its specs leave out (401 without a token, 429, 5xx) with its generic error body.
    const problems =
      response.status === 301 || response.status === 204 ? [] : validate(GENERIC_ERROR, response.body, doc, '$');
    return { operation: name, documented: false, problems };
  }
  entry = deref(entry, doc);
  const content = entry.content as Record<string, { schema?: Schema }> | undefined;
  if (!content)
    return {
      operation: name,
      documented: true,
      problems: response.body === undefined || response.body === '' ? [] : ['a body where the spec has none'],
    };
  const mediaType = Object.keys(content).find((type) => response.contentType?.startsWith(type));
  if (!mediaType)
    return {
      operation: name,
      documented: true,
      problems: [`content type ${response.contentType} is not one of ${Object.keys(content).join(', ')}`],
    };
  const schema = content[mediaType]!.schema;
  return { operation: name, documented: true, problems: schema ? validate(schema, response.body, doc, '$') : [] };
}

/**
 * Checks a request body against the operation's `requestBody` schema (e.g. POST /api/v1/reports against
 * ReportRequest), so the simulator refuses what Qlik would. Returns the problems; empty when it conforms.
 */
export function checkRequestBody(specs: QlikCloudSpecs, method: string, path: string, body: unknown): string[] {
  const specPath = path.startsWith('/api/') ? path.slice(4) : path;
  const found = findOperation(specs, method.toLowerCase(), specPath);
  if (!found) return [`no spec describes ${method} ${specPath}`];
  const requestBody = (found.operation as { requestBody?: Schema }).requestBody;
  const schema = (requestBody?.content as Record<string, { schema?: Schema }> | undefined)?.['application/json']
    ?.schema;
  return schema ? validate(schema, body, found.doc, '$') : [];
}

function findOperation(specs: QlikCloudSpecs, method: string, path: string) {
  const candidates: Array<{
    file: string;
    doc: OpenApiDoc;
    template: string;
    operation: OpenApiDoc['paths'][string][string];
    params: number;
  }> = [];
  for (const { file, doc } of specs.docs) {
    for (const [template, item] of Object.entries(doc.paths)) {
      const operation = item[method];
      if (!operation) continue;
      if (matchesTemplate(template, path))
        candidates.push({ file, doc, template, operation, params: (template.match(/\{/g) ?? []).length });
    }
  }
  // A literal segment beats a parameter: /v1/users/me, not /v1/users/{userId}.
  return candidates.sort((a, b) => a.params - b.params)[0] ?? null;
}

/** `{name}` segments match any one non-empty segment; everything else must be equal. */
function matchesTemplate(template: string, path: string): boolean {
  const want = template.split('/');
  const got = path.split('/');
  return (
    want.length === got.length &&
    want.every((segment, i) => (/^\{.+\}$/.test(segment) ? got[i] !== '' : segment === got[i]))
  );
}

function deref(schema: Schema, doc: OpenApiDoc): Schema {
  let current = schema;
  for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
    const [, section, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(current.$ref) ?? [];
    const target = section && name ? doc.components?.[section]?.[name] : undefined;
    if (!target) throw new Error(`unresolved $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

/** `closed`: a property the schema does not list is a problem (requests), unless it allows additional ones. */
function validate(
  raw: Schema,
  value: unknown,
  doc: OpenApiDoc,
  at: string,
  options: { closed?: boolean } = {},
): string[] {
  const schema = deref(raw, doc);
  const problems: string[] = [];
  for (const part of (schema.allOf as Schema[] | undefined) ?? [])
    problems.push(...validate(part, value, doc, at, { ...options, closed: false }));
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (alternatives && !alternatives.some((alt) => validate(alt, value, doc, at, options).length === 0))
    problems.push(`${at}: matches none of the alternatives`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  const type = schema.type as string | undefined;
  if (type && !hasType(value, type) && !(value === null && schema.nullable === true)) {
    problems.push(
      `${at}: expected ${type}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`,
    );
    return problems;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in object)) problems.push(`${at}: missing required ${key}`);
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, sub] of Object.entries(properties))
      if (object[key] !== undefined) problems.push(...validate(sub, object[key], doc, `${at}.${key}`, options));
    if (options.closed && schema.properties && !schema.allOf && schema.additionalProperties === undefined) {
      for (const key of Object.keys(object)) if (!(key in properties)) problems.push(`${at}.${key}: not in the spec`);
    }
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((item, i) => problems.push(...validate(schema.items as Schema, item, doc, `${at}[${i}]`, options)));
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return !!value && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === type;
  }
}
