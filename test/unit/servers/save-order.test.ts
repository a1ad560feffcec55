import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import { ServerService } from '#lib/servers/server-service.ts';
import { ConflictError } from '#lib/errors.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const draft = {
  displayName: 'Cloud',
  url: 'https://acme.eu.qlikcloud.com',
  oauthClientId: 'abc',
  webIntegrationId: 'Wm8n3eiwyPmG',
  oauthClientSecret: 'the-secret',
};
const stored = {
  id: 'cloud',
  type: 'cloud',
  version: 1,
  createdAt: 'x',
  updatedAt: 'x',
  secret: { arn: 'arn:secret', versionId: 'v1' },
  settings: { ...draft, oauthClientSecret: undefined, maxParallelExecutions: 4 },
  hasClientSecret: true,
};

function service() {
  return new ServerService({
    servers: new DynamoDbServerStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'servers'),
    secrets: new SecretsManagerSecretStore(new SecretsManagerClient({}), { namePrefix: 'kpimailer/test' }),
    // The deployment's key lives in its own secret; these specs are about the server secret's order of writes.
    fingerprintKey: async () => Buffer.alloc(32, 7),
  });
}

describe('the save algorithm', () => {
  beforeEach(() => {
    dynamo.reset();
    secrets.reset();
    dynamo.on(GetCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
  });

  it('creates the secret first, then writes settings that must not exist yet', async () => {
    // Prepare
    secrets.on(CreateSecretCommand).resolves({ ARN: 'arn:new', VersionId: 'v1' });
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ['AWSCURRENT'] } });
    dynamo.on(PutCommand).resolves({});

    // Act
    await service().save('cloud', draft);

    // Assess
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, { Name: 'kpimailer/test/cloud' });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'attribute_not_exists(id)',
      Item: expect.objectContaining({ version: 1, secret: { arn: 'arn:new', versionId: 'v1' } }),
    });
    const item = dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item;
    expect(JSON.stringify(item)).not.toContain('the-secret');
  });

  it('stages a changed secret without making it current, and promotes it only after the settings write', async () => {
    // Prepare
    dynamo.on(GetCommand, { Key: { id: 'cloud' } }).resolves({ Item: stored });
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ kind: 'cloud', clientSecret: 'old-secret' }) });
    secrets.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    secrets.on(PutSecretValueCommand).resolves({ ARN: 'arn:secret', VersionId: 'v2' });
    secrets
      .on(DescribeSecretCommand)
      .resolves({ VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['KPIMAILER_STAGED'] } });
    dynamo.on(PutCommand).resolves({});

    // Act
    await service().save('cloud', { ...draft, version: 1 });

    // Assess
    expect(secrets).toHaveReceivedCommandWith(PutSecretValueCommand, { VersionStages: ['KPIMAILER_STAGED'] });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: '#version = :expected',
      ExpressionAttributeValues: { ':expected': 1 },
    });
    expect(secrets).toHaveReceivedCommandWith(UpdateSecretVersionStageCommand, {
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: 'v2',
      RemoveFromVersionId: 'v1',
    });
  });

  it('leaves AWSCURRENT where it was when the settings write loses a race', async () => {
    // Prepare
    dynamo.on(GetCommand, { Key: { id: 'cloud' } }).resolves({ Item: stored });
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ kind: 'cloud', clientSecret: 'old-secret' }) });
    secrets.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    secrets.on(PutSecretValueCommand).resolves({ ARN: 'arn:secret', VersionId: 'v2' });
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));

    // Act
    const saving = service().save('cloud', { ...draft, version: 1 });

    // Assess
    await expect(saving).rejects.toBeInstanceOf(ConflictError);
    expect(secrets).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
  });

  it('writes no new secret version when only non-secret settings change', async () => {
    dynamo.on(GetCommand, { Key: { id: 'cloud' } }).resolves({ Item: stored });
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ kind: 'cloud', clientSecret: 'the-secret' }) });
    dynamo.on(PutCommand).resolves({});

    await service().save('cloud', { ...draft, displayName: 'Renamed', oauthClientSecret: '', version: 1 });

    expect(secrets).not.toHaveReceivedCommand(PutSecretValueCommand);
    expect(secrets).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ secret: { arn: 'arn:secret', versionId: 'v1' }, version: 2 }),
    });
  });
});
