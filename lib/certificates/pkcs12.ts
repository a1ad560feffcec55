/**
 * Intake of an uploaded client certificate (`client.pfx` / `.p12`, the QMC's "Windows format" export).
 *
 * node-forge decrypts the file because it is pure JavaScript: Windows exports traditionally put the
 * certificate bag under RC2-40 and the key bag under 3DES, which Node's OpenSSL 3 refuses unless the whole
 * process runs with `--openssl-legacy-provider`. Once decrypted, Node's own crypto takes over: it pairs the
 * key with its certificate for any key type and describes the certificate exactly as OpenSSL does.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { assertWithinValidity, describeCertificate } from '#lib/certificates/certificate-metadata.ts';
import { CertificateError, type ClientCertificateBundle } from '#lib/certificates/certificate-types.ts';
import { checkAndChargeMac, withKdfBudget } from '#lib/certificates/pkcs12-work-limits.ts';

export interface OpenPkcs12Options {
  /** The moment validity is checked against; tests pin it. */
  now?: Date;
}

const { asn1, pki } = forge;
const oids = pki.oids as Record<string, string>;
const QMC_EXPORT = 'Export the client certificate from the QMC (Certificates > Export) in Windows format';

/**
 * Opens a PKCS#12 file and returns the client key, its certificate and any CA certificates, as PEM.
 * A blank or missing password opens a password-less file: OpenSSL-made files key their MAC with the empty
 * string, others with no password at all, so both are tried.
 *
 * @throws CertificateError with an admin-facing message; it never contains the password or key material.
 */
export function openPkcs12(
  content: Buffer,
  password: string | undefined,
  options: OpenPkcs12Options = {},
): ClientCertificateBundle {
  return withKdfBudget(() => {
    const attempts = password ? [password] : ['', undefined];
    for (const attempt of attempts) {
      const pfx = decryptPfx(content, attempt);
      if (pfx) return bundleFrom(pfx, options.now ?? new Date());
    }
    throw wrongPassword(Boolean(password));
  });
}

/**
 * Tries each candidate password in order and reports which one opened the file. Rotation relies on this:
 * a new certificate uploaded with a blank password is tried with the stored password, then with none.
 * Only a wrong password moves on to the next candidate; any other problem (expired, no key, ...) belongs to
 * the file and is thrown at once.
 *
 * @example
 * const { bundle, password } = openPkcs12WithPasswords(upload, [storedPassword, undefined]);
 */
export function openPkcs12WithPasswords(
  content: Buffer,
  candidates: Array<string | undefined>,
  options: OpenPkcs12Options = {},
): { bundle: ClientCertificateBundle; password: string | undefined } {
  return withKdfBudget(() => {
    const tried = new Set<string>();
    let anyPassword = false;
    for (const candidate of candidates.length > 0 ? candidates : [undefined]) {
      // '' and undefined are the same attempt (openPkcs12 tries both ways of saying "no password").
      if (tried.has(candidate ?? '')) continue;
      tried.add(candidate ?? '');
      anyPassword ||= Boolean(candidate);
      try {
        return { bundle: openPkcs12(content, candidate, options), password: candidate };
      } catch (error) {
        if (!(error instanceof CertificateError && error.problem === 'wrong-password')) throw error;
      }
    }
    throw wrongPassword(anyPassword);
  });
}

function wrongPassword(passwordGiven: boolean): CertificateError {
  return new CertificateError(
    'wrong-password',
    passwordGiven
      ? 'The password does not open this certificate file. Enter the password that was set when the certificate was exported from the QMC.'
      : 'This certificate file is protected by a password. Enter the password that was set when the certificate was exported from the QMC.',
  );
}

function notPkcs12(content: Buffer, cause?: unknown): CertificateError {
  const looksLikePem = content.subarray(0, 1024).toString('latin1').includes('-----BEGIN');
  return new CertificateError(
    'not-pkcs12',
    looksLikePem
      ? `This file is a PEM text file, not a PKCS#12 (.pfx/.p12) certificate. ${QMC_EXPORT} and upload client.pfx.`
      : `This file is not a PKCS#12 (.pfx/.p12) certificate. ${QMC_EXPORT} and upload client.pfx.`,
    { cause },
  );
}

/** forge's failure messages, sorted into what they mean for the admin. */
type DecodeFailure = 'wrong-password' | 'not-pkcs12' | 'unsupported' | 'undecryptable';

function classify(error: unknown): DecodeFailure {
  const message = error instanceof Error ? error.message : '';
  if (/MAC could not be verified/i.test(message)) return 'wrong-password';
  if (/^Cannot read PKCS#12 PFX|authSafe content data is not/i.test(message)) return 'not-pkcs12';
  if (/unsupported|not supported|password integrity mode/i.test(message)) return 'unsupported';
  // Padding or ASN.1 errors after decrypting: a wrong password when there is no MAC to say so earlier.
  return 'undecryptable';
}

function readPfxAsn1(content: Buffer): forge.asn1.Asn1 {
  try {
    // Not strict: Windows writes BER (indefinite lengths, chunked octet strings), which forge reads leniently.
    return asn1.fromDer(forge.util.createBuffer(content.toString('binary')), false);
  } catch (error) {
    throw notPkcs12(content, error);
  }
}

/** The PFX decrypted with one password, or `undefined` when that password is wrong. */
function decryptPfx(content: Buffer, password: string | undefined): forge.pkcs12.Pkcs12Pfx | undefined {
  const pfxAsn1 = readPfxAsn1(content);
  const hasMac = Array.isArray(pfxAsn1.value) && pfxAsn1.value.length > 2;
  checkAndChargeMac(pfxAsn1);
  try {
    return forge.pkcs12.pkcs12FromAsn1(pfxAsn1, false, password);
  } catch (error) {
    if (error instanceof CertificateError) throw error;
    let failure = classify(error);
    if (failure === 'undecryptable' && password && /[^\x20-\x7e]/.test(password)) {
      // The MAC (PKCS#12 KDF) takes the password as UTF-16, which forge does right, but PBES2/PBKDF2 (AES
      // files) takes its UTF-8 bytes while forge passes one byte per UTF-16 unit. So a non-ASCII password
      // passes the MAC check and then fails to decrypt. Retry without the already verified MAC, as UTF-8.
      const retried = retryAsUtf8(content, password);
      if (retried) return retried;
    }
    // A correct MAC proves the password; failing to decrypt after it means the file itself is at fault.
    if (failure === 'undecryptable') failure = hasMac ? 'unsupported' : 'wrong-password';
    if (failure === 'wrong-password') return undefined;
    if (failure === 'not-pkcs12') throw notPkcs12(content, error);
    throw new CertificateError(
      'not-pkcs12',
      `This PKCS#12 file uses a layout or encryption the service cannot read. ${QMC_EXPORT} again and upload the new client.pfx.`,
      { cause: error },
    );
  }
}

function retryAsUtf8(content: Buffer, password: string): forge.pkcs12.Pkcs12Pfx | undefined {
  const pfxAsn1 = readPfxAsn1(content);
  if (Array.isArray(pfxAsn1.value)) pfxAsn1.value = pfxAsn1.value.slice(0, 2);
  try {
    return forge.pkcs12.pkcs12FromAsn1(pfxAsn1, false, forge.util.encodeUtf8(password));
  } catch (error) {
    if (error instanceof CertificateError) throw error;
    return undefined;
  }
}

function bundleFrom(pfx: forge.pkcs12.Pkcs12Pfx, now: Date): ClientCertificateBundle {
  const bags = pfx.safeContents.flatMap((contents) => contents.safeBags);
  const keyBags = bags.filter((bag) => bag.type === oids.pkcs8ShroudedKeyBag || bag.type === oids.keyBag);
  if (keyBags.length === 0) {
    throw new CertificateError(
      'no-private-key',
      "This certificate file was exported without its private key. Export the client certificate from the QMC again with 'Include secret key' ticked, and upload the new client.pfx.",
    );
  }
  const certificates = bags.filter((bag) => bag.type === oids.certBag).map(certificateOf);
  if (certificates.length === 0) {
    throw new CertificateError(
      'no-matching-certificate',
      `This file holds a private key but no certificate. ${QMC_EXPORT} and upload client.pfx.`,
    );
  }

  for (const key of keyBags.map(keyObjectOf)) {
    const leaf = certificates.find((certificate) => certificate.checkPrivateKey(key));
    if (!leaf) continue;
    const metadata = describeCertificate(leaf);
    assertWithinValidity(metadata, 'client certificate', now);
    return {
      keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      certPem: leaf.toString(),
      caPems: certificates
        .filter((certificate) => certificate.fingerprint256 !== leaf.fingerprint256)
        .map((certificate) => certificate.toString()),
      metadata,
    };
  }
  throw new CertificateError(
    'no-matching-certificate',
    `None of the certificates in this file belongs to its private key. ${QMC_EXPORT} again and upload client.pfx as exported.`,
  );
}

// forge only understands RSA keys and certificates; for others it hands back the raw ASN.1, which Node
// reads. Both paths end as DER so that Node does the key matching for every key type alike.
function keyObjectOf(bag: forge.pkcs12.Bag): KeyObject {
  const privateKeyInfo = bag.key ? pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(bag.key)) : bag.asn1;
  try {
    return createPrivateKey({ key: derOf(privateKeyInfo), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new CertificateError(
      'no-matching-certificate',
      `The private key in this file uses an algorithm the service cannot read. Qlik Sense issues RSA client certificates: ${QMC_EXPORT} and upload client.pfx.`,
      { cause: error },
    );
  }
}

// Re-encoding a forge certificate reuses the parsed TBSCertificate, so the DER (and so the fingerprint) is
// the original's for any certificate that was DER to begin with, which X.509 requires.
function certificateOf(bag: forge.pkcs12.Bag): X509Certificate {
  const certificateAsn1 = bag.cert ? pki.certificateToAsn1(bag.cert) : bag.asn1;
  try {
    return new X509Certificate(derOf(certificateAsn1));
  } catch (error) {
    throw new CertificateError(
      'not-pkcs12',
      `A certificate in this file cannot be read. ${QMC_EXPORT} again and upload the new client.pfx.`,
      { cause: error },
    );
  }
}

function derOf(node: forge.asn1.Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}
