import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { yamlParse } from 'yaml-cfn';
import { checkKeyAccess } from './key-access';
import { checkStageNames } from './stage-names';

/**
 * Static checks of template.yaml that cfn-lint would make, with the CDK's CloudFormation
 * resource database (no network): resource types and property names (nested ones too), every
 * Ref / GetAtt / Sub target, the Lambda build metadata and entry files, each function's
 * environment against what its entry reads, and IAM statements without wildcards.
 */
type Json = Record<string, unknown>;
export interface TemplateProblem {
  where: string;
  problem: string;
}

const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::URLSuffix',
  'AWS::NoValue',
  'AWS::NotificationARNs',
]);
/**
 * SAM properties the spec database lacks, checked against the SAM docs by hand: newer Function
 * properties, HttpApi's AccessLogSettings (the database spells it AccessLogSetting, as
 * AWS::Serverless::Api does; SAM's HttpApi takes the plural), and StateMachine's versions and
 * aliases (the installed SAM translator generates them: cfn-lint checks what it makes).
 */
const EXTRA_PROPS: Record<string, string[]> = {
  'AWS::Serverless::Function': ['LoggingConfig', 'RuntimeManagementConfig', 'SnapStart', 'RecursiveLoop'],
  'AWS::Serverless::StateMachine': ['AutoPublishAlias', 'UseAliasAsEventTarget', 'DeploymentPreference'],
  'AWS::Serverless::HttpApi': ['AccessLogSettings'],
};

let spec: ReturnType<typeof loadAwsServiceSpecSync> | null = null;
const db = () => {
  spec ??= loadAwsServiceSpecSync();
  return spec;
};

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIntrinsic = (v: Json) =>
  Object.keys(v).length === 1 && (Object.keys(v)[0] === 'Ref' || Object.keys(v)[0]?.startsWith('Fn::'));

interface PropType {
  type: string;
  reference?: { $ref: string };
  element?: PropType;
  inner?: PropType[];
  allowedValues?: string[];
}

function checkProps(value: unknown, type: PropType | undefined, where: string, out: TemplateProblem[]): void {
  if (!type || value === null || value === undefined) return;
  if (isObj(value) && isIntrinsic(value)) return;
  if (type.type === 'ref' && type.reference && isObj(value)) {
    const def = db().get('typeDefinition', type.reference.$ref) as unknown as {
      properties: Record<string, { type: PropType; required?: boolean }>;
    };
    for (const [k, v] of Object.entries(value)) {
      const p = def.properties[k];
      if (!p) out.push({ where, problem: `unknown property ${k}` });
      else checkProps(v, p.type, `${where}.${k}`, out);
    }
    for (const [k, p] of Object.entries(def.properties)) {
      if (p.required && !(k in value)) out.push({ where, problem: `missing required property ${k}` });
    }
  } else if (type.type === 'string' && type.allowedValues && typeof value === 'string') {
    if (!type.allowedValues.includes(value))
      out.push({ where, problem: `${value} is not one of ${type.allowedValues.join(', ')}` });
  } else if (type.type === 'array' && Array.isArray(value)) {
    value.forEach((v, i) => {
      checkProps(v, type.element, `${where}[${i}]`, out);
    });
  } else if (type.type === 'union' && type.inner) {
    const ref = type.inner.find((t) => t.type === 'ref');
    if (ref && isObj(value)) checkProps(value, ref, where, out);
  }
}

function collectRefs(
  node: unknown,
  path: string,
  out: { target: string; where: string; attr?: string }[],
): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      collectRefs(n, `${path}[${i}]`, out);
    });
  } else if (isObj(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'Ref' && typeof v === 'string') out.push({ target: v, where: path });
      else if (k === 'Fn::GetAtt') {
        const [t, attr] = Array.isArray(v) ? v : String(v).split('.');
        out.push({ target: String(t), where: path, attr: String(attr) });
      } else if (k === 'Fn::Sub') {
        const s = Array.isArray(v) ? String(v[0]) : String(v);
        const vars = Array.isArray(v) && isObj(v[1]) ? Object.keys(v[1]) : [];
        for (const m of s.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = (m[1] as string).split('.')[0] as string;
          if (!vars.includes(name)) out.push({ target: name, where: path });
        }
        if (Array.isArray(v)) collectRefs(v[1], path, out);
      } else collectRefs(v, `${path}.${k}`, out);
    }
  }
}

function walkStatements(doc: unknown, where: string, out: TemplateProblem[]): void {
  if (!isObj(doc)) return;
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [];
  statements.forEach((st, i) => {
    if (!isObj(st) || st.Effect !== 'Allow') return;
    const actions = ([] as unknown[]).concat(st.Action ?? []);
    const resources = ([] as unknown[]).concat(st.Resource ?? []);
    if (actions.some((a) => a === '*' || (typeof a === 'string' && a.endsWith(':*')))) {
      out.push({
        where: `${where}.Statement[${i}]`,
        problem: `wildcard action ${JSON.stringify(st.Action)}`,
      });
    }
    // "*" only for actions with no resource-level permissions, and then narrowed by a Condition
    // (e.g. the caller's own Data API statements, one CloudWatch namespace).
    if (resources.includes('*') && !isObj(st.Condition)) {
      out.push({ where: `${where}.Statement[${i}]`, problem: 'Resource "*" without a Condition' });
    }
  });
}

/**
 * SAM policy templates the stack may use, expanded to what they grant (checked like any
 * statement); any other template, or a managed policy by name, is refused.
 */
const SAM_POLICY_TEMPLATES: Record<string, (args: Json) => Json> = {
  LambdaInvokePolicy: (a) => ({
    Statement: [
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: a.FunctionName ?? '*',
      },
    ],
  }),
  StepFunctionsExecutionPolicy: (a) => ({
    Statement: [
      {
        Effect: 'Allow',
        Action: ['states:StartExecution'],
        Resource: a.StateMachineName ?? '*',
      },
    ],
  }),
};

function checkSamPolicies(policies: unknown[], where: string, out: TemplateProblem[]): void {
  policies.forEach((pol, i) => {
    const at = `${where}.Policies[${i}]`;
    if (typeof pol === 'string' || (isObj(pol) && isIntrinsic(pol))) {
      out.push({
        where: at,
        problem: `managed policy ${JSON.stringify(pol)}: use statements scoped to this stack`,
      });
    } else if (isObj(pol) && !('Statement' in pol)) {
      const [name, args] = Object.entries(pol)[0] ?? ['', {}];
      const expand = SAM_POLICY_TEMPLATES[name];
      if (!expand)
        out.push({
          where: at,
          problem: `SAM policy template ${name} grants more than it names: use scoped statements`,
        });
      else walkStatements(expand(isObj(args) ? args : {}), at, out);
    } else walkStatements(pol, at, out);
  });
}

const mentions = (v: unknown, text: string) => JSON.stringify(v ?? null).includes(text);

/** Resource by resource: encryption, access logging, key grants and the other per-resource rules. */
function checkEachResource(
  resources: Record<string, Json>,
  out: TemplateProblem[],
  logDestinations: Set<string>,
): void {
  for (const [name, r] of Object.entries(resources)) {
    const props = (r.Properties ?? {}) as Json;
    switch (r.Type) {
      case 'AWS::Logs::LogGroup':
        if (!props.KmsKeyId)
          out.push({ where: name, problem: 'log group not encrypted: set KmsKeyId to the lake key' });
        break;
      case 'AWS::DynamoDB::Table':
        if ((props.SSESpecification as Json | undefined)?.SSEType !== 'KMS')
          out.push({
            where: name,
            problem: 'table not encrypted with a customer-managed KMS key (SSESpecification)',
          });
        break;
      case 'AWS::KMS::Key':
        for (const [i, st] of (((props.KeyPolicy as Json | undefined)?.Statement ?? []) as Json[]).entries())
          if (
            mentions((st.Principal as Json | undefined)?.Service, 'logs.') &&
            !mentions(st.Condition, 'kms:EncryptionContext:aws:logs:arn')
          )
            out.push({
              where: `${name}.KeyPolicy.Statement[${i}]`,
              problem:
                'CloudWatch Logs may use the key for any log group: condition it on kms:EncryptionContext:aws:logs:arn',
            });
        break;
      case 'AWS::S3::Bucket': {
        const isLogDestination = [...logDestinations].some((l) => l.includes(`"Ref":"${name}"`));
        const sse = mentions(props.BucketEncryption, 'aws:kms');
        if (!props.BucketEncryption || (!sse && !isLogDestination))
          out.push({
            where: name,
            problem: 'bucket not encrypted with KMS (only an access-log destination may use SSE-S3)',
          });
        if (!props.LoggingConfiguration && !isLogDestination)
          out.push({ where: name, problem: 'bucket without server access logging (LoggingConfiguration)' });
        break;
      }
      case 'AWS::Serverless::HttpApi':
      case 'AWS::Serverless::Api':
        if (mentions(props.AccessLogSettings ?? props.AccessLogSetting, 'identity.sourceIp'))
          out.push({ where: name, problem: 'access logs keep full client IPs ($context.identity.sourceIp)' });
        break;
      case 'AWS::Glue::Job': {
        if (!props.SecurityConfiguration)
          out.push({
            where: name,
            problem: 'Glue job without a SecurityConfiguration (S3, logs and bookmarks encrypted)',
          });
        const temp = ((props.DefaultArguments ?? {}) as Json)['--TempDir'];
        if (!temp || !mentions(temp, 'LakeBucket'))
          out.push({ where: name, problem: 'Glue job without a --TempDir in the lake bucket' });
        break;
      }
      case 'AWS::Glue::Crawler':
        if (!props.CrawlerSecurityConfiguration)
          out.push({ where: name, problem: 'crawler without a CrawlerSecurityConfiguration' });
        break;
      case 'AWS::Glue::SecurityConfiguration': {
        const e = (props.EncryptionConfiguration ?? {}) as Json;
        if (
          !mentions(e.S3Encryptions, 'SSE-KMS') ||
          !mentions(e.CloudWatchEncryption, 'SSE-KMS') ||
          !mentions(e.JobBookmarksEncryption, 'CSE-KMS')
        )
          out.push({
            where: name,
            problem:
              'Glue security configuration must encrypt S3 (SSE-KMS), logs (SSE-KMS) and bookmarks (CSE-KMS)',
          });
        break;
      }
      case 'AWS::Serverless::StateMachine':
        checkSamPolicies((props.Policies ?? []) as unknown[], name, out);
        break;
      case 'AWS::LakeFormation::PrincipalPermissions': {
        const res = (props.Resource ?? {}) as Json;
        if (!res.LFTagPolicy)
          out.push({
            where: name,
            problem:
              'a Lake Formation grant must be by LF-tag (c360_access), never a named database or table',
          });
        else if (
          mentions(props.Principal, 'AnalystRole') &&
          (!mentions(res, '"analyst"') || mentions(res, '"restricted"'))
        )
          out.push({
            where: name,
            problem: 'the analyst role may be granted c360_access=analyst only, never restricted',
          });
        break;
      }
    }
  }
}

/**
 * Athena refuses a query on a table with an injected projected partition unless the WHERE clause
 * pins each injected column with an equality (a literal or an execution parameter).
 */
function checkAthenaQueries(resources: Record<string, Json>, out: TemplateProblem[]): void {
  const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const injected = new Map<string, string[]>();
  for (const [, r] of of('AWS::Glue::Table')) {
    const input = ((r.Properties ?? {}) as Json).TableInput as Json | undefined;
    const params = (input?.Parameters ?? {}) as Record<string, unknown>;
    const cols = Object.entries(params)
      .filter(([k, v]) => /^projection\.[^.]+\.type$/.test(k) && v === 'injected')
      .map(([k]) => k.split('.')[1] as string);
    if (cols.length && typeof input?.Name === 'string') injected.set(input.Name, cols);
  }
  for (const [name, r] of of('AWS::Athena::NamedQuery')) {
    const sql = String(((r.Properties ?? {}) as Json).QueryString ?? '');
    for (const [table, cols] of injected) {
      if (!new RegExp(`\\b${table}\\b`, 'i').test(sql)) continue;
      const where = /\bwhere\b([\s\S]*)/i.exec(sql)?.[1] ?? '';
      for (const c of cols)
        if (!new RegExp(`\\b${c}\\s*=\\s*('[^']*'|\\?)`, 'i').test(where))
          out.push({
            where: name,
            problem: `${table}.${c} is an injected projected partition: the query needs WHERE ${c} = '…' (or = ?), or Athena refuses it`,
          });
    }
  }
}

/**
 * Privacy, encryption and least privilege, resource by resource: log groups and tables encrypted,
 * the logs grant of a key bound to log groups, access logging, no client IPs in access logs, Glue
 * encrypted, Lake Formation governing the lake with analysts reaching only gold (and not its
 * restricted columns), the vault and quarantine audited with an alarm.
 */
function checkGovernance(
  resources: Record<string, Json>,
  out: TemplateProblem[],
  conditions: Json = {},
): void {
  const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const logDestinations = new Set(
    of('AWS::S3::Bucket').map(([, r]) =>
      JSON.stringify(((r.Properties ?? {}) as Json).LoggingConfiguration ?? null),
    ),
  );
  checkEachResource(resources, out, logDestinations);
  if (!of('AWS::LakeFormation::Resource').some(([, r]) => mentions(r.Properties, 'LakeBucket')))
    out.push({ where: 'Resources', problem: 'the lake bucket is not registered with Lake Formation' });
  const analyst = resources.AnalystRole;
  if (analyst) {
    if (
      !of('AWS::LakeFormation::PrincipalPermissions').some(([, r]) => mentions(r.Properties, 'AnalystRole'))
    )
      out.push({ where: 'AnalystRole', problem: 'no Lake Formation grant names the analyst role' });
    for (const secret of ['Vault', 'quarantine', 'GlueDatabase}', 'silver/', 'bronze/'])
      if (mentions(analyst.Properties, secret))
        out.push({
          where: 'AnalystRole',
          problem: `analyst role reaches ${secret}: analysts read gold only, never the vault or quarantine`,
        });
  }
  for (const [table, columns] of Object.entries(RESTRICTED_COLUMNS)) {
    const tagged = of('AWS::LakeFormation::TagAssociation').some(
      ([, r]) =>
        mentions(r.Properties, '"restricted"') &&
        columns.every((c) =>
          mentions(((r.Properties as Json).Resource as Json | undefined)?.TableWithColumns, `"${c}"`),
        ) &&
        mentions(r.Properties, table),
    );
    if (!tagged)
      out.push({
        where: 'Resources',
        problem: `${table} columns ${columns.join(', ')} are not tagged restricted`,
      });
  }
  // Every alarm reaches a person: an SNS action, a composite alarm (which has one) watching it, or
  // the alert function's EventBridge rule naming it (it adds the runbook link).
  const composites = JSON.stringify(
    of('AWS::CloudWatch::CompositeAlarm').map(([, r]) => (r.Properties as Json).AlarmRule),
  );
  for (const [name, r] of [...of('AWS::CloudWatch::Alarm'), ...of('AWS::CloudWatch::CompositeAlarm')]) {
    const actions = ((r.Properties ?? {}) as Json).AlarmActions;
    const routed = of('AWS::Serverless::Function').some(([, f]) =>
      mentions(((f.Properties ?? {}) as Json).Events, `{"Ref":"${name}"}`),
    );
    if (!mentions(actions, 'Topic') && !composites.includes(`\${${name}}`) && !routed)
      out.push({
        where: name,
        problem:
          'alarm reaches nobody: give it an SNS action, a composite alarm, or name it in the alert rule',
      });
  }
  for (const [name, r] of of('AWS::RedshiftServerless::Namespace')) {
    const logs = (((r.Properties ?? {}) as Json).LogExports ?? []) as unknown[];
    for (const l of ['userlog', 'connectionlog', 'useractivitylog'])
      if (!logs.includes(l))
        out.push({ where: name, problem: `Redshift access not audited: LogExports lacks ${l}` });
  }
  // Enhanced VPC routing sends COPY, UNLOAD and Spectrum traffic through the workgroup's VPC:
  // without an S3 gateway endpoint there (created under the same condition), loads cannot reach S3.
  for (const [name, r] of of('AWS::RedshiftServerless::Workgroup')) {
    const evr = ((r.Properties ?? {}) as Json).EnhancedVpcRouting;
    if (evr === false || evr === 'false' || evr === undefined) continue;
    const cond = isObj(evr) && Array.isArray(evr['Fn::If']) ? String(evr['Fn::If'][0]) : null;
    const endpoint = of('AWS::EC2::VPCEndpoint').some(
      ([, e]) =>
        mentions((e.Properties as Json | undefined)?.ServiceName, '.s3') &&
        (e.Properties as Json | undefined)?.VpcEndpointType === 'Gateway' &&
        (cond === null ||
          e.Condition === cond ||
          mentions(conditions[String(e.Condition)], `"Condition":"${cond}"`)),
    );
    if (!endpoint)
      out.push({
        where: name,
        problem:
          'enhanced VPC routing without an S3 gateway endpoint in its VPC: COPY and UNLOAD would have no route to S3',
      });
  }
  checkAthenaQueries(resources, out);
  const trails = of('AWS::CloudTrail::Trail').map(([, r]) => r.Properties);
  for (const watched of ['/quarantine/', 'VaultKeysTable', 'VaultEntriesTable'])
    if (!trails.some((t) => mentions((t as Json).AdvancedEventSelectors, watched)))
      out.push({ where: 'Resources', problem: `no CloudTrail data events on ${watched}` });
  if (
    !of('AWS::CloudWatch::Alarm').some(
      ([, r]) =>
        mentions(r.Properties, 'PrivateDataAccessOutsideRoles') && mentions(r.Properties, 'AlarmActions'),
    )
  )
    out.push({
      where: 'Resources',
      problem: 'no alarm on access to the vault or quarantine by other principals',
    });
}

/**
 * A custom resource (its properties are the provider's own, so only CloudFormation's rules): a
 * type name CloudFormation accepts, a ServiceToken naming a function of this stack, and a
 * ServiceTimeout (1-3600 s) so a lost answer fails the deploy in minutes rather than an hour.
 */
function checkCustomResource(
  name: string,
  type: string,
  props: Json,
  resources: Record<string, Json>,
  out: TemplateProblem[],
): void {
  if (type !== 'AWS::CloudFormation::CustomResource' && !/^Custom::[A-Za-z0-9_@-]{1,60}$/.test(type))
    out.push({
      where: name,
      problem: `custom resource type ${type}: Custom:: then up to 60 of A-Z a-z 0-9 _ @ -`,
    });
  const token = props.ServiceToken as Json | undefined;
  const target = isObj(token) && Array.isArray(token['Fn::GetAtt']) ? String(token['Fn::GetAtt'][0]) : null;
  if (!target || resources[target]?.Type !== 'AWS::Serverless::Function')
    out.push({ where: name, problem: 'ServiceToken must be !GetAtt <a function of this stack>.Arn' });
  const timeout = Number(props.ServiceTimeout);
  if (!(Number.isInteger(timeout) && timeout >= 1 && timeout <= 3600))
    out.push({
      where: name,
      problem: 'set ServiceTimeout (1-3600 s): the default waits an hour for a lost answer',
    });
}

/** Gold columns analysts must not see (direct identifiers of the source systems). */
const RESTRICTED_COLUMNS: Record<string, string[]> = { DimCustomerGlueTable: ['user_id'] };

/** Names the entry passes to readEnv([...], {...}) in functions/<name>/index.ts. */
export function envNamesRead(entrySource: string): string[] {
  const m = /readEnv\(\s*\[([^\]]*)\](?:\s*,\s*\{([^}]*)\})?/s.exec(entrySource);
  if (!m) return [];
  const required = [...(m[1] ?? '').matchAll(/'([A-Z0-9_]+)'/g)].map((x) => x[1] as string);
  const optional = [...(m[2] ?? '').matchAll(/([A-Z0-9_]+)\s*:/g)].map((x) => x[1] as string);
  return [...required, ...optional];
}

export function checkTemplate(templateText: string, root: string): TemplateProblem[] {
  const out: TemplateProblem[] = [];
  const t = yamlParse(templateText) as Json;
  const resources = (t.Resources ?? {}) as Record<string, Json>;
  const params = new Set(Object.keys((t.Parameters ?? {}) as Json));
  const globals = ((t.Globals as Json | undefined)?.Function ?? {}) as Json;

  for (const [name, r] of Object.entries(resources)) {
    const type = String(r.Type);
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') {
      checkCustomResource(name, type, (r.Properties ?? {}) as Json, resources, out);
      continue;
    }
    const found = db().lookup('resource', 'cloudFormationType', 'equals', type);
    const res = found[0] as unknown as { properties: Record<string, { type: PropType }> } | undefined;
    if (!res) {
      out.push({ where: name, problem: `unknown resource type ${type}` });
      continue;
    }
    const props = (r.Properties ?? {}) as Json;
    for (const [k, v] of Object.entries(props)) {
      const p = res.properties[k];
      if (!p && !(EXTRA_PROPS[type] ?? []).includes(k))
        out.push({ where: `${name}.Properties`, problem: `unknown property ${k} for ${type}` });
      else if (p && !type.startsWith('AWS::Serverless::')) checkProps(v, p.type, `${name}.${k}`, out);
    }
    if (type === 'AWS::IAM::Role') {
      // AWS-managed policies grant far more than one stack needs: scoped statements instead.
      for (const arn of (props.ManagedPolicyArns ?? []) as unknown[]) {
        const text = JSON.stringify(arn);
        if (text.includes(':iam::aws:policy/'))
          out.push({
            where: `${name}.ManagedPolicyArns`,
            problem: `AWS-managed policy ${text}: replace it with statements scoped to this stack's resources`,
          });
      }
      for (const [i, pol] of ((props.Policies ?? []) as Json[]).entries())
        walkStatements(pol.PolicyDocument, `${name}.Policies[${i}]`, out);
    }
    if (type === 'AWS::Serverless::Function') {
      checkSamPolicies((props.Policies ?? []) as unknown[], name, out);
      const meta = (r.Metadata ?? {}) as Json;
      const build = (meta.BuildProperties ?? {}) as Json;
      if (meta.BuildMethod !== 'esbuild')
        out.push({ where: name, problem: 'Metadata.BuildMethod must be esbuild' });
      const entries = (build.EntryPoints ?? []) as string[];
      if (entries.length !== 1)
        out.push({ where: name, problem: 'needs exactly one Metadata.BuildProperties.EntryPoints' });
      const runtime = props.Runtime ?? globals.Runtime;
      const arch = (props.Architectures ?? globals.Architectures) as string[] | undefined;
      if (runtime !== 'nodejs22.x')
        out.push({ where: name, problem: `runtime ${String(runtime)}, expected nodejs22.x` });
      if (arch?.[0] !== 'arm64') out.push({ where: name, problem: 'architecture must be arm64' });
      for (const entry of entries) {
        const file = join(root, entry);
        if (!existsSync(file)) {
          out.push({ where: name, problem: `entry ${entry} does not exist` });
          continue;
        }
        const wanted = envNamesRead(readFileSync(file, 'utf8')).sort();
        const vars = Object.keys(((props.Environment as Json | undefined)?.Variables ?? {}) as Json).sort();
        const missing = wanted.filter((v) => !vars.includes(v));
        const extra = vars.filter((v) => !wanted.includes(v));
        if (missing.length)
          out.push({ where: name, problem: `environment lacks ${missing.join(', ')} read by ${entry}` });
        if (extra.length)
          out.push({
            where: name,
            problem: `environment sets ${extra.join(', ')} that ${entry} never reads`,
          });
      }
    }
  }

  checkGovernance(resources, out, (t.Conditions ?? {}) as Json);
  out.push(...checkKeyAccess(resources));
  out.push(...checkStageNames(resources));
  const refs: { target: string; where: string; attr?: string }[] = [];
  collectRefs(resources, 'Resources', refs);
  collectRefs(t.Outputs, 'Outputs', refs);
  collectRefs(t.Globals, 'Globals', refs);
  // SAM generates <Name>Role for a function or state machine that names no Role, and
  // <Name>Alias<alias> and <Name>Version for a state machine with AutoPublishAlias.
  const generated = new Set([
    ...Object.entries(resources)
      .filter(([, r]) => /^AWS::Serverless::(Function|StateMachine)$/.test(String(r.Type)))
      .filter(([, r]) => !((r.Properties ?? {}) as Json).Role)
      .map(([n]) => `${n}Role`),
    ...Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Serverless::StateMachine')
      .flatMap(([n, r]) => {
        const alias = ((r.Properties ?? {}) as Json).AutoPublishAlias;
        return typeof alias === 'string' ? [`${n}Alias${alias}`, `${n}Version`] : [];
      }),
  ]);
  for (const r of refs) {
    if (PSEUDO.has(r.target) || params.has(r.target) || resources[r.target] || generated.has(r.target))
      continue;
    out.push({ where: r.where, problem: `reference to unknown ${r.target}` });
  }
  return out;
}
