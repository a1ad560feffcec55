import { describe, expect, it } from 'vitest';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import type { QrsServerNodeConfiguration, QrsVirtualProxyConfig } from '#lib/qlik/onprem/qrs-types.ts';
import {
  describeDrift,
  desiredVirtualProxy,
  driftedFields,
  withDesired,
} from '#lib/qlik/onprem/virtual-proxy-settings.ts';

const connection = { url: 'https://qlik.example.com', userDirectory: 'INTERNAL' } as OnPremConnection;
const nodes = [
  { id: 'n1', name: 'QLIKSERVER', hostName: 'qlikserver', engineEnabled: true },
  { id: 'n2', name: 'QLIKRIM', hostName: 'qlikrim', engineEnabled: true },
] as QrsServerNodeConfiguration[];
const desired = desiredVirtualProxy(connection, nodes, 'kpimailer');

const correct = (): QrsVirtualProxyConfig => ({
  ...desired.entity,
  id: 'vp',
  modifiedDate: '2024-01-01T00:00:00.000Z',
  loadBalancingServerNodes: [{ id: 'n2' }, { id: 'n1' }],
  websocketCrossOriginWhiteList: ['other.example.com', 'QLIK.EXAMPLE.COM'],
});

describe('kpimailer virtual proxy settings', () => {
  it('wants ticket authentication without header fields, the engine nodes and the URL host', () => {
    expect(desired.entity).toMatchObject({
      prefix: 'kpimailer',
      sessionCookieHeaderName: 'X-Qlik-Session-kpimailer',
      authenticationMethod: 0,
      anonymousAccessMode: 0,
      loadBalancingServerNodes: [{ id: 'n1' }, { id: 'n2' }],
      websocketCrossOriginWhiteList: ['qlik.example.com'],
    });
    expect(Object.keys(desired.entity).filter((key) => key.startsWith('headerAuthentication'))).toEqual([]);
  });

  it('finds nothing to change on a correct proxy, whatever the order and letter case', () => {
    expect(driftedFields(correct(), desired)).toEqual([]);
  });

  it('names every drifted field', () => {
    const drifted = {
      ...correct(),
      authenticationMethod: 1,
      anonymousAccessMode: 1,
      loadBalancingServerNodes: [],
      websocketCrossOriginWhiteList: ['other.example.com'],
    };

    expect(driftedFields(drifted, desired)).toEqual([
      'authenticationMethod',
      'anonymousAccessMode',
      'loadBalancingServerNodes',
      'websocketCrossOriginWhiteList',
    ]);
  });

  it("leaves an admin's deliberate choice of load balancing nodes alone", () => {
    expect(driftedFields({ ...correct(), loadBalancingServerNodes: [{ id: 'n2' }] }, desired)).toEqual([]);
  });

  it('treats every authentication method but ticket as drift and says what it was', () => {
    for (const [method, name] of [
      [1, 'header'],
      [2, 'header'],
      [3, 'SAML'],
      [4, 'JWT'],
      [5, 'OIDC'],
    ] as const) {
      const current = { ...correct(), authenticationMethod: method };
      expect(driftedFields(current, desired)).toEqual(['authenticationMethod']);
      expect(describeDrift(current, ['authenticationMethod'])).toEqual([
        `authentication changed from ${name} to ticket`,
      ]);
    }
  });

  it('clears the header-authentication fields when it switches a header proxy to ticket', () => {
    const header = {
      ...correct(),
      authenticationMethod: 1,
      headerAuthenticationMode: 1,
      headerAuthenticationHeaderName: 'X-KPImailer-User',
      headerAuthenticationStaticUserDirectory: 'INTERNAL',
    };

    expect(withDesired(header, desired, ['authenticationMethod'])).toMatchObject({
      id: 'vp',
      modifiedDate: header.modifiedDate,
      authenticationMethod: 0,
      headerAuthenticationMode: 0,
      headerAuthenticationHeaderName: '',
      headerAuthenticationStaticUserDirectory: '',
    });
  });

  it('changes only the drifted fields, keeps the rest of the entity and adds our host to the admin list', () => {
    const current = {
      ...correct(),
      description: 'edited by an admin',
      websocketCrossOriginWhiteList: ['other.example.com'],
      extra: 42,
    };

    const next = withDesired(current, desired, ['websocketCrossOriginWhiteList']);

    expect(next).toEqual({ ...current, websocketCrossOriginWhiteList: ['other.example.com', 'qlik.example.com'] });
  });
});
