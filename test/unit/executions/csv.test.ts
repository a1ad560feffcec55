import { describe, expect, it } from 'vitest';
import { CSV_CONTENT_TYPE, csvField, csvRecord } from '#lib/executions/csv.ts';

describe('CSV as RFC 4180 writes it', () => {
  it('leaves plain fields as they are and ends each record with CRLF', () => {
    expect(csvRecord(['Region', 'Sales', '12.5'])).toBe('Region,Sales,12.5\r\n');
  });

  it.each([
    ['a comma', 'Acme, Inc.', '"Acme, Inc."'],
    ['a double quote, doubled', 'say "hi"', '"say ""hi"""'],
    ['a line feed', 'two\nlines', '"two\nlines"'],
    ['a carriage return', 'two\rlines', '"two\rlines"'],
    ['CRLF', 'two\r\nlines', '"two\r\nlines"'],
    ['only a quote', '"', '""""'],
  ])('quotes a field with %s', (_, value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it('writes a null or missing value as an empty field, and an empty text as an empty field too', () => {
    expect(csvRecord([null, 'x', undefined, ''])).toBe(',x,,\r\n');
  });

  it('keeps leading and trailing spaces and non-ASCII text unquoted (RFC 4180: spaces are part of a field)', () => {
    expect(csvRecord([' Zürich ', '東京'])).toBe(' Zürich ,東京\r\n');
  });

  it('is served as text/csv', () => {
    expect(CSV_CONTENT_TYPE).toMatch(/^text\/csv; charset=utf-8/);
  });
});
