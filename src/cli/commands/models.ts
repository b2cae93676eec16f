import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { FolderObjectStore } from '../../adapters/local/object-store';
import { C360Error } from '../../domain/errors';
import { expectedPurchases, fitBgNbd, fitGammaGamma, summarize } from '../../domain/models/clv';
import { parsePurchaseLog } from '../../domain/models/purchases';
import { MODELS, type ModelName, ModelRegistry } from '../../domain/models/registry';
import type { ModelHealth } from '../../handlers/pipeline-steps';
import { latestMetrics, trainModels } from '../../models/train';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { runTrainingMachine } from '../../runtime/train-machine';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';
import { progressReporter } from '../progress';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === 'clv') return clvCommand(rest);
  if (action === 'train') return trainCommand(rest);
  if (action === 'evaluate') return evaluateCommand(rest);
  if (action === 'deploy') return deployCommand(rest);
  if (action === 'list') return listCommand(rest);
  if (action === 'rollback') return rollbackCommand(rest);
  if (action === 'health') return healthCommand(rest);
  process.stderr.write(
    action && action !== '--help' && action !== '-h'
      ? `c360 models: unknown action "${action}" (use: c360 models clv --help)\n`
      : 'usage: c360 models train | list | rollback MODEL | health | evaluate [--format json] | deploy [--min-auc X] | clv --orders FILE --calibration-end YYYY-MM-DD [--holdout-end YYYY-MM-DD]\n',
  );
  return action === '--help' || action === '-h' ? 0 : 2;
}

async function clvCommand(argv: string[]): Promise<number> {
  const cmd = new Command('c360 models clv')
    .description(
      'Fits BG/NBD (repeat purchasing and dropout) and Gamma-Gamma (spend) by maximum likelihood on a purchase ' +
        'log, with the definitions of Fader, Hardie & Lee (2005): purchases on one day count once, time in weeks, ' +
        'calibration up to --calibration-end. With --holdout-end, compares the predicted and actual repeat ' +
        'purchase days in the holdout, summed over customers. Reads the CDNOW sample (5 columns), the CDNOW ' +
        'master (4 columns, header) and orders CSVs (customer_id, ordered_at, amount).',
    )
    .requiredOption('--orders <file>', 'the purchase log')
    .requiredOption('--calibration-end <YYYY-MM-DD>', 'last day of the calibration period')
    .option('--holdout-end <YYYY-MM-DD>', 'last day of the holdout period')
    .addOption(formatOption().default('json'));
  const parsed = parseWith<{ orders: string; calibrationEnd: string; holdoutEnd?: string; format: string }>(
    cmd,
    argv,
  );
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  if (
    !DATE.test(o.calibrationEnd) ||
    (o.holdoutEnd && (!DATE.test(o.holdoutEnd) || o.holdoutEnd <= o.calibrationEnd))
  ) {
    process.stderr.write(
      'c360 models clv: dates are YYYY-MM-DD, and --holdout-end comes after --calibration-end\n',
    );
    return 2;
  }
  if (!existsSync(o.orders)) throw new C360Error(`no such file ${o.orders}`);
  let purchases: ReturnType<typeof parsePurchaseLog>;
  try {
    purchases = parsePurchaseLog(await readFile(o.orders, 'utf8'));
  } catch (err) {
    throw new C360Error(`${o.orders}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const summary = summarize(purchases, o.calibrationEnd);
  if (summary.length === 0)
    throw new C360Error(`no purchases on or before ${o.calibrationEnd} in ${o.orders}`);
  const bgnbd = fitBgNbd(summary);
  const gammagamma = fitGammaGamma(summary);
  const out: Record<string, unknown> = { customers: summary.length, bgnbd, gammagamma };
  if (o.holdoutEnd) {
    const weeks =
      (Date.parse(`${o.holdoutEnd}T00:00:00Z`) - Date.parse(`${o.calibrationEnd}T00:00:00Z`)) /
      86_400_000 /
      7;
    const cohort = new Set(summary.map((s) => s.customerId));
    const predicted = summary.reduce((sum, s) => sum + expectedPurchases(bgnbd, s, weeks), 0);
    const actual = new Set(
      purchases
        .filter(
          (p) => cohort.has(p.customerId) && p.date > o.calibrationEnd && p.date <= (o.holdoutEnd as string),
        )
        .map((p) => `${p.customerId}|${p.date}`),
    ).size;
    out.holdout = { weeks, predicted, actual };
  }
  if (o.format === 'json') process.stdout.write(`${JSON.stringify(out)}\n`);
  else {
    const rows = [
      ...Object.entries(bgnbd).map(([k, v]) => ({ model: 'bgnbd', parameter: k, value: v })),
      ...Object.entries(gammagamma).map(([k, v]) => ({ model: 'gammagamma', parameter: k, value: v })),
      ...(out.holdout
        ? Object.entries(out.holdout as object).map(([k, v]) => ({
            model: 'holdout',
            parameter: k,
            value: v,
          }))
        : []),
    ];
    process.stdout.write(formatRows(rows, o.format));
  }
  return 0;
}

async function trainCommand(argv: string[]): Promise<number> {
  const cmd = new Command('c360 models train')
    .description(
      'Fits every model from gold (BG/NBD + Gamma-Gamma CLV, XGBoost churn with a time-based label, k-means ' +
        'segments) and the offline sentiment model, saves versioned artifacts with metrics and lineage under ' +
        'DIR/models/<version>/, and scores every customer into gold.customer_scores (then run c360 warehouse load).',
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const progress = progressReporter('models');
  const r = await trainModels({
    dataDir: parsed.opts.data,
    lakeDir: localPaths(parsed.opts.data).lake,
    onProgress: (m) => progress.line(m),
  });
  progress.done();
  process.stdout.write(
    `models ${r.version} (gold as of ${r.asOf}): ${r.customersScored} customers scored; artifacts in ${r.artifactsDir}\n`,
  );
  return 0;
}

async function deployCommand(argv: string[]): Promise<number> {
  const cmd = new Command('c360 models deploy')
    .description(
      'Runs the churn training state machine (statemachines/train.asl.json) embedded, as AWS runs it on SageMaker: ' +
        "gold.churn_training unloaded as CSV train and validation channels, XGBoost trained with the job's " +
        'hyperparameters, its validation AUC gated against --min-auc, then the model, endpoint configuration and ' +
        'endpoint recorded under DIR/state/sagemaker/ and the version under DIR/state/ssm/. Needs gold ' +
        '(c360 etl or npm start first). Exit 1 when the model is rejected or a state fails.',
    )
    .addOption(formatOption().default('table'))
    .option(
      '--min-auc <x>',
      "the AUC floor a new model must reach (default: the template's MinChurnAuc, 0.75)",
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ data: string; format: string; minAuc?: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const minAuc = parsed.opts.minAuc === undefined ? undefined : Number(parsed.opts.minAuc);
  if (minAuc !== undefined && !(minAuc > 0 && minAuc < 1)) {
    process.stderr.write(
      `c360 models deploy: --min-auc must be between 0 and 1, got "${parsed.opts.minAuc}"\n`,
    );
    return 2;
  }
  const progress = progressReporter('deploy');
  const r = await runTrainingMachine({
    dataDir: parsed.opts.data,
    ...(minAuc !== undefined ? { minAuc } : {}),
    onState: (s) => progress.line(`${s} ✓`),
  });
  progress.done();
  process.stdout.write(
    formatRows(
      [
        {
          status: r.status,
          job: r.job ?? '',
          validation_auc: r.auc ?? '',
          error: r.error ? `${r.error.name}: ${r.error.cause}` : '',
        },
      ],
      parsed.opts.format,
    ),
  );
  for (const a of r.alerts) process.stderr.write(`c360 models deploy: ALERT ${a}\n`);
  return r.status === 'SUCCEEDED' ? 0 : 1;
}

async function evaluateCommand(argv: string[]): Promise<number> {
  const cmd = new Command('c360 models evaluate')
    .description(
      'Prints every metric of the latest trained models (churn AUCs, Brier, sentiment macro-F1, CLV parameters, segments).',
    )
    .addOption(formatOption().default('json'))
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ data: string; format: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const { version, metrics } = await latestMetrics(parsed.opts.data);
  if (parsed.opts.format === 'json')
    process.stdout.write(`${JSON.stringify({ version, ...(metrics as object) })}\n`);
  else {
    const m = metrics as Record<string, Record<string, unknown>>;
    const rows = Object.entries(m).flatMap(([model, vals]) =>
      Object.entries(vals)
        .filter(([, v]) => typeof v === 'number')
        .map(([metric, value]) => ({ model, metric, value })),
    );
    process.stdout.write(formatRows(rows, parsed.opts.format));
  }
  return 0;
}

/** One metric per model the list shows (the one a reader compares versions by). */
const HEADLINE: Record<ModelName, (m: Record<string, unknown>) => string> = {
  churn: (m) => num('auc', m.holdout_auc ?? m.validation_auc),
  customer: (m) => {
    const g = m.gammagamma as { p?: number } | undefined;
    return `${num('buyers', m.customers)} ${num('gg.p', g?.p)}`.trim();
  },
  recommendations: (m) => num('hit@5', m.hit_rate_at_5),
  sentiment: (m) => num('macro_f1', m.macro_f1),
};
function num(label: string, v: unknown): string {
  return typeof v === 'number' ? `${label} ${Number.isInteger(v) ? v : v.toFixed(3)}` : '';
}

async function listCommand(argv: string[]): Promise<number> {
  const cmd = new Command('c360 models list')
    .description(
      'Every registered model version (models/registry/ in the data folder; the lake bucket in AWS): which is ' +
        'live, which were live before it (what c360 models rollback returns to), its training data, code and metrics.',
    )
    .addOption(formatOption().default('table'))
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ data: string; format: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const records = await new ModelRegistry(new FolderObjectStore(parsed.opts.data)).all();
  const rows = records.flatMap((r) =>
    [...r.versions]
      .sort((a, b) => b.registeredAt.localeCompare(a.registeredAt))
      .map((v) => ({
        model: r.model,
        version: v.version,
        status: v.version === r.live ? 'live' : r.previous.includes(v.version) ? 'previous' : '',
        registered_at: v.registeredAt,
        trained_on: v.training.asOf,
        rows: v.training.rows ?? '',
        metrics: parsed.opts.format === 'json' ? v.metrics : HEADLINE[r.model](v.metrics),
        code: v.codeVersion,
      })),
  );
  if (rows.length === 0)
    throw new C360Error(
      `no models registered under ${parsed.opts.data}: run "npm start" (or "c360 pipeline run", "c360 models train")`,
    );
  process.stdout.write(
    parsed.opts.format === 'json' ? `${JSON.stringify(rows)}\n` : formatRows(rows, parsed.opts.format),
  );
  return 0;
}

async function rollbackCommand(argv: string[]): Promise<number> {
  const cmd = new Command('c360 models rollback')
    .description(
      'Makes the version that was live before the current one live again, through the training state machine ' +
        '(statemachines/train.asl.json with input {"rollback": MODEL}, as in AWS: churn points the endpoint back ' +
        "to that version's configuration first). The next pipeline run scores with it.",
    )
    .argument('<model>', `one of ${MODELS.join(', ')}`)
    .addOption(formatOption().default('table'))
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ data: string; format: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const model = parsed.args[0] as string;
  if (!(MODELS as readonly string[]).includes(model)) {
    process.stderr.write(`c360 models rollback: unknown model "${model}" (one of ${MODELS.join(', ')})\n`);
    return 2;
  }
  const r = await runTrainingMachine({ dataDir: parsed.opts.data, input: { rollback: model } });
  if (r.status !== 'SUCCEEDED') {
    // The failing state alerted with its cause (e.g. no earlier version): that is the message.
    for (const a of r.alerts.length ? r.alerts : [r.error?.cause ?? r.error?.name ?? 'failed'])
      process.stderr.write(`c360 models rollback: ${a}\n`);
    return 1;
  }
  const live = await new ModelRegistry(new FolderObjectStore(parsed.opts.data)).live(model as ModelName);
  process.stdout.write(formatRows([{ model, live: live?.version ?? '' }], parsed.opts.format));
  return 0;
}

async function healthCommand(argv: string[]): Promise<number> {
  const cmd = new Command('c360 models health')
    .description(
      "The daily pipeline's model health checks (models/health/): per run date, the drift of each churn feature " +
        'and of the churn score (population stability index against what the live models were fitted on) and ' +
        'whether it retrained. Exit 1 when the latest run drifted.',
    )
    .addOption(formatOption().default('table'))
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ data: string; format: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const dir = join(parsed.opts.data, 'models', 'health');
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0)
    throw new C360Error(
      `no model health checks under ${dir}: run the daily pipeline (npm start or c360 pipeline run)`,
    );
  const checks = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as ModelHealth),
  );
  const rows = checks.map((h) => ({
    date: h.date,
    feature_psi_max: Number(h.featurePsiMax.toFixed(4)),
    score_psi: Number(h.scorePsi.toFixed(4)),
    retrain: h.retrain,
    reason: h.reason,
    churn: h.versions.churn ?? '',
    customer: h.versions.customer ?? '',
  }));
  process.stdout.write(
    parsed.opts.format === 'json' ? `${JSON.stringify(checks)}\n` : formatRows(rows, parsed.opts.format),
  );
  return checks.at(-1)?.retrain ? 1 : 0;
}
