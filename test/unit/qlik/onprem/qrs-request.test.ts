import { describe, expect, it } from 'vitest';
import { qrsAnd, qrsCompare, qrsOr, qrsString } from '#lib/qlik/onprem/qrs-filter.ts';
import {
  buildQuery,
  describeRequestPath,
  encodeQueryValue,
  newXrfkey,
  qlikErrorMessage,
  qlikUserHeader,
} from '#lib/qlik/onprem/qrs-request.ts';

describe('QRS request rules', () => {
  it('makes 16-character xrfkeys from 0-9a-zA-Z only, different every time', () => {
    // Act
    const keys = Array.from({ length: 200 }, () => newXrfkey());

    // Assess
    for (const key of keys) expect(key).toMatch(/^[0-9a-zA-Z]{16}$/);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('names the service account in X-Qlik-User as UserDirectory=<dir>; UserId=<id>', () => {
    expect(qlikUserHeader('INTERNAL', 'sa_api')).toBe('UserDirectory=INTERNAL; UserId=sa_api');
    expect(qlikUserHeader('CORP', 'first.last@corp.example')).toBe(
      'UserDirectory=CORP; UserId=first.last@corp.example',
    );
  });

  it('percent-encodes only what would break the X-Qlik-User syntax or is not printable ASCII', () => {
    expect(qlikUserHeader('CORP', 'a;b=c')).toBe('UserDirectory=CORP; UserId=a%3Bb%3Dc');
    expect(qlikUserHeader('CORP', 'jürgen smith')).toBe('UserDirectory=CORP; UserId=j%C3%BCrgen%20smith');
  });

  it('encodes every character of a query value that URL syntax could claim, quotes included', () => {
    // Prepare: the characters a live QRS was seen to choke on when sent raw
    const raw = "name eq 'R&D #4' and x eq '100%' or y eq 'a/b?c'";

    // Act
    const encoded = encodeQueryValue(raw);

    // Assess
    expect(encoded).not.toMatch(/[ '#&/?!()*]/);
    expect(encoded).toContain('%27'); // '
    expect(encoded).toContain('%23'); // #
    expect(encoded).toContain('%26'); // &
    expect(decodeURIComponent(encoded)).toBe(raw);
  });

  it('builds a query string from defined values only', () => {
    expect(buildQuery({ filter: "a eq 'b'", skip: 0, privileges: false, none: undefined, nil: null })).toBe(
      '?filter=a%20eq%20%27b%27&skip=0&privileges=false',
    );
    expect(buildQuery({})).toBe('');
  });

  it('describes a request without its xrfkey, with the filter readable', () => {
    expect(describeRequestPath('/qrs/user/full', { filter: "userId eq 'sa'", xrfkey: 'abcdefghijklmnop' })).toBe(
      "/qrs/user/full?filter=userId eq 'sa'",
    );
    expect(describeRequestPath('/qrs/about', { Xrfkey: 'abcdefghijklmnop' })).toBe('/qrs/about');
  });

  it("reads Qlik's error text from plain text, a JSON string or a JSON object", () => {
    expect(qlikErrorMessage('XSRF prevention check failed. Possible XSRF discovered.\r\n')).toBe(
      'XSRF prevention check failed. Possible XSRF discovered.',
    );
    expect(qlikErrorMessage('"Cannot parse the expression: x"')).toBe('Cannot parse the expression: x');
    expect(qlikErrorMessage('{"message":"Conflict"}')).toBe('Conflict');
    expect(qlikErrorMessage('')).toBe('');
    expect(qlikErrorMessage('x'.repeat(500))).toHaveLength(300);
  });
});

describe('QRS filter expressions', () => {
  it('single-quotes strings and escapes quotes and backslashes with a backslash', () => {
    expect(qrsString('sa_api')).toBe("'sa_api'");
    expect(qrsString("o'neil")).toBe("'o\\'neil'");
    expect(qrsString('dom\\user')).toBe("'dom\\\\user'");
    // A trailing backslash must not escape the closing quote.
    expect(qrsString("a\\'")).toBe("'a\\\\\\''");
  });

  it('builds comparisons and groups them so and/or keep their meaning', () => {
    expect(qrsCompare('userId', 'eq', "o'neil")).toBe("userId eq 'o\\'neil'");
    expect(qrsCompare('published', 'eq', true)).toBe('published eq true');
    expect(qrsAnd(qrsCompare('a', 'eq', 'x'), qrsOr(qrsCompare('b', 'eq', 'y'), qrsCompare('c', 'eq', 'z')))).toBe(
      "(a eq 'x') and ((b eq 'y') or (c eq 'z'))",
    );
    expect(qrsAnd(qrsCompare('a', 'eq', 'x'))).toBe("a eq 'x'");
  });

  it('refuses a property path that is not a plain dotted name', () => {
    expect(() => qrsCompare("a eq 'x' or b", 'eq', 'y')).toThrow(/Not a QRS property path/);
    expect(qrsCompare('stream.name', 'eq', 'Finance')).toBe("stream.name eq 'Finance'");
  });
});
