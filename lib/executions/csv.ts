/**
 * CSV as RFC 4180 defines it: records end in CRLF, a field that holds a comma, a double quote, CR or LF is enclosed
 * in double quotes with each double quote doubled, every other field is written as is. A missing value (null) is
 * an empty field. The content type is `text/csv` (RFC 4180 section 3), UTF-8 with a header row.
 */
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present';

const NEEDS_QUOTES = /[",\r\n]/;

/** One field: quoted only when RFC 4180 requires it. */
export function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One record, CRLF included. */
export function csvRecord(values: ReadonlyArray<string | null | undefined>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
