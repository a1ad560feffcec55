/**
 * What reload polling and webhook health read from Qlik, held to Qlik's published specs in ../shared/specs (outside
 * this repository, read in place). Each suite skips with a printed notice where its spec is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { closeCloudClients, getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { cloudTokenProvider, clearCloudTokenCache } from '#lib/qlik/cloud/token-provider.ts';
import { createQrsClient, type QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { appNamesById, executionResultsSince, FINAL_EXECUTION_STATUSES } from '#lib/qlik/onprem/reload-results.ts';
import { startQlikCloudSimulator, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import {
  checkResponse,
  loadQlikCloudSpecs,
  qlikCloudSpecDirectory,
} from '#test/simulators/qlik-cloud/spec-validator.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';
import {
  finishExecution,
  runExecution,
  startExecution,
} from '#test/simulators/qlik-sense-enterprise/reload-executions.ts';
import { checkQrsResponse, loadQrsSpec, qrsSpecFile } from '#test/simulators/qlik-sense-enterprise/spec-validator.ts';

type Json = Record<string, unknown>;
const qrsSpec = loadQrsSpec();
if (!qrsSpec) console.warn(`Skipping the reload polling spec checks: no spec at ${qrsSpecFile()}.`);
const cloudSpecs = loadQlikCloudSpecs();
if (!cloudSpecs) console.warn(`Skipping the webhook health spec checks: no specs at ${qlikCloudSpecDirectory()}.`);

describe.skipIf(!qrsSpec)('reload polling reads what the QRS spec describes', () => {
  let sim: QlikSenseSimulator;
  let qrs: QrsClient;

  beforeAll(async () => {
    sim = await startQlikSenseSimulator();
    qrs = createQrsClient(sim.connection());
  });
  afterAll(async () => {
    await qrs.close();
    await sim.close();
  });

  it('names the four final TaskExecutionStatus values as the spec does', () => {
    const status = qrsSpec!.definitions.TaskExecutionStatus as { enum: number[]; 'x-enumNames': string[] };
    for (const [value, name] of FINAL_EXECUTION_STATUSES)
      expect(status['x-enumNames'][status.enum.indexOf(value)]).toBe(name);
  });

  it('filters and orders /executionresult/full, and reads only ExecutionResult properties', () => {
    const operation = qrsSpec!.paths['/executionresult/full']!.get as unknown as {
      parameters: Array<{ name: string }>;
    };
    expect(operation.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['filter', 'orderby']));
    const properties = Object.keys((qrsSpec!.definitions.ExecutionResult as { properties: Json }).properties);
    expect(properties).toEqual(
      expect.arrayContaining([
        'id',
        'executionID',
        'taskID',
        'appID',
        'status',
        'startTime',
        'stopTime',
        'duration',
        'modifiedDate',
        'details',
      ]),
    );
  });

  it('gets spec-shaped answers from the simulator for the calls polling makes', async () => {
    // Prepare: executions in every state polling meets
    const app = sim.state.addApp({ name: 'Sales' });
    const task = sim.state.addReloadTask({ name: 'Reload Sales', app });
    const since = new Date(Date.now() - 60_000).toISOString();
    startExecution(sim.state, task);
    for (const status of [6, 7, 8, 11] as const) runExecution(sim.state, task, status);
    finishExecution(sim.state, startExecution(sim.state, task), 8, { message: 'Field not found' });
    sim.clearRequests();

    // Act
    await executionResultsSince(qrs, since);
    await appNamesById(qrs, [app.id]);

    // Assess
    const made = [...sim.requests];
    expect(made.map((r) => r.path.toLowerCase())).toEqual(['/qrs/executionresult/full', '/qrs/app']);
    for (const request of made) {
      const verdict = checkQrsResponse(qrsSpec!, {
        method: request.method,
        path: request.path,
        status: request.status,
        body: await bodyOf(request),
      });
      expect(verdict.problems, `${request.method} ${request.path}`).toEqual([]);
    }
  });

  /** The simulator logs requests, not bodies; the same call made again (nothing changed since) gives the body. */
  async function bodyOf(request: { method: string; path: string; query: Record<string, string> }): Promise<unknown> {
    const { filter, ...query } = request.query;
    return qrs.get(request.path, { query, ...(filter !== undefined ? { filter } : {}) });
  }
});

describe.skipIf(!cloudSpecs)('webhook health reads and patches what the webhooks spec describes', () => {
  let sim: QlikCloudSimulator;

  beforeAll(async () => {
    sim = await startQlikCloudSimulator({
      clients: [{ clientId: 'spec-client', clientSecret: 'spec-secret-0123456789abcdef' }],
    });
  });
  afterAll(async () => {
    clearCloudTokenCache();
    await closeCloudClients();
    await sim.close();
  });

  it('finds enabled, disabledReason and disabledReasonCode on a webhook, and /enabled among the patchable paths', () => {
    const webhooks = cloudSpecs!.docs.find((d) => d.file === 'webhooks.json')!.doc as unknown as {
      components: { schemas: Record<string, Json> };
    };
    const base = webhooks.components.schemas.WebhookBase as { properties: Json };
    expect(Object.keys(base.properties)).toEqual(
      expect.arrayContaining(['enabled', 'disabledReason', 'disabledReasonCode', 'eventTypes', 'url']),
    );
    const patch = webhooks.components.schemas.WebhookPatch as { properties: { path: { enum: string[] } } };
    expect(patch.properties.path.enum).toEqual(expect.arrayContaining(['/enabled', '/url', '/eventTypes', '/secret']));
  });

  it('gets a spec-shaped webhook from the simulator once Qlik disabled it', async () => {
    // Prepare
    const webhook = sim.state.webhooks.seed({
      name: 'kpimailer',
      url: 'https://kpimailer.example.com/webhooks/qlik-cloud',
      secret: 's'.repeat(40),
    });
    sim.state.webhooks.disable(webhook.id, 'Too many failed deliveries');
    const client = getCloudClient(sim.url, { ca: sim.caPem });
    const api = new QlikCloudApi(client, cloudTokenProvider(client, 'spec-client', 'spec-secret-0123456789abcdef'));

    // Act
    const body = await api.get<Json>(`/api/v1/webhooks/${webhook.id}`, { operation: 'webhooks.read' });

    // Assess
    expect(body).toMatchObject({ enabled: false, disabledReason: 'Too many failed deliveries' });
    const verdict = checkResponse(cloudSpecs!, {
      method: 'GET',
      path: `/api/v1/webhooks/${webhook.id}`,
      status: 200,
      contentType: 'application/json',
      body,
    });
    expect(verdict.problems).toEqual([]);
  });
});
