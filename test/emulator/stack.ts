import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { CreateJobCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  StartStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { yamlParse } from 'yaml-cfn';

/**
 * The stack's resources created on the emulator from template.yaml's own definitions: each
 * resource's Properties are resolved (Ref, GetAtt, Sub, Join against what was created) and sent
 * as the create call of its type, so a shape the template gets wrong is refused here as AWS would
 * refuse it. Resources the emulator cannot create stay symbolic (a name and an ARN).
 */
type Json = Record<string, unknown>;
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const root = join(__dirname, '../..');

export interface Template {
  Parameters: Record<string, { Default?: unknown }>;
  Conditions: Record<string, unknown>;
  Globals: { Function: { Environment?: { Variables?: Json } } };
  Resources: Record<string, { Type: string; Properties?: Json; Metadata?: Json }>;
}
export const template = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as Template;

interface Physical {
  ref: string;
  atts: Record<string, string>;
}

export class EmulatorStack {
  readonly physical = new Map<string, Physical>();
  readonly clients;

  constructor(
    readonly endpoint: string,
    readonly stage = 'emulator',
  ) {
    const common = {
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    this.clients = {
      kms: new KMSClient(common),
      s3: new S3Client({ ...common, forcePathStyle: true }),
      kinesis: new KinesisClient({ ...common, requestHandler: new NodeHttpHandler() }),
      dynamodb: new DynamoDBClient(common),
      secrets: new SecretsManagerClient(common),
      sqs: new SQSClient(common),
      sns: new SNSClient(common),
      firehose: new FirehoseClient(common),
      ssm: new SSMClient(common),
      glue: new GlueClient(common),
    };
  }

  name(logicalId: string): string {
    return `c360-${this.stage}-${logicalId}`.toLowerCase();
  }

  /** What CloudFormation would answer for Ref / GetAtt of a resource this stack did not create. */
  private symbolic(id: string): Physical {
    const type = template.Resources[id]?.Type ?? '';
    const n = this.name(id);
    const svc = type.split('::')[1]?.toLowerCase() ?? 'unknown';
    if (type === 'AWS::IAM::Role') return { ref: n, atts: { Arn: `arn:aws:iam::${ACCOUNT}:role/${n}` } };
    if (type === 'AWS::Serverless::Function')
      return { ref: n, atts: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${n}` } };
    return { ref: n, atts: { Arn: `arn:aws:${svc}:${REGION}:${ACCOUNT}:${n}` } };
  }

  private lookup(id: string): Physical {
    return this.physical.get(id) ?? this.symbolic(id);
  }

  private param(name: string): string {
    if (name === 'Stage') return this.stage;
    const pseudo: Record<string, string> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::StackName': `c360-${this.stage}`,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[name] !== undefined) return pseudo[name] as string;
    const p = template.Parameters[name];
    if (p) return String(p.Default ?? '');
    return this.lookup(name).ref;
  }

  resolve(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Json;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const k = keys[0] as string;
      const arg = o[k];
      if (k === 'Ref') return this.param(String(arg));
      if (k === 'Fn::GetAtt') {
        const [id, att] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        const p = this.lookup(id as string);
        return p.atts[att as string] ?? `${p.atts.Arn}`;
      }
      if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Json]) : [String(arg), {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_, expr: string) => {
          if (vars[expr] !== undefined) return String(this.resolve(vars[expr]));
          if (expr.includes('.') && !expr.startsWith('AWS::')) {
            const [id, att] = expr.split('.') as [string, string];
            return this.lookup(id).atts[att] ?? this.lookup(id).atts.Arn ?? '';
          }
          return this.param(expr);
        });
      }
      // Conditions over the parameters' defaults (the stack deploys with them).
      if (k === 'Fn::If') {
        const [condition, yes, no] = arg as [string, unknown, unknown];
        return this.resolve(this.condition(condition) ? yes : no);
      }
      if (k === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).join(sep);
      }
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, this.resolve(x)]));
  }

  /** A template condition's value (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition). */
  condition(name: string): boolean {
    const evaluate = (c: unknown): boolean => {
      const [[k, arg]] = Object.entries(c as Json) as [[string, unknown]];
      if (k === 'Fn::Equals') {
        const [a, b] = this.resolve(arg) as [unknown, unknown];
        return String(a) === String(b);
      }
      if (k === 'Fn::Not') return !evaluate((arg as unknown[])[0]);
      if (k === 'Fn::And') return (arg as unknown[]).every(evaluate);
      if (k === 'Fn::Or') return (arg as unknown[]).some(evaluate);
      if (k === 'Condition') return this.condition(String(arg));
      throw new Error(`the emulator stack cannot evaluate ${k} in a condition`);
    };
    const c = template.Conditions[name];
    if (c === undefined) throw new Error(`template.yaml has no condition ${name}`);
    return evaluate(c);
  }

  props(id: string): Json {
    return this.resolve(template.Resources[id]?.Properties ?? {}) as Json;
  }

  /** Creates the named resources (in the order given: keys before what they encrypt). */
  async create(ids: string[]): Promise<void> {
    for (const id of ids) await this.createOne(id);
  }

  private async createOne(id: string): Promise<void> {
    const r = template.Resources[id];
    if (!r) throw new Error(`template.yaml has no resource ${id}`);
    const p = this.props(id);
    const n = this.name(id);
    const c = this.clients;
    switch (r.Type) {
      case 'AWS::KMS::Key': {
        const out = await c.kms.send(
          new CreateKeyCommand({ Description: p.Description as string, Policy: JSON.stringify(p.KeyPolicy) }),
        );
        const meta = out.KeyMetadata as { KeyId: string; Arn: string };
        this.physical.set(id, { ref: meta.KeyId, atts: { Arn: meta.Arn, KeyId: meta.KeyId } });
        return;
      }
      case 'AWS::S3::Bucket':
        await c.s3.send(new CreateBucketCommand({ Bucket: n }));
        this.physical.set(id, { ref: n, atts: { Arn: `arn:aws:s3:::${n}` } });
        return;
      case 'AWS::Kinesis::Stream': {
        await c.kinesis.send(
          new CreateStreamCommand({
            StreamName: n,
            ...(p.StreamModeDetails
              ? { StreamModeDetails: p.StreamModeDetails as never }
              : { ShardCount: 1 }),
          }),
        );
        for (;;) {
          const s = await c.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: n }));
          if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
          await new Promise((res) => setTimeout(res, 50));
        }
        const enc = p.StreamEncryption as { EncryptionType: string; KeyId: string } | undefined;
        if (enc)
          await c.kinesis.send(
            new StartStreamEncryptionCommand({
              StreamName: n,
              EncryptionType: enc.EncryptionType as never,
              KeyId: enc.KeyId,
            }),
          );
        this.physical.set(id, { ref: n, atts: { Arn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${n}` } });
        return;
      }
      case 'AWS::DynamoDB::Table': {
        const sse = p.SSESpecification as { SSEEnabled?: boolean; SSEType?: string; KMSMasterKeyId?: string };
        const out = await c.dynamodb.send(
          new CreateTableCommand({
            TableName: n,
            AttributeDefinitions: p.AttributeDefinitions as never,
            KeySchema: p.KeySchema as never,
            BillingMode: p.BillingMode as never,
            ...(sse
              ? {
                  SSESpecification: {
                    Enabled: sse.SSEEnabled,
                    SSEType: sse.SSEType as never,
                    KMSMasterKeyId: sse.KMSMasterKeyId,
                  },
                }
              : {}),
          }),
        );
        const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
        if (ttl)
          await c.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: n, TimeToLiveSpecification: ttl }));
        this.physical.set(id, { ref: n, atts: { Arn: out.TableDescription?.TableArn as string } });
        return;
      }
      case 'AWS::SecretsManager::Secret': {
        // GenerateSecretString with a template: the JSON with its generated key, as CloudFormation makes it.
        const generate = p.GenerateSecretString as
          | { SecretStringTemplate?: string; GenerateStringKey?: string; PasswordLength?: number }
          | undefined;
        const generated = randomBytes(32)
          .toString('hex')
          .slice(0, generate?.PasswordLength ?? 64);
        const value =
          (p.SecretString as string | undefined) ??
          (generate?.SecretStringTemplate && generate.GenerateStringKey
            ? JSON.stringify({
                ...(JSON.parse(generate.SecretStringTemplate) as Json),
                [generate.GenerateStringKey]: generated,
              })
            : generated);
        const out = await c.secrets.send(
          new CreateSecretCommand({ Name: n, KmsKeyId: p.KmsKeyId as string, SecretString: value }),
        );
        this.physical.set(id, { ref: out.ARN as string, atts: { Id: out.ARN as string } });
        return;
      }
      case 'AWS::SQS::Queue': {
        const out = await c.sqs.send(
          new CreateQueueCommand({
            QueueName: n,
            Attributes: {
              ...(p.MessageRetentionPeriod
                ? { MessageRetentionPeriod: String(p.MessageRetentionPeriod) }
                : {}),
              ...(p.KmsMasterKeyId ? { KmsMasterKeyId: String(p.KmsMasterKeyId) } : {}),
            },
          }),
        );
        const attrs = await c.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: out.QueueUrl, AttributeNames: ['QueueArn'] }),
        );
        this.physical.set(id, {
          ref: out.QueueUrl as string,
          atts: { Arn: attrs.Attributes?.QueueArn as string, QueueName: n, QueueUrl: out.QueueUrl as string },
        });
        return;
      }
      case 'AWS::SNS::Topic': {
        const out = await c.sns.send(
          new CreateTopicCommand({
            Name: n,
            Attributes: p.KmsMasterKeyId ? { KmsMasterKeyId: String(p.KmsMasterKeyId) } : {},
          }),
        );
        this.physical.set(id, {
          ref: out.TopicArn as string,
          atts: { TopicName: n, Arn: out.TopicArn as string },
        });
        return;
      }
      case 'AWS::KinesisFirehose::DeliveryStream': {
        const out = await c.firehose.send(
          new CreateDeliveryStreamCommand({
            DeliveryStreamName: n,
            DeliveryStreamType: p.DeliveryStreamType as never,
            DeliveryStreamEncryptionConfigurationInput: p.DeliveryStreamEncryptionConfigurationInput as never,
            ExtendedS3DestinationConfiguration: p.ExtendedS3DestinationConfiguration as never,
          }),
        );
        this.physical.set(id, { ref: n, atts: { Arn: out.DeliveryStreamARN as string } });
        return;
      }
      case 'AWS::SSM::Parameter':
        await c.ssm.send(
          new PutParameterCommand({ Name: p.Name as string, Value: String(p.Value), Type: p.Type as never }),
        );
        this.physical.set(id, { ref: p.Name as string, atts: {} });
        return;
      case 'AWS::Glue::Job':
        await c.glue.send(
          new CreateJobCommand({
            Name: n,
            Role: p.Role as string,
            Command: p.Command as never,
            DefaultArguments: p.DefaultArguments as never,
            GlueVersion: p.GlueVersion as string,
            Timeout: p.Timeout as number,
          }),
        );
        this.physical.set(id, { ref: n, atts: {} });
        return;
      default:
        throw new Error(`the emulator stack cannot create ${r.Type} (${id})`);
    }
  }

  /** A function's environment as Lambda would set it: the template's Globals, then its own. */
  functionEnv(fn: string): Record<string, string> {
    const globals = (template.Globals.Function.Environment?.Variables ?? {}) as Json;
    const own = ((template.Resources[fn]?.Properties?.Environment as Json | undefined)?.Variables ??
      {}) as Json;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...globals, ...own })) out[k] = String(this.resolve(v));
    return out;
  }
}
