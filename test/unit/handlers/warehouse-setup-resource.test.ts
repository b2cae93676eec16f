import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { RedshiftWarehouse } from '../../../src/adapters/aws/redshift-warehouse';
import {
  definitionInTemplate,
  warehouseDefinition,
  withDefinition,
} from '../../../src/domain/warehouse/definition';
import { REPORTING_VIEWS } from '../../../src/domain/warehouse/reporting';
import {
  isCustomResourceEvent,
  MAX_RESPONSE_BYTES,
  putResponse,
} from '../../../src/handlers/custom-resource';
import { createWarehouseSetupResource } from '../../../src/handlers/warehouse-setup-resource';

/**
 * The WarehouseSetup custom resource: CloudFormation's request in, the setup run, and the answer
 * PUT to the request's presigned URL (here a real HTTP server on loopback).
 */
interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let server: Server;
let url: string;
let received: Received[] = [];
/** HTTP statuses the next PUTs get, in order (then 200). */
let statuses: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=abc`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  statuses = [];
});

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const noWait = async () => {};
const respond = (u: string, body: string) => putResponse(u, body, { sleep: noWait });

function request(
  type: 'Create' | 'Update' | 'Delete',
  props: Record<string, unknown> = { Workgroup: 'c360-prod', Definition: 'f00d' },
): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:eu-west-1:1:function:c360-pipeline-steps',
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:eu-west-1:1:stack/c360/0a1b',
    RequestId: `req-${type}`,
    LogicalResourceId: 'WarehouseSetup',
    ResourceType: 'Custom::WarehouseSetup',
    ResourceProperties: { ServiceToken: 'x', ...props },
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'warehouse-setup:c360-prod' }),
    ...(type === 'Update' ? { OldResourceProperties: { ServiceToken: 'x', Workgroup: 'c360-prod' } } : {}),
  } as CloudFormationCustomResourceEvent;
}

const lambdaContext = (remainingMs: number) =>
  ({ getRemainingTimeInMillis: () => remainingMs, logStreamName: '2026/11/30/[$LATEST]abc' }) as Context;

/** The resource over a setup that only counts its runs. */
function counted() {
  let runs = 0;
  const handler = createWarehouseSetupResource({
    setupWarehouse: async () => {
      runs++;
    },
    logger: quiet,
    respond,
  });
  return { handler, runs: () => runs };
}

describe('WarehouseSetup custom resource', () => {
  it('Create and Update run the setup and answer SUCCESS with the ids copied from the request', async () => {
    const { handler, runs } = counted();
    for (const type of ['Create', 'Update'] as const) {
      const event = request(type);
      expect(isCustomResourceEvent(event)).toBe(true);
      expect(await handler(event, lambdaContext(900_000))).toEqual({ status: 'SUCCESS' });
    }
    expect(runs()).toBe(2);
    expect(received.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    // The presigned URL is signed without a content type.
    expect(received.map((r) => r.headers['content-type'] ?? '')).toEqual(['', '']);
    expect(received.map((r) => r.body)).toEqual(
      ['Create', 'Update'].map((type) => ({
        Status: 'SUCCESS',
        PhysicalResourceId: 'warehouse-setup:c360-prod',
        StackId: 'arn:aws:cloudformation:eu-west-1:1:stack/c360/0a1b',
        RequestId: `req-${type}`,
        LogicalResourceId: 'WarehouseSetup',
      })),
    );
  });

  it('Delete answers SUCCESS without touching the warehouse (it keeps its data)', async () => {
    const { handler, runs } = counted();
    await handler(request('Delete'), lambdaContext(900_000));
    expect(runs()).toBe(0);
    expect(received[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'warehouse-setup:c360-prod',
    });
  });

  it("a failing setup answers FAILED with Redshift's error text, within CloudFormation's 4,096 bytes", async () => {
    const rs = mockClient(RedshiftDataClient);
    try {
      rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st-1' });
      rs.on(ExecuteStatementCommand).resolves({ Id: 'st-2' });
      rs.on(GetStatementResultCommand).resolves({ Records: [], ColumnMetadata: [] });
      const detail = `permission denied for schema gold ${'x'.repeat(6000)}`;
      rs.on(DescribeStatementCommand)
        .resolvesOnce({ Status: 'FINISHED' })
        .resolves({ Status: 'FAILED', Error: detail });
      const warehouse = new RedshiftWarehouse({
        client: new RedshiftDataClient({}),
        workgroupName: 'c360-prod',
        database: 'c360',
        secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:admin',
        copyRoleArn: 'arn:aws:iam::1:role/copy',
        sleep: noWait,
      });
      const handler = createWarehouseSetupResource({
        setupWarehouse: () => warehouse.setup({ glueDatabase: 'c360_lake' }),
        logger: quiet,
        respond,
      });
      expect(await handler(request('Create'), lambdaContext(900_000))).toEqual({ status: 'FAILED' });
    } finally {
      rs.restore();
    }
    const answer = received[0]?.body as { Status: string; Reason: string; PhysicalResourceId: string };
    expect(answer.Status).toBe('FAILED');
    // The second unit of the setup (the Spectrum schema) is the one that failed.
    expect(answer.Reason).toContain(
      'Redshift statement "create-spectrum-schema" failed: permission denied for schema gold',
    );
    expect(answer.Reason).toContain('log stream 2026/11/30/[$LATEST]abc');
    expect(answer.Reason).toContain('"step":"setup-warehouse"');
    expect(answer.PhysicalResourceId).toBe('warehouse-setup:c360-prod');
    expect(Buffer.byteLength(JSON.stringify(answer))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
  });

  it('a setup still running shortly before the function times out answers FAILED instead of leaving the deploy waiting', async () => {
    let finished = false;
    const handler = createWarehouseSetupResource({
      setupWarehouse: () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            finished = true;
            resolve();
          }, 2_000),
        ),
      logger: quiet,
      respond,
      marginMs: 1_000,
    });
    expect(await handler(request('Update'), lambdaContext(1_050))).toEqual({ status: 'FAILED' });
    expect(finished).toBe(false);
    expect(received[0]?.body.Reason).toMatch(/did not finish within the function's timeout/);
  });

  it('retries the answer on a 5xx, gives up at once on a 4xx (an expired URL) and says so', async () => {
    statuses = [503, 500];
    await putResponse(url, '{"Status":"SUCCESS"}', { sleep: noWait });
    expect(received).toHaveLength(3);
    received = [];
    statuses = [403];
    await expect(putResponse(url, '{}', { sleep: noWait })).rejects.toThrow(
      "CloudFormation's response URL refused the answer: HTTP 403",
    );
    expect(received).toHaveLength(1);
    received = [];
    statuses = [502, 502];
    await expect(putResponse(url, '{}', { sleep: noWait, attempts: 2 })).rejects.toThrow(
      'could not send the answer to CloudFormation after 2 attempts (HTTP 502)',
    );
    // Nothing listening: a network failure, retried the same way.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      putResponse(`http://127.0.0.1:${port}/`, '{}', { sleep: noWait, attempts: 2 }),
    ).rejects.toThrow(/after 2 attempts \(connect ECONNREFUSED/);
  });

  it('tells pipeline step events from CloudFormation requests', () => {
    expect(isCustomResourceEvent({ step: 'setup-warehouse' })).toBe(false);
    expect(isCustomResourceEvent(null)).toBe(false);
  });
});

describe('the pipeline-steps Lambda entry (functions/pipeline)', () => {
  it('routes a CloudFormation request to the warehouse setup and a step event to the pipeline steps', async () => {
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      LAKE_BUCKET: 'c360-lake',
      REDSHIFT_WORKGROUP: 'c360-prod',
      REDSHIFT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:admin',
      REDSHIFT_COPY_ROLE_ARN: 'arn:aws:iam::1:role/copy',
      GLUE_DATABASE: 'c360_lake',
      GOLD_GLUE_DATABASE: 'c360_gold',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const rs = mockClient(RedshiftDataClient);
    try {
      rs.on(ExecuteStatementCommand).resolves({ Id: 'st-1' });
      rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st-2' });
      rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED' });
      rs.on(GetStatementResultCommand).resolves({ Records: [], ColumnMetadata: [] });
      const { handler } = await import('../../../functions/pipeline/index');
      await handler(request('Create'), lambdaContext(900_000));
      expect(received.map((r) => r.body.Status)).toEqual(['SUCCESS']);
      // The real setup ran against the stack's workgroup: schemas first, then the Spectrum schema.
      const names = [
        ...rs.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input),
        ...rs.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input),
      ];
      expect(names.map((i) => i.StatementName)).toEqual(
        expect.arrayContaining(['create-schemas', 'create-spectrum-schema', 'create-fact_orders']),
      );
      expect(names.every((i) => i.WorkgroupName === 'c360-prod')).toBe(true);
      // A pipeline step event still reaches the steps.
      expect(await handler({ step: 'resolve-date', input: { date: '2026-03-01' } })).toMatchObject({
        date: '2026-03-01',
        engine: 'glue',
      });
    } finally {
      rs.restore();
    }
  });
});

describe('the warehouse definition fingerprint in template.yaml', () => {
  const template = readFileSync(join(__dirname, '../../../template.yaml'), 'utf8');

  it('is current (else: node scripts/build.mjs && node dist/gen-warehouse-setup.mjs)', () => {
    expect(definitionInTemplate(template)).toBe(warehouseDefinition());
  });

  it('changes with a reporting view, so a deploy of a changed view sets the warehouse up again', () => {
    const [first, ...rest] = REPORTING_VIEWS;
    if (!first) throw new Error('no reporting views');
    const changed = [{ ...first, sql: `${first.sql} ` }, ...rest];
    expect(warehouseDefinition(changed)).not.toBe(warehouseDefinition());
    const rewritten = withDefinition(template, warehouseDefinition(changed));
    expect(definitionInTemplate(rewritten)).toBe(warehouseDefinition(changed));
    // Only that line changed.
    const lines = template.split('\n');
    expect(rewritten.split('\n').filter((l, i) => l !== lines[i])).toHaveLength(1);
  });

  it("reads and writes only WarehouseSetup's own Definition, never another resource's", () => {
    const without = template.replace(/\n {6}Definition: '[0-9a-f]+'\n/, '\n');
    expect(without).not.toBe(template);
    // QuickSight dashboards further down have Definition properties of their own.
    expect(without).toMatch(/\n\s+Definition:/);
    expect(definitionInTemplate(without)).toBeNull();
    expect(() => withDefinition(without, 'f00d')).toThrow('WarehouseSetup has no Definition property');
  });
});
