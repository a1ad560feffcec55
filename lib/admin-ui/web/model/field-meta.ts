/**
 * Reads the forms' labels, help texts, defaults and limits from the service's OpenAPI document, whose
 * `OnPremSettingsDraft` and `CloudSettingsDraft` schemas are generated from the same zod schema the API
 * validates with. The page therefore never carries a second copy of those texts.
 */
export interface FieldMeta {
  key: string;
  title: string;
  description: string;
  required: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  writeOnly: boolean;
}

export type DraftSchemaName = 'OnPremSettingsDraft' | 'CloudSettingsDraft';

export interface DraftSchema {
  title: string;
  fields: Record<string, FieldMeta>;
}

type Json = Record<string, unknown>;

const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function resolveRef(root: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = isJson(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return isJson(node) ? node : undefined;
}

/** Flattens `$ref`, `allOf` and nullable `anyOf`/`oneOf` wrappers; the outermost keyword wins. */
function flatten(root: Json, node: Json, depth = 0): Json {
  if (depth > 8) return node;
  let merged: Json = {};
  const parts: Json[] = [];
  if (typeof node['$ref'] === 'string') {
    const target = resolveRef(root, node['$ref']);
    if (target) parts.push(target);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = node[key];
    if (Array.isArray(list)) parts.push(...list.filter(isJson).filter((s) => s['type'] !== 'null'));
  }
  for (const part of parts) merged = { ...merged, ...flatten(root, part, depth + 1) };
  return { ...merged, ...node };
}

/**
 * Help texts are written for API clients and admins alike; sentences that only make sense in JSON
 * ("Send null to remove it.", "Write-only. ...") are left out of the form, which says the same in its own controls.
 */
export function formDescription(description: string): string {
  return description
    .split(/(?<=\.)\s+/)
    .filter((sentence) => !/\bnull\b|^Write-only\b|^Leave blank to keep/i.test(sentence))
    .join(' ');
}

const asNumber = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

function findSchema(doc: Json, name: DraftSchemaName): Json | undefined {
  const components = isJson(doc['components']) ? doc['components'] : {};
  for (const container of [components['schemas'], doc['$defs'], doc['definitions']]) {
    if (isJson(container) && isJson(container[name])) return container[name] as Json;
  }
  return undefined;
}

/** Returns the field metadata of one draft schema, or throws when the document lacks it. */
export function readDraftSchema(doc: unknown, name: DraftSchemaName): DraftSchema {
  if (!isJson(doc)) throw new Error('The OpenAPI document is not a JSON object.');
  const found = findSchema(doc, name);
  if (!found) throw new Error(`The OpenAPI document has no ${name} schema.`);
  const schema = flatten(doc, found);
  const properties = isJson(schema['properties']) ? schema['properties'] : {};
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].map(String) : []);
  const fields: Record<string, FieldMeta> = {};
  for (const [key, raw] of Object.entries(properties)) {
    if (!isJson(raw)) continue;
    const prop = flatten(doc, raw);
    fields[key] = {
      key,
      title: typeof prop['title'] === 'string' ? prop['title'] : key,
      description: typeof prop['description'] === 'string' ? formDescription(prop['description']) : '',
      required: required.has(key),
      default: prop['default'],
      minimum: asNumber(prop['minimum']),
      maximum: asNumber(prop['maximum']),
      maxLength: asNumber(prop['maxLength']),
      writeOnly: prop['writeOnly'] === true,
    };
  }
  return { title: typeof schema['title'] === 'string' ? schema['title'] : name, fields };
}

export const DRAFT_SCHEMA_NAMES = { onprem: 'OnPremSettingsDraft', cloud: 'CloudSettingsDraft' } as const;
