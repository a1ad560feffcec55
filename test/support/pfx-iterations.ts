/**
 * Rewrites the iteration counts a `.pfx` declares, without running them: building a million-iteration file the normal
 * way would itself take many seconds. The MAC and the encrypted parts no longer verify afterwards, which is fine: the
 * service must refuse such a file before it derives any key.
 */
import forge from 'node-forge';
import { vi } from 'vitest';

const { asn1 } = forge;
const PBE_OIDS = /^1\.2\.840\.113549\.1\.(12\.1\.\d+|5\.12)$/; // PKCS#12 PBE ciphers, PBKDF2

export interface IterationOverrides {
  /** `macData.iterations` */
  mac?: number;
  /** Every PKCS#12 PBE and PBKDF2 parameter block (key bag, encrypted safes). */
  pbe?: number;
}

const integer = (n: number) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());

function rewrite(node: forge.asn1.Asn1, overrides: IterationOverrides): void {
  if (!Array.isArray(node.value)) {
    // Safe contents travel DER-encoded inside OCTET STRINGs: descend where the content is a whole DER value.
    if (node.type === asn1.Type.OCTETSTRING && typeof node.value === 'string' && node.value.charCodeAt(0) === 0x30) {
      try {
        const inner = asn1.fromDer(forge.util.createBuffer(node.value), true);
        rewrite(inner, overrides);
        node.value = asn1.toDer(inner).getBytes();
      } catch {
        // Not DER (a salt, a digest): leave it.
      }
    }
    return;
  }
  const [first, params] = node.value;
  if (
    overrides.pbe !== undefined &&
    first?.type === asn1.Type.OID &&
    PBE_OIDS.test(asn1.derToOid(first.value as string)) &&
    params &&
    Array.isArray(params.value)
  ) {
    params.value[1] = integer(overrides.pbe);
  }
  for (const child of node.value) rewrite(child, overrides);
}

export function withIterations(pfx: Buffer, overrides: IterationOverrides): Buffer {
  const root = asn1.fromDer(forge.util.createBuffer(pfx.toString('binary')), false);
  const [, authSafe, macData] = root.value as forge.asn1.Asn1[];
  rewrite(authSafe!, overrides);
  if (overrides.mac !== undefined && macData && Array.isArray(macData.value)) macData.value[2] = integer(overrides.mac);
  return Buffer.from(asn1.toDer(root).getBytes(), 'binary');
}

/** Spies on every key derivation forge can run for a PKCS#12 file: the MAC key, PKCS#12 PBE key and IV, PBKDF2. */
export function spyOnKeyDerivation() {
  return [
    vi.spyOn(forge.pkcs12, 'generateKey'),
    vi.spyOn((forge.pki as unknown as { pbe: { generatePkcs12Key: () => unknown } }).pbe, 'generatePkcs12Key'),
    vi.spyOn(forge.pkcs5, 'pbkdf2'),
  ];
}
