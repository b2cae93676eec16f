import { checkStageNames } from '../../../../tools/template-check/stage-names';

/** Names unique per account and region, on small templates: which carry the stage and which do not. */
type Json = Record<string, unknown>;
const problems = (resources: Record<string, Json>) =>
  checkStageNames(resources).map((p) => `${p.where}: ${p.problem}`);
const table = (name: unknown): Json => ({ Type: 'AWS::DynamoDB::Table', Properties: { TableName: name } });

describe('names per stage', () => {
  it('a literal name is one for every stage; the stage, the stack name or a resource of the stack make it one per stage', () => {
    expect(problems({ T: table('c360-dedupe') })).toEqual([
      'T.TableName: "c360-dedupe" is one name for every stage: add ${Stage} (or leave it out and let CloudFormation name it)'.replace(
        '${Stage}',
        ['$', '{Stage}'].join(''),
      ),
    ]);
    expect(problems({ T: table({ 'Fn::Sub': ['c360-', '{Stage}'].join('$') }) })).toEqual([]);
    expect(problems({ T: table({ 'Fn::Sub': ['c360-', '{AWS::StackName}'].join('$') }) })).toEqual([]);
    expect(problems({ T: table({ Ref: 'Stage' }) })).toEqual([]);
    // Built from a resource of this stack: by Ref, GetAtt or inside a Sub.
    expect(problems({ F: { Type: 'AWS::Serverless::Function' }, T: table({ Ref: 'F' }) })).toEqual([]);
    expect(
      problems({ F: { Type: 'AWS::Serverless::Function' }, T: table({ 'Fn::GetAtt': ['F', 'Arn'] }) }),
    ).toEqual([]);
    expect(
      problems({
        F: { Type: 'AWS::Serverless::Function' },
        T: table({ 'Fn::Sub': ['/aws/lambda/', '{F}'].join('$') }),
      }),
    ).toEqual([]);
    // A parameter or pseudo parameter that is not the stage is still one name for every stage.
    expect(problems({ T: table({ Ref: 'AWS::Region' }) })).toHaveLength(1);
    expect(problems({ T: table({ 'Fn::Sub': ['c360-', '{Other}'].join('$') }) })).toHaveLength(1);
    // Left out, CloudFormation names it per stack.
    expect(problems({ T: { Type: 'AWS::DynamoDB::Table', Properties: {} } })).toEqual([]);
  });

  it('nested name properties (a Glue database) and types without a unique name', () => {
    expect(
      problems({ D: { Type: 'AWS::Glue::Database', Properties: { DatabaseInput: { Name: 'c360' } } } }),
    ).toEqual([expect.stringMatching(/^D\.DatabaseInput\.Name: "c360" is one name for every stage/)]);
    expect(problems({ D: { Type: 'AWS::Glue::Database', Properties: { DatabaseInput: {} } } })).toEqual([]);
    expect(
      problems({ Q: { Type: 'AWS::Athena::NamedQuery', Properties: { Name: 'top customers' } } }),
    ).toEqual([]);
  });

  it("schedules: SAM names a ScheduleV2 after its event unless named or told to omit it; a Schedule's own name must carry the stage", () => {
    const machine = (events: Json): Json => ({
      Type: 'AWS::Serverless::StateMachine',
      Properties: { Events: events },
    });
    expect(problems({ M: machine({ Daily: { Type: 'ScheduleV2', Properties: {} } }) })).toEqual([
      expect.stringMatching(/^M\.Events\.Daily: SAM names this schedule "MDaily" in every stage/),
    ]);
    expect(
      problems({ M: machine({ Daily: { Type: 'ScheduleV2', Properties: { OmitName: true } } }) }),
    ).toEqual([]);
    expect(
      problems({ M: machine({ Daily: { Type: 'ScheduleV2', Properties: { Name: 'daily' } } }) }),
    ).toEqual([expect.stringMatching(/^M\.Events\.Daily\.Name: "daily" is one name for every stage/)]);
    expect(
      problems({
        M: machine({
          Daily: { Type: 'ScheduleV2', Properties: { Name: { 'Fn::Sub': ['d-', '{Stage}'].join('$') } } },
        }),
      }),
    ).toEqual([]);
    // The older Schedule event (an EventBridge rule) is named by CloudFormation unless given one.
    const fn = (events: Json): Json => ({
      Type: 'AWS::Serverless::Function',
      Properties: { Events: events },
    });
    expect(problems({ F: fn({ Nightly: { Type: 'Schedule', Properties: {} } }) })).toEqual([]);
    expect(
      problems({ F: fn({ Nightly: { Type: 'Schedule', Properties: { Name: 'nightly' } } }) }),
    ).toHaveLength(1);
    // Other events have no account-wide name.
    expect(problems({ F: fn({ Api: { Type: 'HttpApi', Properties: { Name: 'x' } } }) })).toEqual([]);
  });
});
