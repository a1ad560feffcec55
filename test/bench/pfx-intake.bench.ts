/**
 * How long a `.pfx` holds the event loop at intake (issue 10 item 6): a million-iteration file must be refused at
 * once, and the costliest file the limits accept must stay around a second. Prints one JSON line per figure.
 * Run: `npm run bench -- pfx-intake`.
 */
import { performance } from 'node:perf_hooks';
import { CertificateError } from '#lib/certificates/certificate-types.ts';
import { openPkcs12WithPasswords } from '#lib/certificates/pkcs12.ts';
import { createClientPfx, createTestPki } from '#test/support/certificates.ts';
import { withIterations } from '#test/support/pfx-iterations.ts';

const PASSWORD = 'bench-pw';

function timeOpen(pfx: Buffer, candidates: Array<string | undefined>): { ms: number; outcome: string } {
  const started = performance.now();
  let outcome = 'opened';
  try {
    openPkcs12WithPasswords(pfx, candidates);
  } catch (error) {
    outcome = error instanceof CertificateError ? error.problem : 'error';
  }
  return { ms: Math.round(performance.now() - started), outcome };
}

export async function run(): Promise<void> {
  const pki = createTestPki();
  const legacy = createClientPfx(pki, 'legacy', { password: PASSWORD });
  const cases: Array<[string, Buffer, Array<string | undefined>]> = [
    ['Windows export (2,000 iterations) opened', legacy, [PASSWORD]],
    [
      '1,000,000-iteration MAC and PBE refused',
      withIterations(legacy, { mac: 1_000_000, pbe: 1_000_000 }),
      [PASSWORD, undefined],
    ],
    [
      '100,000-iteration MAC, two wrong candidates (the budget case)',
      withIterations(legacy, { mac: 100_000 }),
      ['a', 'b', 'c'],
    ],
  ];
  // The first pass warms forge's code up; the second is measured.
  for (const [, pfx, candidates] of cases) timeOpen(pfx, candidates);
  for (const [metric, pfx, candidates] of cases) {
    const { ms, outcome } = timeOpen(pfx, candidates);
    console.log(JSON.stringify({ bench: 'pfx-intake', metric: `${metric}: ms blocked`, value: ms, outcome }));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
