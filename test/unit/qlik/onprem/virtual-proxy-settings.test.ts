import { describe, expect, it } from 'vitest';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import type { QrsServerNodeConfiguration, QrsVirtualProxyConfig } from '#lib/qlik/onprem/qrs-types.ts';
import { AUTH_HEADER_NAME, desiredVirtualProxy, driftedFields, withDesired } from '#lib/qlik/onprem/virtual-proxy-settings.ts';

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
  it('wants header authentication with a static directory, the engine nodes and the URL host', () => {
    expect(desired.entity).toMatchObject({
      prefix: 'kpimailer',
      sessionCookieHeaderName: 'X-Qlik-Session-kpimailer',
      authenticationMethod: 1,
      headerAuthenticationMode: 1,
      headerAuthenticationHeaderName: AUTH_HEADER_NAME,
      headerAuthenticationStaticUserDirectory: 'INTERNAL',
      anonymousAccessMode: 0,
      loadBalancingServerNodes: [{ id: 'n1' }, { id: 'n2' }],
      websocketCrossOriginWhiteList: ['qlik.example.com'],
    });
  });

  it('finds nothing to change on a correct proxy, whatever the order and letter case', () => {
    expect(driftedFields(correct(), desired)).toEqual([]);
  });

  it('names every drifted field', () => {
    const drifted = {
      ...correct(),
      authenticationMethod: 0,
      headerAuthenticationHeaderName: 'X-Other',
      anonymousAccessMode: 1,
      loadBalancingServerNodes: [{ id: 'n1' }],
      websocketCrossOriginWhiteList: ['other.example.com'],
    };

    expect(driftedFields(drifted, desired)).toEqual([
      'authenticationMethod',
      'headerAuthenticationHeaderName',
      'anonymousAccessMode',
      'loadBalancingServerNodes',
      'websocketCrossOriginWhiteList',
    ]);
  });

  it('changes only the drifted fields, keeps the rest of the entity and adds our host to the admin list', () => {
    const current = { ...correct(), description: 'edited by an admin', websocketCrossOriginWhiteList: ['other.example.com'], extra: 42 };

    const next = withDesired(current, desired, ['websocketCrossOriginWhiteList']);

    expect(next).toEqual({ ...current, websocketCrossOriginWhiteList: ['other.example.com', 'qlik.example.com'] });
  });
});
