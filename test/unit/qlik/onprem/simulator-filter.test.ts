import { describe, expect, it } from 'vitest';
import { applyFilter, FilterSyntaxError, parseFilter } from '#test/simulators/qlik-sense-enterprise/filter.ts';

const users = [
  { userId: 'sa_api', userDirectory: 'INTERNAL', roles: ['RootAdmin'], inactive: false, tags: [{ name: 'R&D' }] },
  { userId: "o'neil", userDirectory: 'CORP', roles: [], inactive: true, tags: [] },
  { userId: 'Anna', userDirectory: 'CORP', roles: ['ContentAdmin'], inactive: false, tags: [{ name: 'Finance' }] },
];
const ids = (filter: string) => applyFilter(users, filter).map((u) => u.userId);

describe('simulated QRS filter', () => {
  it('compares strings case-insensitively with eq, ne, sw, ew and so', () => {
    expect(ids("userdirectory eq 'corp'")).toEqual(["o'neil", 'Anna']);
    expect(ids("userDirectory ne 'CORP'")).toEqual(['sa_api']);
    expect(ids("userId sw 'SA'")).toEqual(['sa_api']);
    expect(ids("userId ew 'NA'")).toEqual(['Anna']);
    expect(ids("userId so 'nei'")).toEqual(["o'neil"]);
  });

  it('combines with and/or and parentheses, and binds and tighter than or', () => {
    expect(ids("(userDirectory eq 'CORP') and (userId eq 'anna')")).toEqual(['Anna']);
    expect(ids("userId eq 'sa_api' or userDirectory eq 'CORP' and inactive eq true")).toEqual(['sa_api', "o'neil"]);
  });

  it('matches booleans and arrays of strings and of objects', () => {
    expect(ids('inactive eq false')).toEqual(['sa_api', 'Anna']);
    expect(ids("roles eq 'rootadmin'")).toEqual(['sa_api']);
    expect(ids("tags.name eq 'r&d'")).toEqual(['sa_api']);
  });

  it('reads backslash escapes in string literals', () => {
    expect(ids("userId eq 'o\\'neil'")).toEqual(["o'neil"]);
  });

  it('rejects what QRS cannot parse, including a doubled quote', () => {
    for (const bad of ["userId eq 'o''neil'", "userId eq 'open", 'userId', "userId xx 'a'", "(userId eq 'a'", '']) {
      expect(() => parseFilter(bad), bad).toThrow(FilterSyntaxError);
    }
    expect(() => ids("userId gt 'a'")).toThrow(/not valid for strings/);
  });

  it('keeps everything without a filter', () => {
    expect(applyFilter(users, undefined)).toHaveLength(3);
  });
});
