import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { yamlParse } from 'yaml-cfn';
import { POSTBACK_NETWORKS } from '../../src/domain/webhooks/config';
import { WEBHOOK_SOURCE_NAMES } from '../../src/sources';
import { checkTemplate, envNamesRead } from '../../tools/template-check/check-template';

const root = join(__dirname, '../..');
const template = readFileSync(join(root, 'template.yaml'), 'utf8');

describe('template.yaml', () => {
  it('passes every static check', () => {
    expect(checkTemplate(template, root)).toEqual([]);
  });

  it('declares the Kinesis event source the enrich handler relies on', () => {
    expect(template).toMatch(/FunctionResponseTypes: \[ReportBatchItemFailures\]/);
    expect(template).toMatch(/BatchSize: 10000/);
    expect(template).toMatch(/BisectBatchOnFunctionError: true/);
  });

  it('lets the Glue and EMR job roles read and write every lake prefix the ETL script uses', () => {
    const script = readFileSync(join(root, 'glue/run_sql.py'), 'utf8');
    const prefixes = new Set([...script.matchAll(/\{lake\}\/([a-z_-]+)/g)].map((m) => m[1] as string));
    for (const m of script.matchAll(/Prefix="([a-z_-]+)\//g)) prefixes.add(m[1] as string);
    for (const m of script.matchAll(/Key=f?"([a-z_-]+)\//g)) prefixes.add(m[1] as string);
    for (const p of JSON.parse(readFileSync(join(root, 'sql/pipeline.json'), 'utf8')).steps ?? [])
      if (typeof p.path === 'string') prefixes.add(p.path.split('/')[0]);
    expect([...prefixes].sort()).toEqual(
      expect.arrayContaining([
        '_staging',
        'bronze',
        'firehose-errors',
        'gold',
        'lineage',
        'reference',
        'silver',
      ]),
    );
    for (const role of ['  GlueRole:', '  EmrJobRole:']) {
      const start = template.indexOf(role);
      const block = template.slice(start, template.indexOf('\n\n', start));
      for (const prefix of prefixes)
        expect({ role, prefix, granted: block.includes(`\${LakeBucket.Arn}/${prefix}/*`) }).toEqual({
          role,
          prefix,
          granted: true,
        });
    }
  });

  it('lets the forget job rewrite every lake prefix glue/forget.py touches, and nothing of quarantine or the vault', () => {
    const script = readFileSync(join(root, 'glue/forget.py'), 'utf8');
    const prefixes = new Set<string>(['_staging']);
    for (const m of script.matchAll(/"(bronze|silver|gold|features|scores|quarantine)[/"]/g))
      prefixes.add(m[1] as string);
    const start = template.indexOf('  ForgetJobRole:');
    const block = template.slice(start, template.indexOf('\n\n', start));
    for (const prefix of prefixes)
      expect({ prefix, granted: block.includes(`\${LakeBucket.Arn}/${prefix}/*`) }).toEqual({
        prefix,
        granted: true,
      });
    expect(block).not.toMatch(/quarantine|Vault/);
  });

  it('reads the env names each Lambda entry asks for', () => {
    const src = readFileSync(join(root, 'functions/enrich/index.ts'), 'utf8');
    expect(envNamesRead(src)).toEqual([
      'DELIVERY_STREAM_NAME',
      'QUARANTINE_STREAM_NAME',
      'CHECKPOINT_TABLE_NAME',
      'PSEUDONYMIZATION_KEY_SECRET_ARN',
      'LAKE_BUCKET',
      'VAULT_KEY_ARN',
      'VAULT_KEYS_TABLE',
      'VAULT_ENTRIES_TABLE',
      'LATE_WINDOW_HOURS',
      'GEO_ENABLED',
      'VAULT_RETENTION_DAYS',
    ]);
  });

  it('gives each public entry point (each webhook source, each postback network) its own throttle, caps the public functions, and lets only the subject access function read the vault', () => {
    const doc = yamlParse(template) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const r = doc.Resources;
    // Every route the public API serves has its own RouteSettings throttle (a flood on one entry
    // point is refused there, 429, while the others keep their share).
    const routes = Object.values(r).flatMap((res) =>
      Object.values(
        (res.Properties?.Events ?? {}) as Record<
          string,
          { Type: string; Properties: { Method: string; Path: string } }
        >,
      )
        .filter((e) => e.Type === 'HttpApi')
        .map((e) => `${e.Properties.Method} ${e.Properties.Path}`),
    );
    const settings = (r.HttpApi?.Properties.RouteSettings ?? {}) as Record<string, Record<string, unknown>>;
    expect(
      routes.filter((route) => !route.startsWith('OPTIONS') && !settings[route]?.ThrottlingRateLimit),
    ).toEqual([]);
    // Each webhook source and postback network has a route (and so a share) of its own.
    const own = [
      ...WEBHOOK_SOURCE_NAMES.map((n) => `POST /webhooks/${n}`),
      ...POSTBACK_NETWORKS.flatMap((n) => [`GET /postbacks/${n}/{token}`, `POST /postbacks/${n}/{token}`]),
    ];
    expect(own.filter((route) => !routes.includes(route))).toEqual([]);
    // The functions behind the public routes are capped (a parameter; 0 lifts the cap).
    for (const fn of ['IngestFunction', 'WebhooksFunction'])
      expect([fn, JSON.stringify(r[fn]?.Properties.ReservedConcurrentExecutions)]).toEqual([
        fn,
        expect.stringContaining('ReservedConcurrency'),
      ]);
    // Reading the vault (DynamoDB Query on the entries and KMS Decrypt on the vault key with the
    // vault's context): enrich (it writes) and the subject access function, nobody else.
    const decrypts = Object.entries(r)
      .filter(([, res]) => res.Type === 'AWS::Serverless::Function')
      .filter(([, res]) =>
        JSON.stringify(res.Properties.Policies ?? []).includes(
          '"kms:EncryptionContextKeys":["purpose","subject"]',
        ),
      )
      .map(([name]) => name)
      .sort();
    expect(decrypts).toEqual(['EnrichFunction', 'SubjectAccessFunction']);
  });

  it('sets the cost guardrails: a budget alerting on the alert topic (which it may publish to, through its key), a Redshift ceiling, tags for cost allocation on every deploy', () => {
    const doc = yamlParse(template) as {
      Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
    };
    const r = doc.Resources;
    const budget = r.CostBudget;
    expect(budget?.Type).toBe('AWS::Budgets::Budget');
    const subscribers = JSON.stringify((budget?.Properties.NotificationsWithSubscribers as unknown[]) ?? []);
    expect(subscribers).toContain('"SubscriptionType":"SNS"');
    expect(subscribers).toContain('"Ref":"AlertTopic"');
    // The topic is encrypted with the lake key: Budgets must be allowed to use the key and publish.
    expect(JSON.stringify(r.LakeKey?.Properties.KeyPolicy)).toContain('budgets.amazonaws.com');
    const policy = Object.values(r).find(
      (x) =>
        x.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(x.Properties).includes('budgets.amazonaws.com'),
    );
    expect(policy?.Condition).toBe(budget?.Condition);
    expect(JSON.stringify(budget?.Properties.Budget)).toContain('user:c360:stage$');
    expect(r.RedshiftWorkgroup?.Properties.MaxCapacity).toEqual({ Ref: 'RedshiftMaxCapacity' });
    const samconfig = readFileSync(join(root, 'samconfig.toml'), 'utf8');
    const deploys = samconfig.split(/\n(?=\[)/).filter((sec) => /^\[\w+\.deploy\.parameters\]/.test(sec));
    expect(deploys.length).toBeGreaterThan(0);
    for (const sec of deploys) {
      const stage = /Stage=(\w+)/.exec(sec)?.[1];
      expect([stage, /tags = ".*c360:stage=(\w+)/.exec(sec)?.[1]]).toEqual([stage, stage]);
    }
  });

  it('keeps each layer exactly as long as config/retention.json says', () => {
    const policy = JSON.parse(readFileSync(join(root, 'config/retention.json'), 'utf8'));
    const layers = policy.layers as Record<string, number | null>;
    expect(template).toContain(`RetentionPeriodHours: ${policy.stream_hours}`);
    for (const [layer, days] of Object.entries(layers)) {
      if (layer === 'vault') {
        expect(template).toContain(`VAULT_RETENTION_DAYS: '${days}'`);
        continue;
      }
      if (layer === 'previous-versions') {
        // Objects removed from the versioned bucket (a reprocess's previous bronze version).
        expect(template).toMatch(new RegExp(`NoncurrentVersionExpiration:\\n\\s+NoncurrentDays: ${days}\\n`));
        continue;
      }
      const rule = new RegExp(`Prefix: ${layer}/\\n\\s+ExpirationInDays: (\\d+)`).exec(template);
      expect({ layer, days: rule ? Number(rule[1]) : null }).toEqual({ layer, days });
    }
  });

  it('versions every state machine behind a "live" alias: schedules and the machines that start others go through it', () => {
    type Res = { Type: string; Properties?: Record<string, unknown> };
    const doc = yamlParse(template) as {
      Resources: Record<string, Res>;
      Outputs: Record<string, { Value: unknown }>;
    };
    const machines = Object.entries(doc.Resources).filter(
      ([, r]) => r.Type === 'AWS::Serverless::StateMachine',
    );
    expect(machines.length).toBeGreaterThan(0);
    for (const [name, r] of machines) {
      const p = r.Properties as Record<string, unknown>;
      expect({ name, alias: p.AutoPublishAlias }).toEqual({ name, alias: 'live' });
      if (p.Events) expect({ name, target: p.UseAliasAsEventTarget }).toEqual({ name, target: true });
      // Any other machine this one starts (a *Arn substitution naming a state machine) is its alias.
      for (const [k, v] of Object.entries((p.DefinitionSubstitutions ?? {}) as Record<string, unknown>)) {
        const text = JSON.stringify(v);
        if (
          !/stateMachine|Pipeline|Backfill|StateMachine/.test(text) ||
          !k.endsWith('Arn') ||
          /Function|Topic|Secret|Role|Key/.test(k)
        )
          continue;
        expect({ name, k, alias: /Aliaslive|:live"/.test(text) }).toEqual({ name, k, alias: true });
      }
    }
    const daily = doc.Resources.DailyPipeline?.Properties as {
      DeploymentPreference?: { Alarms: { Ref: string }[] };
    };
    expect(daily.DeploymentPreference?.Alarms).toEqual([{ Ref: 'PipelineFailedAlarm' }]);
  });

  it('releases the ingest, webhooks and enrich functions gradually behind a "live" alias, rolled back by alarms on the new version only; the API can live under its own domain', () => {
    type Res = { Type: string; Condition?: string; Properties?: Record<string, unknown> };
    const doc = yamlParse(template) as {
      Resources: Record<string, Res>;
      Outputs: Record<string, { Value: unknown }>;
    };
    for (const fn of ['IngestFunction', 'WebhooksFunction', 'EnrichFunction']) {
      const p = doc.Resources[fn]?.Properties as {
        AutoPublishAlias?: string;
        DeploymentPreference?: { Type: unknown; Alarms: { Ref: string }[] };
      };
      expect([fn, p.AutoPublishAlias]).toEqual([fn, 'live']);
      expect(p.DeploymentPreference?.Type).toEqual({ Ref: 'DeploymentType' });
      const alarms = p.DeploymentPreference?.Alarms.map((a) => a.Ref) ?? [];
      expect(alarms.sort()).toEqual([`${fn}CanaryErrorsAlarm`, `${fn}CanaryLatencyAlarm`]);
      for (const alarm of alarms) {
        const dims = (doc.Resources[alarm]?.Properties?.Dimensions ?? []) as {
          Name: string;
          Value: unknown;
        }[];
        // The new version only: the alias's invocations that ran the version being deployed.
        expect(dims).toEqual(
          expect.arrayContaining([
            { Name: 'Resource', Value: { 'Fn::Sub': `\${${fn}}:live` } },
            { Name: 'ExecutedVersion', Value: { 'Fn::GetAtt': [fn, 'Version.Version'] } },
          ]),
        );
      }
    }
    expect(doc.Resources.ApiDomain?.Condition).toBe('HasApiDomain');
    expect(doc.Resources.ApiDomainMapping?.Properties?.ApiId).toEqual({ Ref: 'HttpApi' });
    expect(JSON.stringify(doc.Outputs.ApiUrl?.Value)).toContain('HasApiDomain');
  });

  it('every table that holds state is deletion-protected and recoverable to a point in time, or says in its Metadata why not', () => {
    type Res = {
      Type: string;
      DeletionPolicy?: string;
      Metadata?: { c360?: { backup?: string } };
      Properties?: {
        DeletionProtectionEnabled?: boolean;
        PointInTimeRecoverySpecification?: { PointInTimeRecoveryEnabled?: boolean };
        FinalSnapshotName?: unknown;
      };
    };
    const resources = (yamlParse(template) as { Resources: Record<string, Res> }).Resources;
    const tables = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const [name, r] of tables) {
      const reason = r.Metadata?.c360?.backup ?? '';
      const protectedTable =
        r.Properties?.DeletionProtectionEnabled === true && r.DeletionPolicy === 'Retain';
      const pitr = r.Properties?.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true;
      // Either both, or a written reason (at least a sentence) for what is missing.
      expect([
        name,
        protectedTable && pitr ? 'protected' : reason.length > 20 ? 'explained' : 'neither',
      ]).not.toEqual([name, 'neither']);
      if (!protectedTable) expect([name, reason]).toEqual([name, expect.stringMatching(/^none - /)]);
    }
    // The vault's keys: never restorable (crypto-shredding), but the table itself protected.
    expect(resources.VaultKeysTable?.Properties?.DeletionProtectionEnabled).toBe(true);
    expect(
      resources.VaultKeysTable?.Properties?.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled,
    ).toBe(false);
    // The warehouse: kept on stack deletion, with a final snapshot.
    expect(resources.RedshiftNamespace?.DeletionPolicy).toBe('Retain');
    expect(resources.RedshiftNamespace?.Properties?.FinalSnapshotName).toBeDefined();
  });

  it('gives each shard one enrich invocation at a time (the shard checkpoint relies on it), and alarms on the on-failure queue', () => {
    const enrich = template.slice(
      template.indexOf('  EnrichFunction:'),
      template.indexOf('    Metadata:', template.indexOf('  EnrichFunction:')),
    );
    expect(/ParallelizationFactor: (\d+)/.exec(enrich)?.[1]).toBe('1');
    expect(enrich).toContain('CHECKPOINT_TABLE_NAME: !Ref StreamCheckpointTable');
    const alarm = template.slice(
      template.indexOf('  EnrichFailureQueueAlarm:'),
      template.indexOf('\n\n', template.indexOf('  EnrichFailureQueueAlarm:')),
    );
    expect(alarm).toContain('!GetAtt EnrichFailureQueue.QueueName');
    expect(alarm).toContain('ApproximateNumberOfMessagesVisible');
    // It alerts through the alert Lambda's alarm rule (one readable alert with the runbook).
    const alertRule = template.slice(template.indexOf('        StreamAndDelivery:'));
    expect(alertRule.slice(0, alertRule.indexOf('    Metadata:'))).toContain(
      '- !Ref EnrichFailureQueueAlarm',
    );
  });

  it.each([
    [
      'an unknown resource type',
      (t: string) => t.replace('Type: AWS::Kinesis::Stream', 'Type: AWS::Kinesis::Streem'),
      /unknown resource type AWS::Kinesis::Streem/,
    ],
    [
      'a misspelt property',
      (t: string) => t.replace('RetentionPeriodHours: 168', 'RetentionHours: 168'),
      /unknown property RetentionHours/,
    ],
    [
      'an AWS-managed policy on a role',
      (t: string) =>
        t.replace(
          '  GlueRole:\n    Type: AWS::IAM::Role\n    Properties:\n',
          '  GlueRole:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns:\n        - !Sub arn:$' +
            '{AWS::Partition}:iam::aws:policy/service-role/AWSGlueServiceRole\n',
        ),
      /AWS-managed policy .*AWSGlueServiceRole/,
    ],
    [
      'a Resource "*" without a Condition',
      (t: string) =>
        t.replace(
          "              Resource: '*'\n              Condition:\n                StringEquals:\n                  redshift-data:statement-owner-iam-userid: '$" +
            "{aws:userid}'",
          "              Resource: '*'",
        ),
      /Resource "\*" without a Condition/,
    ],
    [
      'a misspelt nested property',
      (t: string) => t.replace('SizeInMBs: 128', 'SizeInMB: 128'),
      /unknown property SizeInMB/,
    ],
    [
      'a dangling Ref',
      (t: string) => t.replace('STREAM_NAME: !Ref EventStream', 'STREAM_NAME: !Ref EventStreem'),
      /unknown EventStreem/,
    ],
    [
      'a dangling Sub variable',
      (t: string) =>
        t.replace('s3://$' + '{LakeBucket}/athena-results/', 's3://$' + '{LakeBuckit}/athena-results/'),
      /unknown LakeBuckit/,
    ],
    [
      'a missing env var',
      (t: string) => t.replace('          WRITE_KEYS_SECRET_ARN: !Ref WriteKeysSecret\n', ''),
      /lacks WRITE_KEYS_SECRET_ARN/,
    ],
    [
      'a wildcard action',
      (t: string) => t.replace('Action: [kinesis:PutRecords]', 'Action: [kinesis:*]'),
      /wildcard action/,
    ],
    [
      'a wildcard resource',
      (t: string) => t.replace('Resource: !GetAtt StreamCheckpointTable.Arn', "Resource: '*'"),
      /Resource "\*"/,
    ],
    [
      'a missing entry file',
      (t: string) => t.replace('functions/ingest/index.ts', 'functions/ingestt/index.ts'),
      /does not exist/,
    ],
    [
      'the wrong runtime',
      (t: string) => t.replace('Runtime: nodejs22.x', 'Runtime: nodejs18.x'),
      /expected nodejs22.x/,
    ],
    [
      'an unencrypted log group',
      (t: string) =>
        t.replace(
          '      LogGroupName: !Sub /aws/lambda/$' +
            '{EnrichFunction}\n      RetentionInDays: !Ref LogRetentionDays\n      KmsKeyId: !GetAtt LakeKey.Arn\n',
          '      LogGroupName: !Sub /aws/lambda/$' +
            '{EnrichFunction}\n      RetentionInDays: !Ref LogRetentionDays\n',
        ),
      /EnrichLogGroup: log group not encrypted/,
    ],
    [
      'a logs grant on the key not bound to log groups',
      (t: string) =>
        t.replace(
          '            Condition:\n              ArnLike:\n                kms:EncryptionContext:aws:logs:arn:',
          '            Metadata:\n              ArnLike:\n                kms:EncryptionContext:aws:logs:arn:',
        ),
      /condition it on kms:EncryptionContext:aws:logs:arn/,
    ],
    [
      'a bucket without access logging',
      (t: string) =>
        t.replace(
          '      LoggingConfiguration:\n        DestinationBucketName: !Ref AccessLogsBucket\n        LogFilePrefix: s3-access/lake/\n',
          '',
        ),
      /LakeBucket: bucket without server access logging/,
    ],
    [
      'client IPs in the API access log',
      (t: string) =>
        t.replace(
          '"requestId":"$context.requestId",',
          '"requestId":"$context.requestId","ip":"$context.identity.sourceIp",',
        ),
      /access logs keep full client IPs/,
    ],
    [
      'a Glue job without a security configuration',
      (t: string) => t.replace('      SecurityConfiguration: !Ref GlueSecurityConfiguration\n', ''),
      /(EtlJob|ForgetJob|ProfilesSyncJob): Glue job without a SecurityConfiguration/,
    ],
    [
      'a Glue job without a TempDir',
      (t: string) => t.replace("        '--TempDir': !Sub s3://$" + '{LakeBucket}/_glue-temp/\n', ''),
      /without a --TempDir/,
    ],
    [
      'unencrypted Glue bookmarks',
      (t: string) => t.replace('JobBookmarksEncryptionMode: CSE-KMS', 'JobBookmarksEncryptionMode: DISABLED'),
      /must encrypt S3 \(SSE-KMS\), logs \(SSE-KMS\) and bookmarks/,
    ],
    [
      'a managed policy on a function (SAM)',
      (t: string) =>
        t.replace(
          "      Policies:\n        - Version: '2012-10-17'\n          Statement:\n            - Effect: Allow\n              Action: [firehose:PutRecordBatch]",
          "      Policies:\n        - AmazonKinesisFullAccess\n        - Version: '2012-10-17'\n          Statement:\n            - Effect: Allow\n              Action: [firehose:PutRecordBatch]",
        ),
      /managed policy "AmazonKinesisFullAccess"/,
    ],
    [
      'a broad SAM policy template',
      (t: string) =>
        t.replace(
          '        - LambdaInvokePolicy: { FunctionName: !Ref ScoreFunction }',
          '        - S3CrudPolicy: { BucketName: !Ref LakeBucket }',
        ),
      /SAM policy template S3CrudPolicy/,
    ],
    [
      'an unencrypted table',
      (t: string) =>
        t.replace(
          '        SSEType: KMS\n        KMSMasterKeyId: !Ref VaultKey\n      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: false',
          '        SSEType: AES256\n      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: false',
        ),
      /VaultKeysTable: table not encrypted/,
    ],
    [
      'the lake not registered with Lake Formation',
      (t: string) =>
        t.replace(
          '      ResourceArn: !GetAtt LakeBucket.Arn\n      UseServiceLinkedRole: true',
          '      ResourceArn: !GetAtt AccessLogsBucket.Arn\n      UseServiceLinkedRole: true',
        ),
      /not registered with Lake Formation/,
    ],
    [
      'an analyst grant on the restricted tag',
      (t: string) =>
        t.replace(/(AnalystGoldTables:[\s\S]*?TagValues: )\[analyst\]/, '$1[analyst, restricted]'),
      /AnalystGoldTables: the analyst role may be granted c360_access=analyst only/,
    ],
    [
      'the analyst role reaching quarantine',
      (t: string) =>
        t.replace(
          '                Resource: !Sub $' + '{LakeBucket.Arn}/athena-results/*',
          '                Resource:\n                  - !Sub $' +
            '{LakeBucket.Arn}/athena-results/*\n                  - !Sub $' +
            '{LakeBucket.Arn}/quarantine/*',
        ),
      /analyst role reaches quarantine/,
    ],
    [
      'a sensitive gold column left visible',
      (t: string) => t.replace('          ColumnNames: [user_id]', '          ColumnNames: [country]'),
      /DimCustomerGlueTable columns user_id are not tagged restricted/,
    ],
    [
      'no audit of the vault',
      (t: string) => t.replace('                - !GetAtt VaultEntriesTable.Arn\n', ''),
      /no CloudTrail data events on VaultEntriesTable/,
    ],
    [
      'no alarm on private data access',
      (t: string) =>
        t.replace(
          '      MetricName: PrivateDataAccessOutsideRoles\n      Statistic: Sum',
          '      MetricName: SomethingElse\n      Statistic: Sum',
        ),
      /no alarm on access to the vault or quarantine/,
    ],
    [
      'an alarm that reaches nobody',
      (t: string) => t.replace('                  - !Ref PipelineFailedAlarm\n', ''),
      /PipelineFailedAlarm: alarm reaches nobody/,
    ],
    [
      'a ticket alarm without its topic',
      (t: string) => t.replace('      AlarmActions:\n        - !Ref TicketTopic\n', ''),
      /SloIngestionSuccessTicket: alarm reaches nobody/,
    ],
    [
      'a custom resource without a ServiceTimeout',
      (t: string) => t.replace('      ServiceTimeout: 900\n', ''),
      /WarehouseSetup: set ServiceTimeout/,
    ],
    [
      'a custom resource served by something else than a function of the stack',
      (t: string) =>
        t.replace(
          '      ServiceToken: !GetAtt PipelineStepsFunction.Arn',
          '      ServiceToken: !Ref AlertTopic',
        ),
      /WarehouseSetup: ServiceToken must be !GetAtt <a function of this stack>.Arn/,
    ],
    [
      'alarms publishing to a topic whose key CloudWatch may not use',
      (t: string) =>
        t.replace('Service: cloudwatch.amazonaws.com', 'Service: cloudwatch-nobody.amazonaws.com'),
      /LakeKey\.KeyPolicy: cloudwatch\.amazonaws\.com delivers into (Alert|Page|Ticket)Topic/,
    ],
    [
      'EventBridge dead letters into a queue whose key it may not use',
      (t: string) =>
        t.replace(
          'Service: events.amazonaws.com\n            Action: [kms:Decrypt, kms:GenerateDataKey*]',
          'Service: events.amazonaws.com\n            Action: [kms:Decrypt]',
        ),
      /events\.amazonaws\.com delivers into FileIngestDeadLetterQueue .* kms:GenerateDataKey/,
    ],
    [
      'the privacy steps reading the vault tables with no grant on the vault key',
      (t: string) =>
        t.replace(
          '              Action: [kms:Decrypt, kms:DescribeKey]\n              Resource: !GetAtt VaultKey.Arn',
          '              Action: [kms:DescribeKey]\n              Resource: !GetAtt VaultKey.Arn',
        ),
      /PrivacyFunction: dynamodb:(Query|DeleteItem) on Vault(Keys|Entries)Table needs kms:Decrypt on VaultKey/,
    ],
    [
      "enrich's vault-table grant bound to encryption-context keys DynamoDB's calls do not carry",
      (t: string) =>
        t.replace(
          'Action: [kms:Decrypt, kms:Encrypt, kms:GenerateDataKey*, kms:DescribeKey]\n              Resource: !GetAtt VaultKey.Arn\n              Condition:\n                StringEquals:\n                  kms:ViaService: !Sub dynamodb.$' +
            '{AWS::Region}.amazonaws.com',
          'Action: [kms:Decrypt, kms:Encrypt, kms:GenerateDataKey*, kms:DescribeKey]\n              Resource: !GetAtt VaultKey.Arn\n              Condition:\n                ForAllValues:StringEquals:\n                  kms:EncryptionContextKeys: [purpose, subject]',
        ),
      /EnrichFunction: dynamodb:\w+ on Vault\w+Table needs kms:Decrypt on VaultKey \(DynamoDB calls KMS/,
    ],
    [
      'a function publishing to an encrypted topic without the key',
      (t: string) =>
        t.replace(
          'Action: [kms:Decrypt, kms:GenerateDataKey]\n              Resource: !GetAtt LakeKey.Arn\n      Events:\n        GlueJob:',
          'Action: [kms:Decrypt, kms:GenerateDataKey]\n              Resource: !GetAtt VaultKey.Arn\n      Events:\n        GlueJob:',
        ),
      /AlertFunction: sns:Publish on AlertTopic needs kms:(GenerateDataKey|Decrypt) on LakeKey/,
    ],
    [
      'a schedule SAM names the same in every stage',
      (t: string) => t.replace('            Name: !Sub c360-daily-$' + '{Stage}\n', ''),
      /DailyPipeline\.Events\.\w+: SAM names this schedule "DailyPipeline\w+" in every stage/,
    ],
    [
      'an account-wide LF-tag without the stage',
      (t: string) => t.replace('TagKey: !Sub c360_access_$' + '{Stage}', 'TagKey: c360_access'),
      /AccessTag\.TagKey: "c360_access" is one name for every stage/,
    ],
    [
      'a literal table name',
      (t: string) =>
        t.replace(
          '  WebhookReplayTable:\n    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n    Properties:\n',
          '  WebhookReplayTable:\n    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n    Properties:\n      TableName: c360-replay\n',
        ),
      /WebhookReplayTable\.TableName: "c360-replay" is one name for every stage/,
    ],
    [
      'a saved Athena query that does not pin the injected source partition',
      (t: string) => t.replace('WHERE source = ? AND dt', 'WHERE dt'),
      /BronzeVolumeQuery: bronze_events\.source is an injected projected partition/,
    ],
    [
      'enhanced VPC routing with no S3 gateway endpoint',
      (t: string) => t.replace('      VpcEndpointType: Gateway\n', '      VpcEndpointType: Interface\n'),
      /RedshiftWorkgroup: enhanced VPC routing without an S3 gateway endpoint/,
    ],
    [
      'a warehouse whose access is not logged',
      (t: string) =>
        t.replace('LogExports: [userlog, connectionlog, useractivitylog]', 'LogExports: [userlog]'),
      /RedshiftNamespace: Redshift access not audited: LogExports lacks connectionlog/,
    ],
  ])('catches %s', (_name, plant, expected) => {
    const planted = plant(template);
    expect(planted).not.toBe(template);
    const problems = checkTemplate(planted, root).map((p) => `${p.where}: ${p.problem}`);
    expect(problems.join('\n')).toMatch(expected);
  });
});
