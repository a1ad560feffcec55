/**
 * Test PKI for the whole project: a Qlik-like root CA, a server certificate issued to the machine name, a
 * `CN=QlikClient` client certificate, and PKCS#12 packaging in the modern (AES) and legacy Windows (RC2-40
 * certificate bag + 3DES key bag) layouts. Nothing here is a secret: every key is generated in the process.
 *
 * @example
 * const pki = createTestPki({ extraServerNames: ['localhost', '127.0.0.1'] });
 * https.createServer({ key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem, requestCert: true });
 * const pfx = createClientPfx(pki, 'legacy', { password: 'qlik' });
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import forge from 'node-forge';

const { asn1, pki: forgePki } = forge;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface TestCertificate {
  /** PKCS#1 PEM, accepted by `https.createServer({ key })`. */
  keyPem: string;
  certPem: string;
  certDer: Buffer;
  key: forge.pki.rsa.PrivateKey;
  cert: forge.pki.Certificate;
}

export interface IssueOptions {
  commonName: string;
  usage: 'server' | 'client';
  /** DNS names and IP addresses for the subjectAltName extension. */
  altNames?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /**
   * Which memoised key pair to use. Certificates sharing a slot share a key, which is what a renewed
   * certificate looks like; a different slot gives a key that matches nothing else.
   */
  keySlot?: string;
}

export interface TestPki {
  machineName: string;
  /** `CN=<machine>-CA`, self-signed. */
  ca: TestCertificate;
  /** `CN=<machine>`, SANs: the machine name plus `extraServerNames`. */
  server: TestCertificate;
  /** `CN=QlikClient`, signed by the CA. */
  client: TestCertificate;
  /** Issues another certificate from this CA (an expired client, a certificate for another host, ...). */
  issue(options: IssueOptions): TestCertificate;
}

export interface TestPkiOptions {
  /** Defaults to `QLIKSERVER`, the name the Qlik node was installed with. */
  machineName?: string;
  /** E.g. `['localhost', '127.0.0.1']` so a simulator reached on loopback still matches. */
  extraServerNames?: string[];
}

// RSA key generation is the slow step (pure-JS forge takes seconds); Node's OpenSSL does it in tens of
// milliseconds, and a module-level memo lets every suite in a worker reuse the same few keys.
const keyPairs = new Map<string, forge.pki.rsa.PrivateKey>();

function keyFor(slot: string): forge.pki.rsa.PrivateKey {
  let key = keyPairs.get(slot);
  if (!key) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = forgePki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    keyPairs.set(slot, key);
  }
  return key;
}

function publicKeyOf(key: forge.pki.rsa.PrivateKey): forge.pki.rsa.PublicKey {
  return forgePki.setRsaPublicKey(key.n, key.e);
}

function toTestCertificate(key: forge.pki.rsa.PrivateKey, cert: forge.pki.Certificate): TestCertificate {
  const der = asn1.toDer(forgePki.certificateToAsn1(cert)).getBytes();
  return {
    keyPem: forgePki.privateKeyToPem(key),
    certPem: forgePki.certificateToPem(cert),
    certDer: Buffer.from(der, 'binary'),
    key,
    cert,
  };
}

function randomSerial(): string {
  // A positive serial: clear the top bit so the DER INTEGER is not read as negative.
  const bytes = forge.random.getBytesSync(16);
  return ((bytes.charCodeAt(0) & 0x7f) + 0x10).toString(16) + forge.util.bytesToHex(bytes.slice(1));
}

function subjectAltNames(names: string[]) {
  return names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name }));
}

function createCa(machineName: string): TestCertificate {
  const key = keyFor(`ca:${machineName}`);
  const cert = forgePki.createCertificate();
  cert.publicKey = publicKeyOf(key);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * DAY_MS);
  const name = [{ name: 'commonName', value: `${machineName}-CA` }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return toTestCertificate(key, cert);
}

function issueFrom(ca: TestCertificate, options: IssueOptions): TestCertificate {
  const key = keyFor(options.keySlot ?? `${options.usage}:${options.commonName}`);
  const cert = forgePki.createCertificate();
  cert.publicKey = publicKeyOf(key);
  cert.serialNumber = randomSerial();
  // An hour of slack so a test machine's clock skew does not make a fresh certificate "not yet valid".
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: options.commonName }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    options.usage === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
    ...(options.altNames?.length ? [{ name: 'subjectAltName', altNames: subjectAltNames(options.altNames) }] : []),
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return toTestCertificate(key, cert);
}

/** Builds a CA, a server certificate and a client certificate the way a Qlik Sense node has them. */
export function createTestPki(options: TestPkiOptions = {}): TestPki {
  const machineName = options.machineName ?? 'QLIKSERVER';
  const ca = createCa(machineName);
  const issue = (issueOptions: IssueOptions) => issueFrom(ca, issueOptions);
  return {
    machineName,
    ca,
    server: issue({
      commonName: machineName,
      usage: 'server',
      altNames: [machineName, ...(options.extraServerNames ?? [])],
    }),
    client: issue({ commonName: 'QlikClient', usage: 'client' }),
    issue,
  };
}

// ---------------------------------------------------------------------------------------------------------
// PKCS#12 packaging

type KeyInput = forge.pki.rsa.PrivateKey | string;
type CertInput = forge.pki.Certificate | string;

export interface PfxOptions {
  /** `null` packs the certificates only, as an export without "Include secret key" does. */
  key: KeyInput | null;
  cert: CertInput;
  ca?: CertInput[];
  /** Omitted: no password (unencrypted key bag, MAC keyed with the empty password). */
  password?: string;
  /** The Windows layout: certificate bag under RC2-40, key bag under 3DES, SHA-1 MAC. */
  legacy?: boolean;
}

const asKey = (key: KeyInput) => (typeof key === 'string' ? forgePki.privateKeyFromPem(key) : key);
const asCert = (cert: CertInput) => (typeof cert === 'string' ? forgePki.certificateFromPem(cert) : cert);
const derBuffer = (node: forge.asn1.Asn1) => Buffer.from(asn1.toDer(node).getBytes(), 'binary');

/** Packs a key and its certificate chain as a `.pfx`. */
export function toPfx(options: PfxOptions): Buffer {
  const key = options.key === null ? null : asKey(options.key);
  const chain = [asCert(options.cert), ...(options.ca ?? []).map(asCert)];
  const password = options.password ?? null;
  if (options.legacy) return derBuffer(legacyPfxAsn1(key, chain, password));
  // forge leaves the certificate bag unencrypted and puts the key under PBES2/AES-256 (what OpenSSL 3 makes).
  return derBuffer(forge.pkcs12.toPkcs12Asn1(key, chain, password, { algorithm: 'aes256' }));
}

// forge's toPkcs12Asn1 cannot encrypt the certificate bag at all, so the legacy layout is assembled here
// from forge's primitives (RFC 7292): the same structure Windows/.NET exports, verified with
// `openssl pkcs12 -info -legacy` in test/unit/certificates/test-pki.test.ts. Pure JS keeps the fixture
// independent of the openssl binary and of whether its legacy provider is installed.
const LEGACY_ITERATIONS = 2000; // what Windows exports use

const seq = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const oid = (id: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
const int = (n: number) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());
const explicit0 = (node: forge.asn1.Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [node]);
const dataContentInfo = (content: forge.asn1.Asn1) =>
  seq([oid(forgePki.oids.data!), explicit0(octets(asn1.toDer(content).getBytes()))]);

function safeBag(bagType: string, value: forge.asn1.Asn1, localKeyId: string | undefined) {
  const attributes = localKeyId
    ? [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
          seq([
            oid(forgePki.oids.localKeyId!),
            asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [octets(localKeyId)]),
          ]),
        ]),
      ]
    : [];
  return seq([oid(bagType), explicit0(value), ...attributes]);
}

function pkcs12Cipher(password: string | null, salt: string, keyLength: number) {
  const saltBuffer = () => forge.util.createBuffer(salt);
  // null means "no password": the PKCS#12 KDF then hashes an empty input rather than an empty BMPString.
  const key = forge.pkcs12.generateKey(password, saltBuffer(), 1, LEGACY_ITERATIONS, keyLength);
  const iv = forge.pkcs12.generateKey(password, saltBuffer(), 2, LEGACY_ITERATIONS, 8);
  return { key, iv };
}

function legacyPfxAsn1(key: forge.pki.rsa.PrivateKey | null, chain: forge.pki.Certificate[], password: string | null) {
  const [leaf] = chain;
  const leafDer = leaf ? asn1.toDer(forgePki.certificateToAsn1(leaf)).getBytes() : '';
  const localKeyId = key && leaf ? forge.md.sha1.create().update(leafDer).digest().getBytes() : undefined;

  // Certificate bags, encrypted as one EncryptedData with pbeWithSHAAnd40BitRC2-CBC.
  const certBags = chain.map((cert, index) => {
    const certValue = asn1.toDer(forgePki.certificateToAsn1(cert)).getBytes();
    const certBag = seq([oid(forgePki.oids.x509Certificate!), explicit0(octets(certValue))]);
    return safeBag(forgePki.oids.certBag!, certBag, index === 0 ? localKeyId : undefined);
  });
  const certSalt = forge.random.getBytesSync(8);
  const rc2 = pkcs12Cipher(password, certSalt, 5);
  const cipher = forge.rc2.createEncryptionCipher(rc2.key, 40);
  cipher.start(rc2.iv);
  cipher.update(forge.util.createBuffer(asn1.toDer(seq(certBags)).getBytes()));
  cipher.finish();
  const encryptedCerts = seq([
    oid(forgePki.oids.encryptedData!),
    explicit0(
      seq([
        int(0),
        seq([
          oid(forgePki.oids.data!),
          seq([oid(forgePki.oids['pbewithSHAAnd40BitRC2-CBC']!), seq([octets(certSalt), int(LEGACY_ITERATIONS)])]),
          asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, cipher.output.getBytes()),
        ]),
      ]),
    ),
  ]);

  const contents = [encryptedCerts];
  if (key) {
    const keyInfo = forgePki.wrapRsaPrivateKey(forgePki.privateKeyToAsn1(key));
    // encryptPrivateKeyInfo's '3des' is PKCS#12 pbeWithSHAAnd3-KeyTripleDES-CBC, the Windows key bag cipher.
    // Its types omit null, but that path hands the password straight to the PKCS#12 KDF, which takes null.
    const shrouded = forgePki.encryptPrivateKeyInfo(keyInfo, password as string, {
      algorithm: '3des',
      count: LEGACY_ITERATIONS,
    });
    contents.push(dataContentInfo(seq([safeBag(forgePki.oids.pkcs8ShroudedKeyBag!, shrouded, localKeyId)])));
  }

  const authSafe = asn1.toDer(seq(contents)).getBytes();
  const macSalt = forge.random.getBytesSync(8);
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(macSalt), 3, LEGACY_ITERATIONS, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey.getBytes());
  hmac.update(authSafe);
  const macData = seq([
    seq([
      seq([oid(forgePki.oids.sha1!), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]),
      octets(hmac.digest().getBytes()),
    ]),
    octets(macSalt),
    int(LEGACY_ITERATIONS),
  ]);
  return seq([int(3), seq([oid(forgePki.oids.data!), explicit0(octets(authSafe))]), macData]);
}

export type ClientPfxVariant =
  'modern' | 'legacy' | 'no-password' | 'expired' | 'not-yet-valid' | 'certificate-only' | 'mismatched-key';

/**
 * The client `.pfx` files an admin may upload. `password` applies to every variant but 'no-password'.
 * 'mismatched-key' packs the client certificate with a key that belongs to another certificate.
 */
export function createClientPfx(pki: TestPki, variant: ClientPfxVariant, options: { password?: string } = {}): Buffer {
  const password = options.password ?? 'test-pfx-password';
  const { client, ca } = pki;
  const pack = (cert: TestCertificate, key: KeyInput | null, extra: Partial<PfxOptions> = {}) =>
    toPfx({ key, cert: cert.cert, ca: [ca.cert], password, ...extra });
  switch (variant) {
    case 'modern':
      return pack(client, client.key);
    case 'legacy':
      return pack(client, client.key, { legacy: true });
    case 'no-password':
      return pack(client, client.key, { password: undefined });
    case 'certificate-only':
      return pack(client, null);
    case 'mismatched-key':
      return pack(client, pki.issue({ commonName: 'SomeoneElse', usage: 'client', keySlot: 'mismatch' }).key);
    case 'expired':
    case 'not-yet-valid': {
      const window =
        variant === 'expired'
          ? { notBefore: new Date(Date.now() - 400 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) }
          : { notBefore: new Date(Date.now() + 10 * DAY_MS), notAfter: new Date(Date.now() + 400 * DAY_MS) };
      const cert = pki.issue({ commonName: 'QlikClient', usage: 'client', keySlot: 'client:QlikClient', ...window });
      return pack(cert, cert.key);
    }
  }
}

/**
 * Why Node's own TLS stack refuses a `.pfx`, or `undefined` when it loads it. The legacy fixture must be
 * refused (OpenSSL 3 without its legacy provider cannot do RC2-40); that is what makes the test meaningful.
 */
export function nodeTlsPfxError(pfx: Buffer, passphrase?: string): Error | undefined {
  try {
    createSecureContext({ pfx, passphrase });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

// ---------------------------------------------------------------------------------------------------------
// The openssl binary, for cross-checks only: tests that need it skip when it (or its legacy provider) is absent.

const OPENSSL = process.env.OPENSSL_BIN ?? 'openssl';

/** Whether `openssl` with the legacy provider (RC2) can run here. */
export function opensslLegacyAvailable(): boolean {
  const result = spawnSync(OPENSSL, ['list', '-providers', '-provider', 'legacy'], { encoding: 'utf8' });
  return result.status === 0 && /legacy/i.test(result.stdout);
}

function runOpenssl(args: string[], password: string): string {
  // The password goes through the environment, never the command line (visible in `ps`).
  const result = spawnSync(OPENSSL, args, { encoding: 'utf8', env: { ...process.env, PFX_PASSWORD: password } });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} ${args[1]} failed: ${result.stderr}`);
  return `${result.stdout}${result.stderr}`;
}

/** `openssl pkcs12 -info -noout -legacy`: names the cipher of each bag, e.g. `pbeWithSHA1And40BitRC2-CBC`. */
export function describePfxWithOpenssl(pfx: Buffer, password = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'pfx-info-'));
  try {
    writeFileSync(join(dir, 'in.pfx'), pfx);
    return runOpenssl(
      ['pkcs12', '-info', '-noout', '-legacy', '-in', join(dir, 'in.pfx'), '-passin', 'env:PFX_PASSWORD'],
      password,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A `.pfx` made by `openssl pkcs12 -export`, a second, independent producer next to forge.
 * `legacy` gives `-legacy -certpbe PBE-SHA1-RC2-40 -keypbe PBE-SHA1-3DES`.
 */
export function opensslPfx(options: {
  keyPem: string;
  certPem: string;
  caPems?: string[];
  password: string;
  legacy?: boolean;
}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'pfx-export-'));
  try {
    writeFileSync(join(dir, 'key.pem'), options.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'cert.pem'), options.certPem);
    const args = ['pkcs12', '-export', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'cert.pem')];
    if (options.caPems?.length) {
      writeFileSync(join(dir, 'ca.pem'), options.caPems.join('\n'));
      args.push('-certfile', join(dir, 'ca.pem'));
    }
    if (options.legacy)
      args.push('-legacy', '-certpbe', 'PBE-SHA1-RC2-40', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1');
    args.push('-passout', 'env:PFX_PASSWORD', '-out', join(dir, 'out.pfx'));
    runOpenssl(args, options.password);
    return readFileSync(join(dir, 'out.pfx'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A self-signed certificate for any key type forge cannot sign with (EC, Ed25519), e.g. `/CN=QlikClient`. */
export function opensslSelfSignedCertificate(keyPem: string, subject: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cert-req-'));
  try {
    writeFileSync(join(dir, 'key.pem'), keyPem, { mode: 0o600 });
    const args = ['req', '-x509', '-new', '-key', join(dir, 'key.pem'), '-subj', subject, '-days', '365'];
    runOpenssl([...args, '-out', join(dir, 'cert.pem')], '');
    return readFileSync(join(dir, 'cert.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
