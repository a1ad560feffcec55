import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import { ServerService } from '#lib/servers/server-service.ts';
import { startTestAws, type TestAws } from '#test/support/aws.ts';
import { cloudDraft } from '#test/support/server-drafts.ts';

describe('deleting a server keeps its secret recoverable', () => {
  let aws: TestAws;
  let service: ServerService;

  beforeAll(async () => {
    aws = await startTestAws();
    service = new ServerService({
      servers: new DynamoDbServerStore(aws.documentClient, aws.serversTableName),
      secrets: new SecretsManagerSecretStore(aws.secretsClient, { namePrefix: aws.secretNamePrefix }),
    });
  });
  afterAll(async () => aws?.close());

  it('schedules the secret for deletion in 7 days instead of destroying it, and a new save restores it', async () => {
    // Prepare
    await service.save('cloud', cloudDraft());

    // Act
    await service.delete('cloud');
    const described = await aws.secretsClient.send(
      new DescribeSecretCommand({ SecretId: `${aws.secretNamePrefix}/cloud` }),
    );
    const saved = await service.save('cloud', cloudDraft({ oauthClientSecret: 'a-new-client-secret-0123456789' }));

    // Assess
    const days = (described.DeletedDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect(saved).toMatchObject({ configured: true, hasClientSecret: true });
    const restored = await aws.secretsClient.send(
      new DescribeSecretCommand({ SecretId: `${aws.secretNamePrefix}/cloud` }),
    );
    expect(restored.DeletedDate).toBeUndefined();
    expect((await service.loadWithSecret('cloud'))?.secret).toMatchObject({
      clientSecret: 'a-new-client-secret-0123456789',
    });
  });
});
