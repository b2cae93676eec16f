/**
 * Who must be able to use which customer-managed KMS key, derived from the template itself:
 *
 * - A service that writes into an encrypted topic or queue on our behalf (CloudWatch alarm
 *   actions, EventBridge targets and dead-letter queues, S3 notifications) needs the key's policy
 *   to allow it kms:GenerateDataKey* and kms:Decrypt; IAM cannot grant a service principal.
 * - A role that calls a service on an encrypted resource (sns:Publish, sqs:SendMessage, a DynamoDB
 *   item call, kinesis:PutRecords, secretsmanager:GetSecretValue, s3:GetObject …) needs the KMS
 *   actions that service then calls with the caller's credentials, on that resource's key. Those
 *   calls carry the service's own encryption context (DynamoDB's is aws:dynamodb:tableName and
 *   aws:dynamodb:subscriberId), so a grant conditioned on other context keys does not cover them.
 *
 * The emulator does not enforce IAM or key policies, so this check is what stands in for AWS
 * refusing the call: each rule mirrors a documented call path, with its planted violation tested.
 */
type Json = Record<string, unknown>;
export interface KeyAccessProblem {
  where: string;
  problem: string;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const mentionsId = (v: unknown, id: string) =>
  new RegExp(`(^|[^A-Za-z0-9])${id}([^A-Za-z0-9]|$)`).test(JSON.stringify(v ?? null));

/** The logical id a Ref / GetAtt / Sub points at, when it is one resource. */
function refTarget(v: unknown): string | null {
  if (!isObj(v)) return null;
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  if (typeof att === 'string') return att.split('.')[0] ?? null;
  return null;
}

/** The key property of each encrypted resource type. */
function keyOf(r: Json): unknown {
  const p = (r.Properties ?? {}) as Json;
  switch (r.Type) {
    case 'AWS::SNS::Topic':
    case 'AWS::SQS::Queue':
      return p.KmsMasterKeyId;
    case 'AWS::DynamoDB::Table':
      return (p.SSESpecification as Json | undefined)?.KMSMasterKeyId;
    case 'AWS::Kinesis::Stream':
      return (p.StreamEncryption as Json | undefined)?.KeyId;
    case 'AWS::SecretsManager::Secret':
      return p.KmsKeyId;
    case 'AWS::S3::Bucket': {
      const rules = ((p.BucketEncryption as Json | undefined)?.ServerSideEncryptionConfiguration ??
        []) as Json[];
      return (rules[0]?.ServerSideEncryptionByDefault as Json | undefined)?.KMSMasterKeyID;
    }
    default:
      return undefined;
  }
}

/** The KMS calls a service makes with the caller's credentials when the caller does `action`. */
const NEEDS: [RegExp, string[]][] = [
  [/^sns:Publish$/, ['kms:GenerateDataKey', 'kms:Decrypt']],
  [/^sqs:SendMessage(Batch)?$/, ['kms:GenerateDataKey', 'kms:Decrypt']],
  [/^sqs:ReceiveMessage$/, ['kms:Decrypt']],
  [/^kinesis:PutRecords?$/, ['kms:GenerateDataKey']],
  [/^kinesis:(GetRecords|SubscribeToShard)$/, ['kms:Decrypt']],
  [
    /^dynamodb:(GetItem|BatchGetItem|Query|Scan|PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/,
    ['kms:Decrypt'],
  ],
  [/^secretsmanager:GetSecretValue$/, ['kms:Decrypt']],
  [/^secretsmanager:PutSecretValue$/, ['kms:GenerateDataKey']],
  [/^s3:GetObject$/, ['kms:Decrypt']],
  [/^s3:PutObject$/, ['kms:GenerateDataKey']],
];
const SERVICE_CONTEXT: Record<string, string> = {
  dynamodb: 'aws:dynamodb:',
  sns: 'aws:sns:',
  sqs: 'aws:sqs:',
  kinesis: 'aws:kinesis:',
  secretsmanager: 'SecretARN',
  s3: 'aws:s3:arn',
};

const actionMatches = (granted: string, wanted: string) =>
  new RegExp(`^${granted.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(wanted);

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: unknown;
  Condition?: unknown;
  Principal?: unknown;
}

/** Inline statements of a function, state machine or role (SAM policy templates have none). */
function statementsOf(r: Json): Statement[] {
  const p = (r.Properties ?? {}) as Json;
  const docs: unknown[] =
    r.Type === 'AWS::IAM::Role'
      ? list(p.Policies as Json[]).map((x) => (x as Json).PolicyDocument)
      : list(p.Policies as unknown[]);
  return docs.flatMap((d) => (isObj(d) ? list(d.Statement as Statement[]) : []));
}

/** Does a grant's condition still hold for a call the service makes with its own context? */
function conditionAllows(condition: unknown, service: string): boolean {
  const text = JSON.stringify(condition ?? {});
  if (!/kms:EncryptionContext/.test(text)) return true;
  return text.includes(SERVICE_CONTEXT[service] ?? '\u0000') || text.includes(`${service}.`);
}

export function checkKeyAccess(resources: Record<string, Json>): KeyAccessProblem[] {
  const out: KeyAccessProblem[] = [];
  const keys = new Set(
    Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::KMS::Key')
      .map(([n]) => n),
  );
  const encrypted = new Map<string, string>();
  for (const [name, r] of Object.entries(resources)) {
    const key = refTarget(keyOf(r));
    if (key && keys.has(key)) encrypted.set(name, key);
  }

  // 1. Services that deliver into an encrypted topic or queue: the key policy must let them.
  const deliveries: { service: string; target: string; from: string }[] = [];
  for (const [name, r] of Object.entries(resources)) {
    const p = (r.Properties ?? {}) as Json;
    if (r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm')
      for (const a of [...list(p.AlarmActions), ...list(p.OKActions), ...list(p.InsufficientDataActions)]) {
        const t = refTarget(a);
        if (t) deliveries.push({ service: 'cloudwatch.amazonaws.com', target: t, from: name });
      }
    if (r.Type === 'AWS::Events::Rule')
      for (const target of list(p.Targets as Json[])) {
        for (const arn of [target.Arn, (target.DeadLetterConfig as Json | undefined)?.Arn]) {
          const t = refTarget(arn);
          if (t) deliveries.push({ service: 'events.amazonaws.com', target: t, from: name });
        }
      }
    if (r.Type === 'AWS::Serverless::Function' || r.Type === 'AWS::Serverless::StateMachine')
      for (const [event, e] of Object.entries((p.Events ?? {}) as Record<string, Json>)) {
        const dl = ((e.Properties ?? {}) as Json).DeadLetterConfig as Json | undefined;
        const t = refTarget(dl?.Arn);
        if (t)
          deliveries.push({ service: 'events.amazonaws.com', target: t, from: `${name}.Events.${event}` });
      }
    if (r.Type === 'AWS::S3::Bucket') {
      const n = (p.NotificationConfiguration ?? {}) as Json;
      for (const c of list(n.TopicConfigurations as Json[])) {
        const t = refTarget(c.Topic);
        if (t) deliveries.push({ service: 's3.amazonaws.com', target: t, from: name });
      }
      for (const c of list(n.QueueConfigurations as Json[])) {
        const t = refTarget(c.Queue);
        if (t) deliveries.push({ service: 's3.amazonaws.com', target: t, from: name });
      }
    }
  }
  const seen = new Set<string>();
  for (const d of deliveries) {
    const key = encrypted.get(d.target);
    if (!key || seen.has(`${d.service} ${d.target}`)) continue;
    seen.add(`${d.service} ${d.target}`);
    const policy = ((resources[key]?.Properties ?? {}) as Json).KeyPolicy as Json | undefined;
    const allowed = list(policy?.Statement as Statement[]).filter(
      (s) =>
        s.Effect === 'Allow' &&
        JSON.stringify((s.Principal as Json | undefined)?.Service ?? '').includes(d.service),
    );
    const missing = ['kms:GenerateDataKey', 'kms:Decrypt'].filter(
      (a) => !allowed.some((s) => list(s.Action).some((g) => actionMatches(g, a))),
    );
    if (missing.length)
      out.push({
        where: `${key}.KeyPolicy`,
        problem: `${d.service} delivers into ${d.target} (from ${d.from}) but the key policy does not allow it ${missing.join(', ')}`,
      });
  }

  // 2. Roles calling a service on an encrypted resource: the KMS actions that call needs.
  for (const [name, r] of Object.entries(resources)) {
    if (!/^AWS::(Serverless::Function|Serverless::StateMachine|IAM::Role)$/.test(String(r.Type))) continue;
    const statements = statementsOf(r).filter((s) => s.Effect === 'Allow');
    const needed = new Map<string, { key: string; service: string; action: string; resource: string }>();
    for (const s of statements)
      for (const action of list(s.Action))
        for (const [pattern, kms] of NEEDS) {
          if (!pattern.test(action)) continue;
          for (const [resource, key] of encrypted)
            if (mentionsId(s.Resource, resource))
              for (const k of kms)
                needed.set(`${key} ${k} ${action.split(':')[0]}`, {
                  key,
                  service: action.split(':')[0] as string,
                  action: k,
                  resource: `${action} on ${resource}`,
                });
        }
    for (const n of needed.values()) {
      const granted = statements.some(
        (s) =>
          list(s.Action).some((g) => actionMatches(g, n.action)) &&
          (mentionsId(s.Resource, n.key) || JSON.stringify(s.Resource) === '"*"') &&
          conditionAllows(s.Condition, n.service),
      );
      if (!granted)
        out.push({
          where: name,
          problem: `${n.resource} needs ${n.action} on ${n.key}${
            n.service === 'dynamodb' ? ' (DynamoDB calls KMS with its own encryption context)' : ''
          }`,
        });
    }
  }
  return out;
}
