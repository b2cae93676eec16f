import { checkKeyAccess } from '../../../../tools/template-check/key-access';

/**
 * The key-access rules on small templates, one call path at a time: each case names what AWS would
 * refuse (a service principal the key policy does not let in, a role without the KMS action the
 * service calls for it) and the grant that makes it pass.
 */
type Json = Record<string, unknown>;
const key = (statements: Json[] = []): Json => ({
  Type: 'AWS::KMS::Key',
  Properties: {
    KeyPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'kms:*', Resource: '*' },
        ...statements,
      ],
    },
  },
});
const serviceStatement = (service: string | string[], actions: string[], effect = 'Allow') => ({
  Effect: effect,
  Principal: { Service: service },
  Action: actions,
  Resource: '*',
});
const fn = (statements: Json[], extra: Json = {}): Json => ({
  Type: 'AWS::Serverless::Function',
  Properties: { Policies: [{ Version: '2012-10-17', Statement: statements }], ...extra },
});
const problems = (resources: Record<string, Json>) =>
  checkKeyAccess(resources).map((p) => `${p.where}: ${p.problem}`);

describe('services delivering into encrypted topics and queues', () => {
  const topic = { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'K' } } };
  const queue = { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['K', 'Arn'] } } };

  it.each([
    [
      'an alarm action',
      'cloudwatch.amazonaws.com',
      { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [{ Ref: 'T' }] } },
    ],
    [
      'an OK action',
      'cloudwatch.amazonaws.com',
      { Type: 'AWS::CloudWatch::Alarm', Properties: { OKActions: [{ Ref: 'T' }] } },
    ],
    [
      'insufficient data',
      'cloudwatch.amazonaws.com',
      { Type: 'AWS::CloudWatch::Alarm', Properties: { InsufficientDataActions: [{ Ref: 'T' }] } },
    ],
    [
      'a composite alarm',
      'cloudwatch.amazonaws.com',
      { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: { AlarmActions: { Ref: 'T' } } },
    ],
    [
      'an EventBridge rule target',
      'events.amazonaws.com',
      { Type: 'AWS::Events::Rule', Properties: { Targets: [{ Arn: { Ref: 'T' } }] } },
    ],
    [
      'an S3 notification',
      's3.amazonaws.com',
      {
        Type: 'AWS::S3::Bucket',
        Properties: { NotificationConfiguration: { TopicConfigurations: [{ Topic: { Ref: 'T' } }] } },
      },
    ],
  ])('%s needs the key policy to let %s in, both actions', (_name, service, source) => {
    const without = problems({ K: key(), T: topic, S: source });
    expect(without).toEqual([
      `K.KeyPolicy: ${service} delivers into T (from S) but the key policy does not allow it kms:GenerateDataKey, kms:Decrypt`,
    ]);
    expect(problems({ K: key([serviceStatement(service, ['kms:Decrypt'])]), T: topic, S: source })).toEqual([
      `K.KeyPolicy: ${service} delivers into T (from S) but the key policy does not allow it kms:GenerateDataKey`,
    ]);
    // A wildcard action, a list of principals, either spelling of the action case.
    expect(
      problems({
        K: key([serviceStatement(['x.amazonaws.com', service], ['KMS:generatedatakey*', 'kms:Decrypt'])]),
        T: topic,
        S: source,
      }),
    ).toEqual([]);
    // A Deny is not a grant, and another service's grant is not this one's.
    expect(
      problems({ K: key([serviceStatement(service, ['kms:*'], 'Deny')]), T: topic, S: source }),
    ).toHaveLength(1);
    expect(
      problems({ K: key([serviceStatement('sns.amazonaws.com', ['kms:*'])]), T: topic, S: source }),
    ).toHaveLength(1);
  });

  it('EventBridge dead letters (a rule target or a SAM event) and S3 queue notifications count too, once per service and queue', () => {
    const sources = {
      R: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Targets: [{ Arn: 'arn:x', DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Q', 'Arn'] } } }],
        },
      },
      F: fn([], {
        Events: {
          Landed: {
            Type: 'EventBridgeRule',
            Properties: { DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Q', 'Arn'] } } },
          },
        },
      }),
      B: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          NotificationConfiguration: { QueueConfigurations: [{ Queue: { 'Fn::GetAtt': ['Q', 'Arn'] } }] },
        },
      },
    };
    expect(problems({ K: key(), Q: queue, ...sources }).sort()).toEqual([
      'K.KeyPolicy: events.amazonaws.com delivers into Q (from R) but the key policy does not allow it kms:GenerateDataKey, kms:Decrypt',
      'K.KeyPolicy: s3.amazonaws.com delivers into Q (from B) but the key policy does not allow it kms:GenerateDataKey, kms:Decrypt',
    ]);
    const ok = key([
      serviceStatement('events.amazonaws.com', ['kms:GenerateDataKey*', 'kms:Decrypt']),
      serviceStatement('s3.amazonaws.com', ['kms:GenerateDataKey', 'kms:Decrypt']),
    ]);
    expect(problems({ K: ok, Q: queue, ...sources })).toEqual([]);
  });

  it('an unencrypted topic, or one with an AWS-managed key, needs nothing', () => {
    const alarm = { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [{ Ref: 'T' }] } };
    expect(problems({ K: key(), T: { Type: 'AWS::SNS::Topic', Properties: {} }, A: alarm })).toEqual([]);
    expect(
      problems({
        K: key(),
        T: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: 'alias/aws/sns' } },
        A: alarm,
      }),
    ).toEqual([]);
  });
});

describe('roles calling a service on an encrypted resource', () => {
  const table = {
    Type: 'AWS::DynamoDB::Table',
    Properties: { SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { Ref: 'K' } } },
  };
  const use = (actions: string[], resource: unknown) => ({
    Effect: 'Allow',
    Action: actions,
    Resource: resource,
  });

  it.each([
    [
      'sns:Publish',
      { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'K' } } },
      ['kms:GenerateDataKey', 'kms:Decrypt'],
    ],
    [
      'sqs:SendMessage',
      { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: { Ref: 'K' } } },
      ['kms:GenerateDataKey', 'kms:Decrypt'],
    ],
    [
      'sqs:ReceiveMessage',
      { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: { Ref: 'K' } } },
      ['kms:Decrypt'],
    ],
    [
      'kinesis:PutRecords',
      {
        Type: 'AWS::Kinesis::Stream',
        Properties: { StreamEncryption: { EncryptionType: 'KMS', KeyId: { Ref: 'K' } } },
      },
      ['kms:GenerateDataKey'],
    ],
    [
      'kinesis:GetRecords',
      {
        Type: 'AWS::Kinesis::Stream',
        Properties: { StreamEncryption: { EncryptionType: 'KMS', KeyId: { Ref: 'K' } } },
      },
      ['kms:Decrypt'],
    ],
    [
      'secretsmanager:GetSecretValue',
      { Type: 'AWS::SecretsManager::Secret', Properties: { KmsKeyId: { Ref: 'K' } } },
      ['kms:Decrypt'],
    ],
    [
      's3:PutObject',
      {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              {
                ServerSideEncryptionByDefault: {
                  SSEAlgorithm: 'aws:kms',
                  KMSMasterKeyID: { 'Fn::GetAtt': ['K', 'Arn'] },
                },
              },
            ],
          },
        },
      },
      ['kms:GenerateDataKey'],
    ],
    ['dynamodb:Query', table, ['kms:Decrypt']],
  ])('%s needs its KMS actions on the key', (action, resource, kms) => {
    const statement = use([action as string], { 'Fn::Sub': '${R.Arn}/x' });
    expect(problems({ K: key(), R: resource as Json, F: fn([statement]) })).toEqual(
      (kms as string[]).map(
        (k) =>
          `F: ${action} on R needs ${k} on K${String(action).startsWith('dynamodb') ? ' (DynamoDB calls KMS with its own encryption context)' : ''}`,
      ),
    );
    expect(
      problems({
        K: key(),
        R: resource as Json,
        F: fn([statement, use(kms as string[], { 'Fn::GetAtt': ['K', 'Arn'] })]),
      }),
    ).toEqual([]);
    // A grant on every resource covers it; a Deny, or a grant on another key, does not.
    expect(problems({ K: key(), R: resource as Json, F: fn([statement, use(['kms:*'], '*')]) })).toEqual([]);
    expect(
      problems({
        K: key(),
        R: resource as Json,
        F: fn([statement, { ...use(kms as string[], { Ref: 'K' }), Effect: 'Deny' }]),
      }),
    ).toHaveLength((kms as string[]).length);
    expect(
      problems({
        K: key(),
        K2: key(),
        R: resource as Json,
        F: fn([statement, use(kms as string[], { Ref: 'K2' })]),
      }),
    ).toHaveLength((kms as string[]).length);
  });

  it("a grant bound to encryption-context keys covers the caller's own calls, not DynamoDB's; one through DynamoDB does", () => {
    const query = use(['dynamodb:Query'], { 'Fn::GetAtt': ['R', 'Arn'] });
    const bound = {
      ...use(['kms:Decrypt'], { 'Fn::GetAtt': ['K', 'Arn'] }),
      Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'subject'] } },
    };
    expect(problems({ K: key(), R: table, F: fn([query, bound]) })).toEqual([
      'F: dynamodb:Query on R needs kms:Decrypt on K (DynamoDB calls KMS with its own encryption context)',
    ]);
    const viaDynamo = {
      ...use(['kms:Decrypt'], { 'Fn::GetAtt': ['K', 'Arn'] }),
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
    };
    expect(problems({ K: key(), R: table, F: fn([query, viaDynamo]) })).toEqual([]);
    const dynamoContext = {
      ...use(['kms:Decrypt'], { 'Fn::GetAtt': ['K', 'Arn'] }),
      Condition: { StringLike: { 'kms:EncryptionContext:aws:dynamodb:tableName': 'x' } },
    };
    expect(problems({ K: key(), R: table, F: fn([query, dynamoContext]) })).toEqual([]);
  });

  it('IAM roles and state machines are checked the same way; a resource not named is not', () => {
    const topic = { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'K' } } };
    const publish = use(['sns:Publish'], { Ref: 'T' });
    const role = {
      Type: 'AWS::IAM::Role',
      Properties: { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [publish] } }] },
    };
    const machine = {
      Type: 'AWS::Serverless::StateMachine',
      Properties: { Policies: [{ Statement: [publish] }] },
    };
    expect(problems({ K: key(), T: topic, Role: role, M: machine }).sort()).toEqual([
      'M: sns:Publish on T needs kms:Decrypt on K',
      'M: sns:Publish on T needs kms:GenerateDataKey on K',
      'Role: sns:Publish on T needs kms:Decrypt on K',
      'Role: sns:Publish on T needs kms:GenerateDataKey on K',
    ]);
    // "T2" is another topic: a statement on it says nothing about T.
    expect(problems({ K: key(), T: topic, F: fn([use(['sns:Publish'], { Ref: 'T2' })]) })).toEqual([]);
    // A SAM policy template (no Statement) carries no inline grant to check.
    expect(
      problems({
        K: key(),
        T: topic,
        F: {
          Type: 'AWS::Serverless::Function',
          Properties: { Policies: [{ SNSPublishMessagePolicy: { TopicName: 'x' } }] },
        },
      }),
    ).toEqual([]);
  });
});
