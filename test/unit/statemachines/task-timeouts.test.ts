import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { yamlParse } from 'yaml-cfn';
import { AWS_DEFAULT_TASK_TIMEOUT_S, withAwsTaskTimeouts } from '../../../src/runtime/pipeline';

/**
 * Every Task states its own time limit (AWS best practice), at least as long as what it waits
 * for: the Lambda function's Timeout, the Glue job's, the training job's MaxRuntimeInSeconds.
 */
const root = join(__dirname, '../../..');
type State = Record<string, unknown> & { Type: string };
const template = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as {
  Globals: { Function: { Timeout: number } };
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

function tasks(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, st]): [string, State][] => {
    const inner = (st.ItemProcessor ?? st.Iterator) as { States: Record<string, State> } | undefined;
    const branches = (st.Branches ?? []) as { States: Record<string, State> }[];
    return [
      ...(st.Type === 'Task' ? [[name, st] as [string, State]] : []),
      ...(inner ? tasks(inner.States) : []),
      ...branches.flatMap((b) => tasks(b.States)),
    ];
  });
}

/** "${PipelineStepsFunctionArn}" → PipelineStepsFunction's Timeout in template.yaml. */
function functionTimeout(placeholder: string): number {
  const name = /\$\{(\w+)Arn\}/.exec(placeholder)?.[1] as string;
  const fn = template.Resources[name];
  expect(fn?.Type).toBe('AWS::Serverless::Function');
  return (fn?.Properties.Timeout as number | undefined) ?? template.Globals.Function.Timeout;
}

const files = readdirSync(join(root, 'statemachines')).filter((f) => f.endsWith('.asl.json'));

describe('state machine Task timeouts', () => {
  it.each(files)('%s: every Task sets TimeoutSeconds covering what it waits for', (file) => {
    const def = JSON.parse(readFileSync(join(root, 'statemachines', file), 'utf8'));
    const all = tasks(def.States);
    expect(all.length).toBeGreaterThan(0);
    for (const [name, st] of all) {
      const t = st.TimeoutSeconds as number | undefined;
      expect({ name, hasTimeout: typeof t === 'number' }).toEqual({ name, hasTimeout: true });
      const params = (st.Parameters ?? {}) as Record<string, unknown>;
      if (st.Resource === 'arn:aws:states:::lambda:invoke')
        expect({ name, covers: (t as number) >= functionTimeout(String(params.FunctionName)) }).toEqual({
          name,
          covers: true,
        });
      if (st.Resource === 'arn:aws:states:::glue:startJobRun.sync') {
        const jobs = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Glue::Job');
        const longest = Math.max(...jobs.map((j) => (j.Properties.Timeout as number) * 60));
        expect({ name, covers: (t as number) >= longest }).toEqual({ name, covers: true });
      }
      const stop = (params.StoppingCondition as { MaxRuntimeInSeconds?: number } | undefined)
        ?.MaxRuntimeInSeconds;
      if (stop) expect({ name, covers: (t as number) > stop }).toEqual({ name, covers: true });
    }
  });

  it('the embedded run gives a Task without TimeoutSeconds AWS default, nested ones too', () => {
    const def = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: 'x', Next: 'M' },
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'B', States: { B: { Type: 'Task', Resource: 'x', End: true } } },
          Next: 'P',
        },
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'C', States: { C: { Type: 'Task', Resource: 'x', TimeoutSeconds: 5, End: true } } },
          ],
          End: true,
        },
      },
    };
    const out = withAwsTaskTimeouts(def) as typeof def & {
      States: {
        A: State;
        M: { ItemProcessor: { States: { B: State } } };
        P: { Branches: { States: { C: State } }[] };
      };
    };
    expect(out.States.A.TimeoutSeconds).toBe(AWS_DEFAULT_TASK_TIMEOUT_S);
    expect(out.States.M.ItemProcessor.States.B.TimeoutSeconds).toBe(AWS_DEFAULT_TASK_TIMEOUT_S);
    expect(out.States.P.Branches[0]?.States.C.TimeoutSeconds).toBe(5);
    expect((def.States.A as Record<string, unknown>).TimeoutSeconds).toBeUndefined();
  });
});
