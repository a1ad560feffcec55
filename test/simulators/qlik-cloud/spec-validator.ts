/**
 * Checks simulator answers against Qlik's OpenAPI subsets in ../shared/specs/qlik-cloud (outside this repository,
 * read in place, never copied). The validator covers what the specs use for response bodies: $ref, allOf,
 * oneOf/anyOf, type, enum, required, properties and items. Formats are not checked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Schema = Record<string, unknown>;
interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, Schema> }>>;
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

/** ../shared/specs/qlik-cloud relative to the repository root. */
export function qlikCloudSpecDirectory(): string {
  return resolve(REPO_ROOT, '..', 'shared', 'specs', 'qlik-cloud');
}

/** The specs, or null when ../shared is absent (callers skip with a printed notice). */
export function loadQlikCloudSpecs(directory = qlikCloudSpecDirectory()): QlikCloudSpecs | null {
  if (!existsSync(directory)) return null;
  const docs = readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, doc: JSON.parse(readFileSync(join(directory, file), 'utf8')) as OpenApiDoc }));
  return { directory, docs };
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
  if (!found) return { operation: null, documented: false, problems: [`no spec describes ${response.method} ${specPath}`] };
  const { file, doc, template, operation } = found;
  const name = `${file} ${response.method} ${template}`;
  let entry = operation.responses?.[String(response.status)] ?? operation.responses?.default;
  if (!entry) {
    // Qlik answers statuses its specs leave out (401 without a token, 429, 5xx) with its generic error body.
    const problems = response.status === 301 || response.status === 204 ? [] : validate(GENERIC_ERROR, response.body, doc, '$');
    return { operation: name, documented: false, problems };
  }
  entry = deref(entry, doc);
  const content = entry.content as Record<string, { schema?: Schema }> | undefined;
  if (!content) return { operation: name, documented: true, problems: response.body === undefined || response.body === '' ? [] : ['a body where the spec has none'] };
  const mediaType = Object.keys(content).find((type) => response.contentType?.startsWith(type));
  if (!mediaType) return { operation: name, documented: true, problems: [`content type ${response.contentType} is not one of ${Object.keys(content).join(', ')}`] };
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
  const schema = (requestBody?.content as Record<string, { schema?: Schema }> | undefined)?.['application/json']?.schema;
  return schema ? validate(schema, body, found.doc, '$') : [];
}

function findOperation(specs: QlikCloudSpecs, method: string, path: string) {
  const candidates: Array<{ file: string; doc: OpenApiDoc; template: string; operation: { responses?: Record<string, Schema> }; params: number }> = [];
  for (const { file, doc } of specs.docs) {
    for (const [template, item] of Object.entries(doc.paths)) {
      const operation = item[method];
      if (!operation) continue;
      if (matchesTemplate(template, path)) candidates.push({ file, doc, template, operation, params: (template.match(/\{/g) ?? []).length });
    }
  }
  // A literal segment beats a parameter: /v1/users/me, not /v1/users/{userId}.
  return candidates.sort((a, b) => a.params - b.params)[0] ?? null;
}

/** `{name}` segments match any one non-empty segment; everything else must be equal. */
function matchesTemplate(template: string, path: string): boolean {
  const want = template.split('/');
  const got = path.split('/');
  return want.length === got.length && want.every((segment, i) => (/^\{.+\}$/.test(segment) ? got[i] !== '' : segment === got[i]));
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

function validate(raw: Schema, value: unknown, doc: OpenApiDoc, at: string): string[] {
  const schema = deref(raw, doc);
  const problems: string[] = [];
  for (const part of (schema.allOf as Schema[] | undefined) ?? []) problems.push(...validate(part, value, doc, at));
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (alternatives && !alternatives.some((alt) => validate(alt, value, doc, at).length === 0)) problems.push(`${at}: matches none of the alternatives`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  const type = schema.type as string | undefined;
  if (type && !hasType(value, type) && !(value === null && schema.nullable === true)) {
    problems.push(`${at}: expected ${type}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`);
    return problems;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in object)) problems.push(`${at}: missing required ${key}`);
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, sub] of Object.entries(properties)) if (object[key] !== undefined) problems.push(...validate(sub, object[key], doc, `${at}.${key}`));
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => problems.push(...validate(schema.items as Schema, item, doc, `${at}[${i}]`)));
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
