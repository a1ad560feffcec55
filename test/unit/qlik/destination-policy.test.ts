import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  classifyAddress,
  destinationProblem,
  destinationPolicySettings,
  DestinationRefusedError,
  pinnedConnectOptions,
  pinnedLookup,
  setHostResolver,
} from '#lib/qlik/destination-policy.ts';

const strict = destinationPolicySettings({});
const withLoopback = destinationPolicySettings({ KPIMAILER_ALLOW_LOOPBACK_QLIK: 'true' });

describe('destination policy', () => {
  afterEach(() => {
    setHostResolver(undefined);
    process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK = 'true';
  });

  describe('address classes', () => {
    it.each([
      ['169.254.169.254', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['127.0.0.1', 'loopback'],
      ['127.200.1.1', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['64:ff9b::127.0.0.1', 'loopback'],
      ['169.254.1.1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['febf::1', 'link-local'],
      ['::ffff:169.254.169.254', 'metadata'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['[::1]', 'loopback'],
    ])('%s is %s', (address, kind) => {
      expect(classifyAddress(address)).toBe(kind);
    });

    it.each([
      '10.0.0.8',
      '192.168.1.10',
      '172.16.5.5',
      '100.64.0.1',
      '8.8.8.8',
      'fd12:3456::1',
      '2001:db8::1',
      'fec0::1',
    ])('%s is an ordinary address (customers run Qlik on private networks)', (address) => {
      expect(classifyAddress(address)).toBeNull();
    });
  });

  describe('Qlik Cloud hosts', () => {
    it.each([
      ['https://acme.eu.qlikcloud.com', null],
      ['https://acme.us.qlikcloudgov.com', null],
      ['https://acme.eu.qlikcloud.com:443', null],
      ['https://acme.eu.qlikcloud.com:8443', /port 443/],
      ['https://qlikcloud.com', /not a Qlik Cloud address/],
      ['https://evilqlikcloud.com', /not a Qlik Cloud address/],
      ['https://acme.qlikcloud.com.evil.example', /not a Qlik Cloud address/],
      ['https://8.8.8.8', /not a Qlik Cloud address/],
    ])('%s', async (url, expected) => {
      setHostResolver(async () => [{ address: '34.1.2.3', family: 4 }]);
      const problem = await destinationProblem('cloud', url, undefined, strict);
      if (expected === null) expect(problem).toBeNull();
      else expect(problem).toMatch(expected);
    });

    it('admits an operator-listed custom domain and its sub-domains, or only sub-domains for a leading dot', async () => {
      setHostResolver(async () => [{ address: '34.1.2.3', family: 4 }]);
      const settings = destinationPolicySettings({
        KPIMAILER_QLIK_CLOUD_HOSTS: 'Qlik.Example.com,.tenants.example.net',
      });

      expect(await destinationProblem('cloud', 'https://qlik.example.com', undefined, settings)).toBeNull();
      expect(await destinationProblem('cloud', 'https://eu.qlik.example.com', undefined, settings)).toBeNull();
      expect(await destinationProblem('cloud', 'https://a.tenants.example.net', undefined, settings)).toBeNull();
      expect(await destinationProblem('cloud', 'https://tenants.example.net', undefined, settings)).toMatch(
        /not a Qlik Cloud address/,
      );
    });

    it('refuses a listed name that resolves to a metadata address', async () => {
      setHostResolver(async () => [{ address: '169.254.169.254', family: 4 }]);

      expect(await destinationProblem('cloud', 'https://acme.eu.qlikcloud.com', undefined, withLoopback)).toMatch(
        /metadata/,
      );
    });

    it('admits an unlisted name on any port only while loopback is allowed and it resolves to loopback alone', async () => {
      setHostResolver(async () => [{ address: '127.0.0.1', family: 4 }]);
      expect(await destinationProblem('cloud', 'https://localhost:8443', undefined, withLoopback)).toBeNull();
      expect(await destinationProblem('cloud', 'https://localhost:8443', undefined, strict)).toMatch(
        /not a Qlik Cloud address/,
      );

      setHostResolver(async () => [{ address: '10.1.1.1', family: 4 }]);
      expect(await destinationProblem('cloud', 'https://sim.local:8443', undefined, withLoopback)).toMatch(
        /not a Qlik Cloud address/,
      );
    });
  });

  describe('on-premise hosts', () => {
    it('accepts private addresses and names that do not resolve here', async () => {
      setHostResolver(async () => {
        throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
      });

      expect(await destinationProblem('onprem', 'https://10.20.30.40', undefined, strict)).toBeNull();
      expect(await destinationProblem('onprem', 'https://qlik.corp.internal', undefined, strict)).toBeNull();
    });

    it('refuses a name when any of its addresses is forbidden', async () => {
      setHostResolver(async () => [
        { address: '10.0.0.5', family: 4 },
        { address: 'fe80::5', family: 6 },
      ]);

      expect(await destinationProblem('onprem', 'https://qlik.corp.internal', undefined, strict)).toMatch(
        /qlik\.corp\.internal \(fe80::5\).*link-local/,
      );
    });

    it('lets loopback through only with the switch, and never link-local', async () => {
      expect(await destinationProblem('onprem', 'https://127.0.0.1', undefined, strict)).toMatch(
        /loopback.*KPIMAILER_ALLOW_LOOPBACK_QLIK/,
      );
      expect(await destinationProblem('onprem', 'https://127.0.0.1', undefined, withLoopback)).toBeNull();
      expect(await destinationProblem('onprem', 'https://169.254.169.254', undefined, withLoopback)).toMatch(
        /metadata/,
      );
    });
  });

  describe('at connect time', () => {
    it('hands the socket exactly the address it checked', async () => {
      setHostResolver(async () => [
        { address: '10.9.8.7', family: 4 },
        { address: 'fd00::7', family: 6 },
      ]);
      const lookup = pinnedLookup('onprem');

      const one = await new Promise((resolve) =>
        lookup('qlik.corp', { family: 4 }, (error, address, family) => resolve({ error, address, family })),
      );
      const all = await new Promise((resolve) =>
        lookup('qlik.corp', { all: true }, (error, addresses) => resolve({ error, addresses })),
      );

      expect(one).toEqual({ error: null, address: '10.9.8.7', family: 4 });
      expect(all).toEqual({
        error: null,
        addresses: [
          { address: '10.9.8.7', family: 4 },
          { address: 'fd00::7', family: 6 },
        ],
      });
    });

    it('refuses a connection whose name resolves to a forbidden address, before any packet is sent', async () => {
      delete process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK;
      setHostResolver(async () => [{ address: '127.0.0.1', family: 4 }]);

      const error = await new Promise<Error>((resolve) => {
        const socket = connect({
          host: 'rebound.example',
          port: 9,
          ...pinnedConnectOptions('onprem', 'rebound.example', 9),
        });
        socket.once('error', resolve);
      });

      expect(error).toBeInstanceOf(DestinationRefusedError);
      expect(error.message).toMatch(/rebound\.example \(127\.0\.0\.1\).*loopback/);
    });

    it('refuses a literal address at once (a literal never reaches a lookup)', () => {
      expect(() => pinnedConnectOptions('onprem', '169.254.169.254', 443)).toThrow(DestinationRefusedError);
      expect(() => pinnedConnectOptions('cloud', '[fd00:ec2::254]', 443)).toThrow(/metadata/);
    });
  });
});
