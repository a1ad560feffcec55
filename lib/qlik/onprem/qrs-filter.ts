/**
 * Building QRS `filter` expressions safely. Two layers of escaping are needed and they are kept apart:
 * 1. inside the expression, a string literal is single-quoted and QRS escapes with a backslash
 *    (`name eq 'Q1\'25'`); doubling the quote is rejected with `400 Cannot parse the expression` (reported by
 *    third parties testing a live QSEoW; Qlik's filtering page does not document an escape at all);
 * 2. in the URL, the whole expression is percent-encoded by the client (see `encodeQueryValue` in
 *    qrs-client.ts): an unencoded `#` cuts off the xrfkey (403) and an unencoded `&` splits the query (400).
 */

/** A single-quoted QRS string literal; backslashes go first so an added escape cannot pair with one. */
export function qrsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

type Operator = 'eq' | 'ne' | 'sw' | 'ew' | 'so';
type Value = string | boolean | number;

const PROPERTY = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/**
 * One comparison, e.g. `qrsCompare('userId', 'eq', "o'neil")` -> `userId eq 'o\'neil'`. Property names are
 * code, never user input; they are checked so a typo cannot inject an expression.
 */
export function qrsCompare(property: string, operator: Operator, value: Value): string {
  if (!PROPERTY.test(property)) throw new Error(`Not a QRS property path: ${property}`);
  const literal = typeof value === 'string' ? qrsString(value) : String(value);
  return `${property} ${operator} ${literal}`;
}

/** Joins comparisons with `and`; each operand is parenthesised so `or` groups inside keep their meaning. */
export function qrsAnd(...terms: string[]): string {
  return terms.length === 1 ? terms[0]! : terms.map((t) => `(${t})`).join(' and ');
}

export function qrsOr(...terms: string[]): string {
  return terms.length === 1 ? terms[0]! : terms.map((t) => `(${t})`).join(' or ');
}
