import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { yamlParse } from 'yaml-cfn';

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
 * properties, and HttpApi's AccessLogSettings (the database spells it AccessLogSetting, as
 * AWS::Serverless::Api does; SAM's HttpApi takes the plural).
 */
const EXTRA_PROPS: Record<string, string[]> = {
  'AWS::Serverless::Function': ['LoggingConfig', 'RuntimeManagementConfig', 'SnapStart', 'RecursiveLoop'],
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
}

function checkProps(value: unknown, type: PropType | undefined, where: string, out: TemplateProblem[]): void {
  if (!type || value === null || value === undefined) return;
  if (isObj(value) && isIntrinsic(value)) return;
  if (type.type === 'ref' && type.reference && isObj(value)) {
    const def = db().get('typeDefinition', type.reference.$ref) as unknown as {
      properties: Record<string, { type: PropType }>;
    };
    for (const [k, v] of Object.entries(value)) {
      const p = def.properties[k];
      if (!p) out.push({ where, problem: `unknown property ${k}` });
      else checkProps(v, p.type, `${where}.${k}`, out);
    }
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
      for (const [i, pol] of ((props.Policies ?? []) as unknown[]).entries())
        walkStatements(pol, `${name}.Policies[${i}]`, out);
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

  const refs: { target: string; where: string; attr?: string }[] = [];
  collectRefs(resources, 'Resources', refs);
  collectRefs(t.Outputs, 'Outputs', refs);
  collectRefs(t.Globals, 'Globals', refs);
  // SAM generates <Name>Role for a function or state machine that names no Role.
  const generated = new Set(
    Object.entries(resources)
      .filter(([, r]) => /^AWS::Serverless::(Function|StateMachine)$/.test(String(r.Type)))
      .filter(([, r]) => !((r.Properties ?? {}) as Json).Role)
      .map(([n]) => `${n}Role`),
  );
  for (const r of refs) {
    if (PSEUDO.has(r.target) || params.has(r.target) || resources[r.target] || generated.has(r.target))
      continue;
    out.push({ where: r.where, problem: `reference to unknown ${r.target}` });
  }
  return out;
}
