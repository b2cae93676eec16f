import type { Context } from 'aws-lambda';
import { correlated, field, powertools } from '../../../../src/adapters/aws/powertools';

describe('Powertools correlation ids', () => {
  it('every log line of an invocation carries the request id and the event ids, and no later invocation inherits them', async () => {
    const { logger } = powertools();
    const lines: string[] = [];
    const spies = [process.stdout, process.stderr].map((s) =>
      jest.spyOn(s, 'write').mockImplementation((c: string | Uint8Array) => {
        lines.push(String(c));
        return true;
      }),
    );
    const log = jest
      .spyOn(console, 'info')
      .mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
    const handler = correlated(
      async (e: { requestContext?: { requestId?: string } }) => {
        logger.info('handled', { ok: true });
        return e.requestContext?.requestId;
      },
      (e) => ({ requestId: field(e, 'requestContext', 'requestId') }),
    );
    const context = {
      awsRequestId: 'lambda-req-1',
      functionName: 'c360-ingest',
      functionVersion: '1',
      invokedFunctionArn: 'arn:x',
      memoryLimitInMB: '512',
    } as unknown as Context;
    try {
      await handler({ requestContext: { requestId: 'api-req-9' } }, context);
      await handler({}, context);
    } finally {
      for (const s of spies) s.mockRestore();
      log.mockRestore();
    }
    const records = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.message === 'handled');
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ requestId: 'api-req-9', function_request_id: 'lambda-req-1' });
    expect(records[1]?.requestId).toBeUndefined();
  });

  it('reads ids defensively from any event shape', () => {
    expect(field({ a: { b: 7 } }, 'a', 'b')).toBe('7');
    expect(field(null, 'a')).toBeUndefined();
    expect(field({ a: 'x' }, 'a', 'b')).toBeUndefined();
  });
});
