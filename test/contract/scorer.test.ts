import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SageMakerScorer } from '../../src/adapters/aws/sagemaker-scorer';
import { LocalScorer } from '../../src/adapters/local/local-scorer';
import type { Scorer } from '../../src/ports/scorer';

/** One contract, two adapters: CSV feature rows in, one score per row out, in order. */
const model = (X: number[][]) => X.map((r) => 1 / (1 + Math.exp(-(r[0] as number) + (r[1] as number))));
const sm = mockClient(SageMakerRuntimeClient);

function sagemaker(maxPayloadBytes?: number): Scorer {
  // The endpoint runs the same model: its CSV in, CSV out.
  sm.on(InvokeEndpointCommand).callsFake((input: { Body: string }) => {
    const X = input.Body.split('\n').map((l) => l.split(',').map(Number));
    return { Body: new TextEncoder().encode(model(X).join('\n')), ContentType: 'text/csv' };
  });
  return new SageMakerScorer({
    endpointName: 'churn',
    client: new SageMakerRuntimeClient({}),
    maxPayloadBytes,
    sleep: async () => {},
  });
}

describe.each([
  ['local', () => new LocalScorer(model) as Scorer],
  ['sagemaker', () => sagemaker()],
])('scorer contract: %s', (_name, make) => {
  beforeEach(() => sm.reset());
  it('scores every row, in order, as the model does', async () => {
    const rows = [
      [0, 0],
      [2, 1],
      [-1, 3],
    ].map((r) => r.join(','));
    expect(await make().score(rows)).toEqual(
      model([
        [0, 0],
        [2, 1],
        [-1, 3],
      ]),
    );
  });
  it('no rows, no scores', async () => {
    expect(await make().score([])).toEqual([]);
  });
});

describe('SageMaker scorer specifics', () => {
  beforeEach(() => sm.reset());

  it('splits batches under the payload limit', async () => {
    const scorer = sagemaker(20);
    const rows = Array.from({ length: 10 }, (_, i) => `${i},1`);
    expect(await scorer.score(rows)).toEqual(model(rows.map((r) => r.split(',').map(Number))));
    expect(sm.commandCalls(InvokeEndpointCommand).length).toBeGreaterThan(1);
    for (const c of sm.commandCalls(InvokeEndpointCommand))
      expect(Buffer.byteLength(String(c.args[0].input.Body))).toBeLessThanOrEqual(20);
  });

  it('retries throttling, then succeeds', async () => {
    sm.on(InvokeEndpointCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .callsFake(() => ({ Body: new TextEncoder().encode('0.25') }));
    const scorer = new SageMakerScorer({
      endpointName: 'churn',
      client: new SageMakerRuntimeClient({}),
      sleep: async () => {},
    });
    expect(await scorer.score(['1,2'])).toEqual([0.25]);
    expect(sm.commandCalls(InvokeEndpointCommand)).toHaveLength(2);
  });

  it("surfaces a ModelError with the endpoint's message, isolated to the failing row", async () => {
    sm.on(InvokeEndpointCommand).callsFake((input: { Body: string }) => {
      if (input.Body.includes('NaN')) {
        throw new ModelError({
          message: 'Received client error (400)',
          $metadata: {},
          OriginalMessage: 'could not convert string to float',
          OriginalStatusCode: 400,
        });
      }
      return {
        Body: new TextEncoder().encode(
          input.Body.split('\n')
            .map(() => '0.5')
            .join('\n'),
        ),
      };
    });
    const scorer = new SageMakerScorer({
      endpointName: 'churn',
      client: new SageMakerRuntimeClient({}),
      sleep: async () => {},
    });
    const err = await scorer.score(['1,2', '3,4', 'NaN,1', '5,6']).catch((e: unknown) => e);
    expect((err as Error).message).toContain('row "NaN,1" could not be scored');
    expect((err as Error).message).toContain('could not convert string to float');
  });
});
