import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoReplayGuard } from '../../../../src/adapters/aws/dynamodb-replay-guard';

const dynamo = mockClient(DynamoDBClient);

describe('DynamoReplayGuard: one atomic conditional write per claim', () => {
  beforeEach(() => dynamo.reset());
  const guard = () =>
    new DynamoReplayGuard({ tableName: 'replay', client: new DynamoDBClient({}), now: () => 1_000_000 });

  it('claims with a conditional put; an existing key is a duplicate (done) or in flight (pending)', async () => {
    dynamo
      .on(PutItemCommand)
      .callsFakeOnce(() => ({}))
      .callsFake((input: { Item: { id: { S: string } } }) => {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: { state: { S: input.Item.id.S.endsWith('done') ? 'done' : 'pending' } },
        });
      });
    const g = guard();
    expect(await g.claim('stripe', 'evt_1', 'req-1')).toBe('claimed');
    expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'replay',
      ConditionExpression: 'attribute_not_exists(id) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': { N: '1000' } },
    });
    expect(await g.claim('stripe', 'evt_done', 'req-2')).toBe('duplicate');
    expect(await g.claim('stripe', 'evt_busy', 'req-3')).toBe('in_flight');
  });

  it('confirm and release only as the claim owner; a refused condition is not an error', async () => {
    dynamo.on(PutItemCommand).resolves({});
    dynamo
      .on(DeleteItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    const g = guard();
    await g.confirm('shopify', 'body:abc', 'req-1');
    expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ state: { S: 'done' }, owner: { S: 'req-1' } }),
      ConditionExpression: '#owner = :owner',
    });
    await expect(g.release('shopify', 'body:abc', 'req-stale')).resolves.toBeUndefined();
    expect(dynamo).toHaveReceivedCommandWith(DeleteItemCommand, {
      ConditionExpression: '#owner = :owner AND #state = :pending',
      ExpressionAttributeValues: { ':owner': { S: 'req-stale' }, ':pending': { S: 'pending' } },
    });
  });
});
