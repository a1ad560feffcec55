/**
 * How much key derivation an uploaded PKCS#12 file may ask for. The file names its own iteration counts (for the MAC
 * and for each encrypted part), and forge runs them synchronously on the event loop: a file asking for a million
 * iterations would stall every other request of the process for many seconds. Real exports use a few thousand
 * (Windows 2,000, OpenSSL 2,048), so:
 *
 * - any single count over 100,000 is refused before that derivation starts;
 * - all derivations of one intake (every password candidate included) share a budget of about a second of work,
 *   so a file cannot add up many permitted counts either.
 *
 * The counts of encrypted parts are read where forge reads them, in `pki.pbe.getCipher` (the one door for every
 * PKCS#12 PBE and PBES2 decryption, including key bags nested inside encrypted safes); the MAC's count is read from
 * the file before forge verifies the MAC.
 */
import forge from 'node-forge';
import { CertificateError } from '#lib/certificates/certificate-types.ts';

export const MAX_PBE_ITERATIONS = 100_000;

/**
 * Work units: one PKCS#12-KDF iteration (SHA-1 in forge, about 5 µs). A PKCS#12 PBE cipher derives key and IV (2 per
 * iteration); PBKDF2 is about ten times cheaper per iteration. 180,000 units is about a second.
 */
const BUDGET_UNITS = 180_000;
const PKCS12_PBE_PREFIX = '1.2.840.113549.1.12.1.';

const QMC_EXPORT =
  'Export the client certificate from the QMC (Certificates > Export) in Windows format and upload the new client.pfx.';

let remaining: number | null = null;

/** Runs one intake (all password candidates of one upload) under one work budget. */
export function withKdfBudget<T>(open: () => T): T {
  if (remaining !== null) return open();
  remaining = BUDGET_UNITS;
  try {
    return open();
  } finally {
    remaining = null;
  }
}

function charge(iterations: number, unitsPerIteration: number): void {
  if (!(iterations <= MAX_PBE_ITERATIONS)) {
    const count = Number.isFinite(iterations) ? iterations.toLocaleString('en-US') : 'an unreadable number of';
    throw new CertificateError(
      'excessive-iterations',
      `This certificate file asks for ${count} key-derivation iterations; KPImailer accepts at most ${MAX_PBE_ITERATIONS.toLocaleString('en-US')} (Qlik's exports use a few thousand). ${QMC_EXPORT}`,
    );
  }
  if (remaining === null) return;
  remaining -= iterations * unitsPerIteration;
  if (remaining < 0) {
    throw new CertificateError(
      'excessive-iterations',
      `This certificate file's password protection repeats its key derivation far more often than Qlik's exports do, so opening it would stall the service. ${QMC_EXPORT}`,
    );
  }
}

/** A DER INTEGER's value; anything longer than 6 bytes or negative counts as unbounded. */
function integerOf(node: forge.asn1.Asn1 | undefined): number {
  if (!node || node.type !== forge.asn1.Type.INTEGER || typeof node.value !== 'string') return Number.POSITIVE_INFINITY;
  const bytes = node.value;
  if (bytes.length === 0 || bytes.length > 6 || bytes.charCodeAt(0) & 0x80) return Number.POSITIVE_INFINITY;
  let value = 0;
  for (let i = 0; i < bytes.length; i += 1) value = value * 256 + bytes.charCodeAt(i);
  return value;
}

/** The largest INTEGER in a PBE parameter block: the iteration count (the others, key length and RC2 version, are small). */
function largestInteger(node: forge.asn1.Asn1, depth = 0): number {
  if (node.type === forge.asn1.Type.INTEGER && node.tagClass === forge.asn1.Class.UNIVERSAL) return integerOf(node);
  if (!Array.isArray(node.value) || depth > 4) return 0;
  return Math.max(0, ...node.value.map((child) => largestInteger(child, depth + 1)));
}

const PBE_ALGORITHM = /^1\.2\.840\.113549\.1\.(12\.1\.\d+|5\.12)$/; // PKCS#12 PBE ciphers, PBKDF2

/** Every count the file declares outside encrypted parts, checked against the single-count limit. */
function assertDeclaredCounts(node: forge.asn1.Asn1, depth = 0): void {
  if (depth > 32) return;
  if (!Array.isArray(node.value)) {
    // Safe contents travel DER-encoded inside OCTET STRINGs.
    if (
      node.type === forge.asn1.Type.OCTETSTRING &&
      typeof node.value === 'string' &&
      node.value.charCodeAt(0) === 0x30
    ) {
      let inner: forge.asn1.Asn1 | undefined;
      try {
        inner = forge.asn1.fromDer(forge.util.createBuffer(node.value), false);
      } catch {
        // Not DER (a salt, a digest).
      }
      if (inner) assertDeclaredCounts(inner, depth + 1);
    }
    return;
  }
  const [first, params] = node.value;
  if (first?.type === forge.asn1.Type.OID && params && PBE_ALGORITHM.test(forge.asn1.derToOid(first.value as string))) {
    charge(largestInteger(params), 0);
  }
  for (const child of node.value) assertDeclaredCounts(child, depth + 1);
}

/**
 * Checks every count the file declares where it can be read (the MAC, plaintext key bags, the parameters of encrypted
 * safes) before forge derives any key, then charges the MAC's derivation to the budget.
 */
export function checkAndChargeMac(pfx: forge.asn1.Asn1): void {
  assertDeclaredCounts(pfx);
  const macData = Array.isArray(pfx.value) ? pfx.value[2] : undefined;
  if (!macData || !Array.isArray(macData.value)) return;
  const iterations = macData.value[2];
  charge(iterations ? integerOf(iterations) : 1, 1);
}

type GetCipher = (oid: string, params: forge.asn1.Asn1, password: string) => unknown;
const pbe = (forge.pki as unknown as { pbe: { getCipher: GetCipher } }).pbe;
const forgeGetCipher = pbe.getCipher;
pbe.getCipher = function guardedGetCipher(this: unknown, oid: string, params: forge.asn1.Asn1, password: string) {
  charge(largestInteger(params), oid.startsWith(PKCS12_PBE_PREFIX) ? 2 : 0.1);
  return forgeGetCipher.call(this, oid, params, password);
};
