/**
 * DynamoDB or Secrets Manager throttling us (after the SDK's own retries) is "try again shortly", not a bug: the API
 * answers 503 with Retry-After, through the real settings API handler on mocked SDK clients.
 */
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSettingsApiHandler } from '#lib/api/settings-api.ts';
import { AWS_CLIENT_TIMEOUTS, createDocumentClient } from '#lib/aws/clients.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import { ServerService } from '#lib/servers/server-service.ts';
import { callApi } from '#test/support/api-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const handler = createSettingsApiHandler(() => ({
  servers: new ServerService({
    servers: new DynamoDbServerStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'servers'),
    secrets: new SecretsManagerSecretStore(new SecretsManagerClient({}), { namePrefix: 'kpimailer/test' }),
  }),
  // These requests fail before anything is changed, so nothing reaches the trail.
  audit: { record: async () => undefined },
}));
const meta = { httpStatusCode: 400, attempts: 3 };

describe('a throttled AWS dependency', () => {
  beforeEach(() => {
    dynamo.reset();
    secrets.reset();
  });

  it('answers 503 with Retry-After when DynamoDB throttles', async () => {
    dynamo.on(GetCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: 'Rate of requests exceeds the allowed throughput.',
        $metadata: meta,
      }),
    );

    const response = await callApi(handler, 'GET', '/api/servers');

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ status: 503, title: 'Service busy' });
    expect(response.body).not.toContain('throughput');
  });

  it('answers 503 with Retry-After when Secrets Manager throttles', async () => {
    dynamo.on(GetCommand).resolves({
      Item: {
        id: 'cloud',
        type: 'cloud',
        version: 1,
        secret: { arn: 'arn:secret', versionId: 'v1' },
        settings: { url: 'https://acme.eu.qlikcloud.com' },
      },
    });
    secrets.on(GetSecretValueCommand).rejects(
      new SecretsManagerServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: meta,
      }),
    );

    const response = await callApi(handler, 'PUT', '/api/servers/cloud', {
      body: {
        version: 1,
        displayName: 'Cloud',
        url: 'https://acme.eu.qlikcloud.com',
        oauthClientId: 'abc',
        webIntegrationId: 'Wm8n3eiwyPmG',
      },
    });

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
  });

  it('still answers 500 for a failure that is not throttling', async () => {
    dynamo.on(GetCommand).rejects(new Error('a bug'));

    expect((await callApi(handler, 'GET', '/api/servers')).status).toBe(500);
  });

  it('gives every SDK client connection and request timeouts', async () => {
    const client = createDocumentClient();
    const handlerConfig = await (
      client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> }
    ).configProvider;

    expect(handlerConfig).toMatchObject({
      connectionTimeout: AWS_CLIENT_TIMEOUTS.connectionTimeout,
      requestTimeout: AWS_CLIENT_TIMEOUTS.requestTimeout,
    });
  });
});
