import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * cfn-lint (AWS's CloudFormation linter, SAM transform included) on template.yaml, informational
 * rules too (I3011: data stores without an explicit DeletionPolicy). It is a Python tool on the
 * machine image; `.ci/run` fails before the tests when it is missing, and so does this test.
 */
const root = join(__dirname, '../..');

interface Finding {
  Rule: { Id: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

function cfnLint(file: string): Finding[] {
  const r = spawnSync('cfn-lint', ['--include-checks', 'I', '--format', 'json', file], { encoding: 'utf8' });
  if (r.error)
    throw new Error(
      `cfn-lint could not run (${r.error.message}): install it (pip install cfn-lint) or use the CI machine image`,
    );
  // Exit code is a bitmask (2 errors, 4 warnings, 8 informational); the JSON lists every finding.
  return JSON.parse(r.stdout || '[]') as Finding[];
}

describe('cfn-lint', () => {
  it('template.yaml has no error, warning or informational finding', () => {
    const found = cfnLint(join(root, 'template.yaml')).map(
      (f) => `${f.Rule.Id} ${f.Location.Path.slice(0, 2).join('/')}: ${f.Message}`,
    );
    expect(found).toEqual([]);
  });

  it('finds what it is here to find: a data store without a DeletionPolicy and a bad dataset key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'c360-cfnlint-'));
    const file = join(dir, 'planted.yaml');
    writeFileSync(
      file,
      [
        "AWSTemplateFormatVersion: '2010-09-09'",
        'Resources:',
        '  Table:',
        '    Type: AWS::DynamoDB::Table',
        '    Properties:',
        '      BillingMode: PAY_PER_REQUEST',
        '      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]',
        '      KeySchema: [{AttributeName: id, KeyType: HASH}]',
        '  DataSet:',
        '    Type: AWS::QuickSight::DataSet',
        '    DeletionPolicy: Delete',
        '    UpdateReplacePolicy: Delete',
        '    Properties:',
        '      AwsAccountId: !Ref AWS::AccountId',
        '      DataSetId: x',
        '      Name: x',
        '      ImportMode: DIRECT_QUERY',
        '      PhysicalTableMap:',
        '        customer_segments:',
        '          RelationalTable: {DataSourceArn: arn:aws:quicksight:us-east-1:1:datasource/x, Name: v, InputColumns: [{Name: a, Type: STRING}]}',
      ].join('\n'),
    );
    const rules = cfnLint(file).map((f) => `${f.Rule.Id} ${f.Location.Path[1]}`);
    expect(rules).toEqual(expect.arrayContaining(['I3011 Table', 'E3002 DataSet']));
  });
});
