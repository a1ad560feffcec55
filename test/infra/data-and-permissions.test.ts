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

const SERVER_STATE_WRITES = ['state#onprem', 'state#cloud'];

/** The statements of a role that allow any of `actions`. */
function statementsWith(role: string, actions: string[]) {
  return policyStatements(synthesized.resources, role).filter((statement) =>
    asArray(statement.Action).some((action) => actions.includes(action)),
  );
}

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
    // servers, apps, reload events, executions, audit
    expect(tables).toHaveLength(5);
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

  it('lets the settings API manage the server secrets and the fingerprint key, never the webhook signing secrets', () => {
    // Prepare
    const role = roleOf('settingsApi');
    const serverSecrets = ['cloud', 'onprem'].map(secretArn).sort();
    const tables = [synthesized.stack.tables.apps, synthesized.stack.tables.servers].map(
      (table) => `<${logicalIdOf(table)}.Arn>`,
    );
    const reloadEvents = `<${logicalIdOf(synthesized.stack.reloadEvents.table)}.Arn>`;
    const audit = `<${logicalIdOf(synthesized.stack.tables.audit)}.Arn>`;
    const notAudit = (arn: string) => !arn.startsWith(audit);
    // The executions table (submit, read, live counts) and its queued-by-server index.
    const executions = `<${logicalIdOf(synthesized.stack.extractions.table)}.Arn>`;
    const ofExecutions = (arn: string) => arn === executions || arn.startsWith(`${executions}/index`);

    // Assess
    for (const action of [...SECRET_READ, ...SECRET_WRITE]) {
      expect(resourcesFor(role, action), action).toEqual([...serverSecrets, secretArn('fingerprint-key')].sort());
    }
    for (const action of SECRET_DELETE) expect(resourcesFor(role, action), action).toEqual(serverSecrets);
    for (const action of [...SECRET_READ, ...SECRET_WRITE, ...SECRET_DELETE]) {
      expect(resourcesFor(role, action), action).not.toContain(secretArn('cloud-webhook'));
    }
    for (const action of TABLE_READ_WRITE)
      expect(
        resourcesFor(role, action).filter((arn) => arn !== reloadEvents && notAudit(arn) && !ofExecutions(arn)),
        action,
      ).toEqual(tables.sort());
    // The audit trail: append and read (table and all-servers index), never update or delete.
    expect(resourcesFor(role, 'dynamodb:PutItem')).toContain(audit);
    expect(resourcesFor(role, 'dynamodb:Query')).toEqual(expect.arrayContaining([audit, `${audit}/index/all-servers`]));
    for (const action of TABLE_READ_WRITE.filter((a) => !['dynamodb:Query', 'dynamodb:PutItem'].includes(a))) {
      expect(
        resourcesFor(role, action).filter((arn) => !notAudit(arn)),
        action,
      ).toEqual([]);
    }
    // Plus reading the reload history (GET /api/servers/{id}/reloads), and nothing else on that table.
    expect(resourcesFor(role, 'dynamodb:Query')).toContain(reloadEvents);
    for (const action of TABLE_READ_WRITE.filter((a) => a !== 'dynamodb:Query'))
      expect(resourcesFor(role, action), action).not.toContain(reloadEvents);
  });

  it('lets the connection test read the credentials, write only the webhook secrets and the fingerprint key, and write only state items and its lease', () => {
    // Prepare
    const role = roleOf('testConnection');
    const servers = `<${logicalIdOf(synthesized.stack.tables.servers)}.Arn>`;
    const itemWrites = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    const audit = `<${logicalIdOf(synthesized.stack.tables.audit)}.Arn>`;

    // Assess
    for (const action of SECRET_READ) {
      expect(resourcesFor(role, action), action).toEqual(
        ['cloud', 'cloud-webhook', 'fingerprint-key', 'onprem'].map(secretArn).sort(),
      );
    }
    for (const action of SECRET_WRITE)
      expect(resourcesFor(role, action), action).toEqual(['cloud-webhook', 'fingerprint-key'].map(secretArn));
    for (const action of SECRET_DELETE) expect(resourcesFor(role, action), action).toEqual([]);
    for (const action of TABLE_READ_WRITE) {
      expect(
        resourcesFor(role, action).filter((arn) => !arn.startsWith(audit)),
        action,
      ).toEqual([servers]);
    }
    // Tests and webhook provisioning are appended to the audit trail; nothing else touches it.
    expect(resourcesFor(role, 'dynamodb:PutItem').filter((arn) => arn.startsWith(audit))).toEqual(
      expect.arrayContaining([audit]),
    );
    for (const action of TABLE_READ_WRITE.filter((a) => a !== 'dynamodb:PutItem')) {
      expect(
        resourcesFor(role, action).filter((arn) => arn.startsWith(audit)),
        action,
      ).toEqual([]);
    }
    const writes = statementsWith(role, itemWrites).filter((statement) =>
      asArray(statement.Resource).map(flatten).includes(servers),
    );
    expect(writes).toHaveLength(1);
    expect(writes[0]!.Condition).toEqual({
      'ForAllValues:StringLike': {
        'dynamodb:LeadingKeys': [...SERVER_STATE_WRITES, 'lease#cloud-webhook-provisioning'],
      },
    });
  });

  it('narrows every table write outside the settings API to the items the function owns (dynamodb:LeadingKeys)', () => {
    // Prepare
    const { reloadEvents, scheduledSync } = synthesized.stack;
    const roles = {
      testConnection: roleOf('testConnection'),
      receiver: logicalIdOf(reloadEvents.receiver.role),
      monitor: logicalIdOf(reloadEvents.monitor.role),
      scheduledSync: logicalIdOf(scheduledSync.sync.role),
    };
    const servers = `<${logicalIdOf(synthesized.stack.tables.servers)}.Arn>`;
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    const leadingKeys = (statement: { Condition?: Record<string, Record<string, unknown>> }) =>
      asArray(
        statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string | string[] | undefined,
      );

    // Assess: no function but the settings API may write a settings item (`onprem`, `cloud`) of the servers table
    for (const [name, role] of Object.entries(roles)) {
      for (const statement of statementsWith(role, writes)) {
        if (!asArray(statement.Resource).map(flatten).includes(servers)) continue;
        expect(leadingKeys(statement), name).not.toEqual([]);
        for (const key of leadingKeys(statement)) expect(key, name).toMatch(/^(state#|lease#)/);
      }
    }
    // The receiver touches only Qlik Cloud's items, in every table.
    for (const statement of statementsWith(roles.receiver, [...writes, 'dynamodb:GetItem'])) {
      expect(leadingKeys(statement).length, JSON.stringify(statement.Resource)).toBeGreaterThan(0);
      for (const key of leadingKeys(statement))
        expect(key).toMatch(/^(cloud|state#cloud|event#cloud#\*|reloads#cloud)$/);
    } // The monitor appends the webhooks it re-creates or repairs to the audit trail, and does nothing else there.
    const audit = `<${logicalIdOf(synthesized.stack.tables.audit)}.Arn>`;
    expect(resourcesFor(roles.monitor, 'dynamodb:PutItem')).toContain(audit);
    for (const action of TABLE_READ_WRITE.filter((a) => a !== 'dynamodb:PutItem')) {
      expect(
        resourcesFor(roles.monitor, action).filter((arn) => arn.startsWith(audit)),
        action,
      ).toEqual([]);
    }
  });

  it('keeps the audit trail append-only with a 400-day TTL', () => {
    const audit = synthesized.resources[logicalIdOf(synthesized.stack.tables.audit)];
    expect(audit?.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'serverId', KeyType: 'HASH' },
        { AttributeName: 'entryKey', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [expect.objectContaining({ IndexName: 'all-servers' })],
    });
    const auditArn = `<${logicalIdOf(synthesized.stack.tables.audit)}.Arn>`;
    for (const statement of policyStatements(synthesized.resources)) {
      if (
        !asArray(statement.Resource)
          .map(flatten)
          .some((arn) => arn.startsWith(auditArn))
      )
        continue;
      for (const action of asArray(statement.Action)) expect(['dynamodb:PutItem', 'dynamodb:Query']).toContain(action);
    }
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
