/**
 * The QRS `filter` language, as far as this project uses it: `prop op value` joined with `and`/`or`, with
 * parentheses. Operators eq ne gt ge lt le sw ew so; strings single-quoted with backslash escapes and compared
 * case-insensitively; booleans, numbers, GUIDs and enum names bare. Nested properties use dots and match when
 * any element of an array matches (`roles eq 'RootAdmin'`, `tags.name eq 'x'`). A doubled quote does not
 * parse, as reported against a live QRS.
 */

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
}

type Operator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'ew' | 'so';
const OPERATORS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'ew', 'so']);

type Token = { kind: 'string'; value: string } | { kind: 'word'; value: string } | { kind: 'open' } | { kind: 'close' };
type Literal = { kind: 'string'; value: string } | { kind: 'bare'; value: string };
type Comparison = { kind: 'compare'; path: string[]; operator: Operator; literal: Literal };
export type FilterNode = { kind: 'and' | 'or'; left: FilterNode; right: FilterNode } | Comparison;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'open' : 'close' });
      i += 1;
    } else if (ch === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw new FilterSyntaxError('unterminated string');
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i += 1;
          break;
        } else {
          value += c;
          i += 1;
        }
      }
      tokens.push({ kind: 'string', value });
    } else {
      const start = i;
      while (i < text.length && !/[\s()']/.test(text[i]!)) i += 1;
      tokens.push({ kind: 'word', value: text.slice(start, i) });
    }
  }
  return tokens;
}

/** Parses a filter; throws FilterSyntaxError (which the simulator answers with 400) on anything else. */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peekWord = () => {
    const t = tokens[pos];
    return t?.kind === 'word' ? t.value.toLowerCase() : undefined;
  };
  const parseOr = (): FilterNode => {
    let node = parseAnd();
    while (peekWord() === 'or') {
      pos += 1;
      node = { kind: 'or', left: node, right: parseAnd() };
    }
    return node;
  };
  const parseAnd = (): FilterNode => {
    let node = parsePrimary();
    while (peekWord() === 'and') {
      pos += 1;
      node = { kind: 'and', left: node, right: parsePrimary() };
    }
    return node;
  };
  const parsePrimary = (): FilterNode => {
    const token = tokens[pos];
    if (token?.kind === 'open') {
      pos += 1;
      const inner = parseOr();
      if (tokens[pos]?.kind !== 'close') throw new FilterSyntaxError('missing )');
      pos += 1;
      return inner;
    }
    if (token?.kind !== 'word' || !/^[A-Za-z][A-Za-z0-9.]*$/.test(token.value))
      throw new FilterSyntaxError('expected a property');
    const operator = tokens[pos + 1];
    if (operator?.kind !== 'word' || !OPERATORS.has(operator.value.toLowerCase()))
      throw new FilterSyntaxError('expected an operator');
    const value = tokens[pos + 2];
    if (!value || value.kind === 'open' || value.kind === 'close') throw new FilterSyntaxError('expected a value');
    pos += 3;
    return {
      kind: 'compare',
      path: token.value.split('.'),
      operator: operator.value.toLowerCase() as Operator,
      literal: value.kind === 'string' ? { kind: 'string', value: value.value } : { kind: 'bare', value: value.value },
    };
  };
  if (tokens.length === 0) throw new FilterSyntaxError('empty expression');
  const node = parseOr();
  if (pos !== tokens.length) throw new FilterSyntaxError('unexpected text after the expression');
  return node;
}

/** Every value reached by a dotted path; arrays fan out, missing properties give nothing. */
function valuesAt(entity: unknown, path: string[]): unknown[] {
  let current: unknown[] = [entity];
  for (const segment of path) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        // Property names compare case-insensitively, like the rest of QRS filtering.
        const key = Object.keys(value).find((k) => k.toLowerCase() === segment.toLowerCase());
        const found = key === undefined ? undefined : (value as Record<string, unknown>)[key];
        if (Array.isArray(found)) next.push(...found);
        else if (found !== undefined) next.push(found);
      }
    }
    current = next;
  }
  return current;
}

function compareOne(actual: unknown, operator: Operator, literal: Literal): boolean {
  if (typeof actual === 'string') {
    const a = actual.toLowerCase();
    const b = literal.value.toLowerCase();
    switch (operator) {
      case 'eq':
        return a === b;
      case 'ne':
        return a !== b;
      case 'sw':
        return a.startsWith(b);
      case 'ew':
        return a.endsWith(b);
      case 'so':
        return a.includes(b);
      default: {
        // Ordering is defined for dates (and GUIDs); plain strings are rejected by QRS.
        const ta = Date.parse(actual);
        const tb = Date.parse(literal.value);
        if (Number.isNaN(ta) || Number.isNaN(tb))
          throw new FilterSyntaxError(`operator ${operator} is not valid for strings`);
        return order(ta, tb, operator);
      }
    }
  }
  if (typeof actual === 'boolean') {
    const b = literal.value.toLowerCase();
    if (b !== 'true' && b !== 'false') return false;
    if (operator === 'eq') return actual === (b === 'true');
    if (operator === 'ne') return actual !== (b === 'true');
    throw new FilterSyntaxError(`operator ${operator} is not valid for booleans`);
  }
  if (typeof actual === 'number') {
    const b = Number(literal.value);
    if (Number.isNaN(b)) return false;
    if (operator === 'eq') return actual === b;
    if (operator === 'ne') return actual !== b;
    if (operator === 'sw' || operator === 'ew' || operator === 'so')
      throw new FilterSyntaxError(`operator ${operator} is only valid for strings`);
    return order(actual, b, operator);
  }
  if (actual === null) return operator === 'eq' ? literal.value === 'null' : literal.value !== 'null';
  return false;
}

function order(a: number, b: number, operator: Operator): boolean {
  return operator === 'gt' ? a > b : operator === 'ge' ? a >= b : operator === 'lt' ? a < b : a <= b;
}

export function matchesFilter(entity: unknown, node: FilterNode): boolean {
  if (node.kind === 'compare') return matchesComparison(entity, node);
  return node.kind === 'and'
    ? matchesFilter(entity, node.left) && matchesFilter(entity, node.right)
    : matchesFilter(entity, node.left) || matchesFilter(entity, node.right);
}

function matchesComparison(entity: unknown, node: Comparison): boolean {
  const values = valuesAt(entity, node.path);
  // `ne` on an array means "no element equals"; every other operator means "some element matches".
  if (node.operator === 'ne') return values.every((v) => compareOne(v, 'ne', node.literal));
  return values.some((v) => compareOne(v, node.operator, node.literal));
}

/** Filters a list the way a QRS list endpoint does; an absent or empty filter keeps everything. */
export function applyFilter<T>(items: T[], filter: string | null | undefined): T[] {
  if (filter === null || filter === undefined || filter.trim() === '') return items;
  const node = parseFilter(filter);
  return items.filter((item) => matchesFilter(item, node));
}
