import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SynthesizedStack,
  asArray,
  flatten,
  grantsOf,
  logicalIdOf,
  policyStatements,
  resourcesOfType,
  synthesizeStack,
} from './synthesized-stack.ts';

let synthesized: SynthesizedStack;
beforeAll(() => {
  synthesized = synthesizeStack();
});
afterAll(() => synthesized?.dispose());

const secretArn = (name: string) =>
  `arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:kpimailer/KpimailerQlik/${name}-??????`;

const SECRET_READ = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
const SECRET_WRITE = [
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:TagResource',
];
const SECRET_DELETE = ['secretsmanager:DeleteSecret', 'secretsmanager:RestoreSecret'];
const TABLE_READ_WRITE = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

function roleOf(fn: 'settingsApi' | 'testConnection' | 'adminUi'): string {
  return logicalIdOf(synthesized.stack[fn].role);
}

/** Resources (flattened) the role may use `action` on; empty when it may not. */
function resourcesFor(role: string, action: string): string[] {
  return [...(grantsOf(synthesized.resources, role).get(action) ?? [])].sort();
}

describe('DynamoDB tables', () => {
  it('keys the servers table by id and expires its leases through expiresAt', () => {
    synthesized.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('keys the apps table by serverId and appId, without TTL', () => {
    const apps = synthesized.resources[logicalIdOf(synthesized.stack.tables.apps)];
    expect(apps?.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'serverId', KeyType: 'HASH' },
        { AttributeName: 'appId', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'serverId', AttributeType: 'S' },
        { AttributeName: 'appId', AttributeType: 'S' },
      ],
    });
    expect(apps?.Properties?.TimeToLiveSpecification).toBeUndefined();
  });

  it('makes every table on-demand, recoverable to a point in time, KMS-encrypted and retained', () => {
    const tables = resourcesOfType(synthesized.resources, 'AWS::DynamoDB::Table');
    // servers, apps, reload events, executions
    expect(tables).toHaveLength(4);
    for (const [id, table] of tables) {
      expect(table.Properties, id).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled without a key id: the AWS-managed key aws/dynamodb.
        SSESpecification: { SSEEnabled: true },
      });
      expect((table.Properties?.SSESpecification as Record<string, unknown>).KMSMasterKeyId, id).toBeUndefined();
      expect(table.DeletionPolicy, id).toBe('Retain');
      expect(table.UpdateReplacePolicy, id).toBe('Retain');
    }
  });
});

describe('secrets key', () => {
  it('rotates and outlives the stack', () => {
    synthesized.template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
  });

  it('names the secret prefix and the key in every state-owning function', () => {
    for (const fn of [synthesized.stack.settingsApi, synthesized.stack.testConnection]) {
      const variables = synthesized.resources[logicalIdOf(fn.function)]?.Properties?.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(variables.Variables.SECRET_NAME_PREFIX).toBe('kpimailer/KpimailerQlik');
      expect(flatten(variables.Variables.SECRETS_KMS_KEY_ID)).toBe(
        `<${logicalIdOf(synthesized.stack.secrets.key)}.Arn>`,
      );
    }
  });
});

describe('IAM least privilege', () => {
  it('never grants secretsmanager, dynamodb or kms actions on "*"', () => {
    for (const statement of policyStatements(synthesized.resources)) {
      const scoped = asArray(statement.Action).filter((action) => /^(secretsmanager|dynamodb|kms):/.test(action));
      if (scoped.length === 0) continue;
      for (const resource of asArray(statement.Resource).map(flatten)) {
        expect(resource, scoped.join(',')).not.toBe('*');
        // The only wildcard CDK may add for tables is the index ARN suffix; Secrets Manager ARNs end in "-??????".
        expect(resource.replace(/\/index\/\*$/, ''), scoped.join(',')).not.toContain('*');
      }
    }
  });

  it('uses "*" only for the X-Ray actions that support no resource-level permissions', () => {
    for (const statement of policyStatements(synthesized.resources)) {
      if (!asArray(statement.Resource).some((resource) => flatten(resource) === '*')) continue;
      expect(asArray(statement.Action).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('attaches no managed policy to any role (each function writes only its own log group)', () => {
    for (const [id, role] of resourcesOfType(synthesized.resources, 'AWS::IAM::Role')) {
      expect(role.Properties?.ManagedPolicyArns, id).toBeUndefined();
    }
    for (const fn of ['settingsApi', 'testConnection', 'adminUi'] as const) {
      const logGroup = logicalIdOf(synthesized.stack[fn].logGroup);
      expect(resourcesFor(roleOf(fn), 'logs:PutLogEvents'), fn).toEqual([`<${logGroup}.Arn>`]);
    }
  });

  it('lets the settings API manage all three secrets and use both tables', () => {
    // Prepare
    const role = roleOf('settingsApi');
    const allSecrets = ['cloud', 'cloud-webhook', 'onprem'].map(secretArn).sort();
    const tables = [synthesized.stack.tables.apps, synthesized.stack.tables.servers].map(
      (table) => `<${logicalIdOf(table)}.Arn>`,
    );
    const reloadEvents = `<${logicalIdOf(synthesized.stack.reloadEvents.table)}.Arn>`;
    // The executions table (submit, read, live counts) and its queued-by-server index.
    const executions = `<${logicalIdOf(synthesized.stack.extractions.table)}.Arn>`;
    const ofExecutions = (arn: string) => arn === executions || arn.startsWith(`${executions}/index`);

    // Assess
    for (const action of [...SECRET_READ, ...SECRET_WRITE, ...SECRET_DELETE]) {
      expect(resourcesFor(role, action), action).toEqual(allSecrets);
    }
    for (const action of TABLE_READ_WRITE) expect(resourcesFor(role, action).filter((arn) => arn !== reloadEvents && !ofExecutions(arn)), action).toEqual(tables.sort());
    // Plus reading the reload history (GET /api/servers/{id}/reloads), and nothing else on that table.
    expect(resourcesFor(role, 'dynamodb:Query')).toContain(reloadEvents);
    for (const action of TABLE_READ_WRITE.filter((a) => a !== 'dynamodb:Query')) expect(resourcesFor(role, action), action).not.toContain(reloadEvents);
  });

  it('lets the connection test read the credentials, write only the webhook secret and use only the servers table', () => {
    // Prepare
    const role = roleOf('testConnection');
    const servers = `<${logicalIdOf(synthesized.stack.tables.servers)}.Arn>`;

    // Assess
    for (const action of SECRET_READ) {
      expect(resourcesFor(role, action), action).toEqual(['cloud', 'cloud-webhook', 'onprem'].map(secretArn).sort());
    }
    for (const action of SECRET_WRITE) expect(resourcesFor(role, action), action).toEqual([secretArn('cloud-webhook')]);
    for (const action of SECRET_DELETE) expect(resourcesFor(role, action), action).toEqual([]);
    for (const action of TABLE_READ_WRITE) expect(resourcesFor(role, action), action).toEqual([servers]);
  });

  it('gives the admin UI nothing beyond its logs and traces', () => {
    const actions = [...grantsOf(synthesized.resources, roleOf('adminUi')).keys()].sort();
    expect(actions).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('lets KMS be used only through Secrets Manager, and only for the service secrets', () => {
    // Prepare
    const keyArn = `<${logicalIdOf(synthesized.stack.secrets.key)}.Arn>`;
    const kmsStatements = policyStatements(synthesized.resources).filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('kms:')),
    );

    // Assess
    expect(kmsStatements.length).toBeGreaterThan(0);
    for (const statement of kmsStatements) {
      expect(asArray(statement.Resource).map(flatten)).toEqual([keyArn]);
      expect(flatten(statement.Condition?.StringEquals?.['kms:ViaService'])).toBe(
        'secretsmanager.<AWS::Region>.amazonaws.com',
      );
      const contexts = asArray(statement.Condition?.StringLike?.['kms:EncryptionContext:SecretARN']).map(flatten);
      expect(contexts.length).toBeGreaterThan(0);
      for (const context of contexts) expect(context).toMatch(/:secret:kpimailer\/KpimailerQlik\/[a-z-]+-\?{6}$/);
    }
  });
});
