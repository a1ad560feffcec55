/**
 * The Reports API of the simulated tenant: POST /api/v1/reports (202 + Location), GET …/status (queued, processing,
 * then done or failed), GET …/outputs and GET /api/v1/temp-contents/{id} (the bytes, with the same bearer token).
 *
 * An extraction runs against the tenant from its POST until its output is downloaded (or its failure has been read,
 * or nobody came for it within `abandonAfterMs` of finishing: a crashed client); `inFlight` counts those per tenant
 * and `peakInFlight` keeps the highest count, which is how the tests prove Max parallel executions at Qlik's side.
 * Request bodies are checked against Qlik's ReportRequest schema (../shared/specs/qlik-cloud/reports.json) and the
 * template/output pairing its descriptions state; anything else is a 400 REP-400000, as Qlik answers.
 */
import { randomUUID } from 'node:crypto';
import { SimHttpError, badRequest, notFound } from '#test/simulators/qlik-cloud/sim-errors.ts';
import type { SimRequest, SimResponse, SimRoute } from '#test/simulators/qlik-cloud/routes.ts';
import { rateLimited } from '#test/simulators/qlik-cloud/state.ts';
import { checkRequestBody, loadQlikCloudSpecs } from '#test/simulators/qlik-cloud/spec-validator.ts';

const REPORT_SCOPES = ['apps.report:export'];

/** Which output type each template produces here, and the bytes it "renders". */
const TEMPLATES: Record<string, { template: string; output: string; bytes: () => Buffer; contentType: string }> = {
  'sense-image-1.0': {
    template: 'senseImageTemplate',
    output: 'image',
    contentType: 'image/png',
    bytes: () => Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
  },
  'sense-sheet-1.0': {
    template: 'senseSheetTemplate',
    output: 'pdf',
    contentType: 'application/pdf',
    bytes: () => Buffer.from('%PDF-1.7\n%simulated sheet\n%%EOF\n'),
  },
  'sense-data-1.0': {
    template: 'senseDataTemplate',
    output: 'xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    bytes: () => Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.from('simulated workbook')]),
  },
};

interface SimReport {
  id: string;
  appId: string;
  outputId: string;
  status: 'queued' | 'processing' | 'done' | 'failed';
  error: { code: string; title: string } | null;
  content: { id: string; bytes: Buffer; contentType: string } | null;
  /** Still counted in `inFlight`. */
  counted: boolean;
}

export interface ReportFailure {
  code: string;
  title: string;
}

export class SimReports {
  /** How long a report stays queued, then processing, before it is done (Qlik's rendering time). */
  queuedMs = 0;
  processingMs = 50;
  /** A finished report nobody downloads stops counting as in flight after this long. */
  abandonAfterMs = 2_000;
  /** POST /api/v1/reports per minute (Qlik's special tier is 10); null: unlimited. */
  postsPerMinute: number | null = null;
  /** Reports of these apps fail with this export error when they finish. */
  readonly failures = new Map<string, ReportFailure>();
  /** POSTs for these apps answer 500 (a poison extraction: no attempt can succeed). */
  readonly brokenApps = new Set<string>();
  inFlight = 0;
  peakInFlight = 0;
  /** Outputs downloaded (each finished extraction downloads once). */
  downloaded = 0;
  /** Every POST accepted, by app id. */
  readonly created: string[] = [];
  private readonly reports = new Map<string, SimReport>();
  private readonly contents = new Map<string, SimReport>();
  private readonly posts: number[] = [];
  private readonly specs = loadQlikCloudSpecs();

  /** Forgets the counters (between test phases); reports keep running. */
  resetPeak(): void {
    this.peakInFlight = this.inFlight;
    this.created.length = 0;
  }

  create(req: SimRequest): SimResponse {
    this.chargePost();
    const body = parseBody(req);
    const kind = TEMPLATES[String(body.type)];
    if (!kind) throw badRequest(`unsupported template type ${String(body.type)}`);
    const problems = this.specs ? checkRequestBody(this.specs, 'POST', req.path, body) : [];
    const template = body[kind.template] as { appId?: string } | undefined;
    const output = body.output as { outputId?: string; type?: string } | undefined;
    if (!template?.appId) problems.push(`${body.type} requires ${kind.template} with an appId`);
    if (output?.type !== kind.output) problems.push(`${body.type} produces ${kind.output} here, not ${output?.type}`);
    if (output?.outputId && /[\s:]/.test(output.outputId)) problems.push('outputId may not contain spaces or colons');
    if (problems.length) throw new SimHttpError(400, 'REP-400000', 'Bad or malformed request', problems.join('; '));
    if (this.brokenApps.has(template!.appId!)) throw new SimHttpError(500, 'REP-500000', 'Fail to resolve resource');

    const report: SimReport = {
      id: randomUUID(),
      appId: template!.appId!,
      outputId: output!.outputId!,
      status: 'queued',
      error: null,
      content: null,
      counted: true,
    };
    this.reports.set(report.id, report);
    this.created.push(report.appId);
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    setTimeout(() => (report.status = 'processing'), this.queuedMs).unref();
    setTimeout(() => this.finish(report, kind), this.queuedMs + this.processingMs).unref();
    const statusUrl = `${req.origin}/api/v1/reports/${report.id}/status`;
    return {
      status: 202,
      headers: { location: statusUrl },
      json: {
        requestId: report.id,
        outputsUrl: `${req.origin}/api/v1/reports/${report.id}/outputs`,
        message: 'Report request accepted',
      },
    };
  }

  status(req: SimRequest, id: string): SimResponse {
    const report = this.get(id);
    const done = report.status === 'done';
    return {
      status: 200,
      json: {
        status: report.status,
        statusLocation: `/reports/${report.id}/status`,
        resolutionAttempts: 1,
        ...(done ? { results: [{ outputId: report.outputId, location: this.location(req, report) }] } : {}),
        ...(report.error ? { requestErrors: [report.error] } : {}),
      },
    };
  }

  /** The client has what it came for (the bytes, or the reason it failed): the extraction no longer runs. */
  private settle(report: SimReport): void {
    if (!report.counted) return;
    report.counted = false;
    this.inFlight--;
  }

  outputs(req: SimRequest, id: string): SimResponse {
    const report = this.get(id);
    const item = {
      outputId: report.outputId,
      status: report.status,
      ...(report.content ? { location: this.location(req, report), sizeBytes: report.content.bytes.length } : {}),
      ...(report.error ? { exportErrors: [report.error] } : {}),
    };
    if (report.status === 'failed') this.settle(report);
    return { status: 200, json: { data: [item], links: { self: { href: `${req.origin}${req.path}` } } } };
  }

  download(id: string): SimResponse {
    const report = this.contents.get(id);
    if (!report?.content) throw notFound('TEMP-CONTENTS-404', 'Not found');
    this.settle(report);
    this.downloaded++;
    return { status: 200, headers: { 'content-type': report.content.contentType }, bytes: report.content.bytes };
  }

  private finish(report: SimReport, kind: (typeof TEMPLATES)[string]): void {
    const failure = this.failures.get(report.appId);
    if (failure) {
      report.status = 'failed';
      report.error = { ...failure };
    } else {
      report.content = {
        id: randomUUID().replace(/-/g, '').slice(0, 24),
        bytes: kind.bytes(),
        contentType: kind.contentType,
      };
      this.contents.set(report.content.id, report);
      report.status = 'done';
    }
    setTimeout(() => this.settle(report), this.abandonAfterMs).unref();
  }

  private location(req: SimRequest, report: SimReport): string {
    // Qlik's examples name the origin with an explicit :443; the simulator keeps its own port.
    return `${req.origin}/api/v1/temp-contents/${report.content!.id}?inline=1`;
  }

  private get(id: string): SimReport {
    const report = this.reports.get(id);
    if (!report) throw notFound('REP-404000', 'url path not found');
    return report;
  }

  private chargePost(): void {
    if (this.postsPerMinute === null) return;
    const now = Date.now();
    while (this.posts.length && this.posts[0]! <= now - 60_000) this.posts.shift();
    if (this.posts.length >= this.postsPerMinute)
      throw rateLimited(Math.max(1, Math.ceil((this.posts[0]! + 60_000 - now) / 1000)));
    this.posts.push(now);
  }
}

function parseBody(req: SimRequest): Record<string, unknown> {
  try {
    const value = JSON.parse(req.body) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the 400
  }
  throw new SimHttpError(400, 'REP-400000', 'Bad or malformed request', 'the body is not a JSON object');
}

/** The routes to pass as `startQlikCloudSimulator({ routes: reportRoutes(reports) })`. */
export function reportRoutes(reports: SimReports): SimRoute[] {
  return [
    // Qlik's POST tier is "special, 10" (x-qlik-tier); SimReports.postsPerMinute models it.
    {
      method: 'POST',
      pattern: /^\/api\/v1\/reports$/,
      tier: '2',
      auth: true,
      scopes: REPORT_SCOPES,
      handle: (_s, req) => reports.create(req),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/reports\/([^/]+)\/status$/,
      tier: '1',
      auth: true,
      scopes: REPORT_SCOPES,
      handle: (_s, req, [id]) => reports.status(req, id!),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/reports\/([^/]+)\/outputs$/,
      tier: '1',
      auth: true,
      scopes: REPORT_SCOPES,
      handle: (_s, req, [id]) => reports.outputs(req, id!),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/temp-contents\/([^/]+)$/,
      tier: '1',
      auth: true,
      handle: (_s, _req, [id]) => reports.download(id!),
    },
  ];
}
