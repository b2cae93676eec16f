import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMixed, parseCsv } from '../../../../src/domain/batch/csv';
import { evaluateChurn, telcoDataset } from '../../../../src/domain/models/churn';
import { auc, macroF1, split } from '../../../../src/domain/models/metrics';
import { classify, trainSentiment } from '../../../../src/domain/models/sentiment';

const root = join(__dirname, '../../../..');

describe('churn on the real IBM Telco data (held-out 25 %)', () => {
  it('XGBoost ROC AUC ≥ 0.80, at least the logistic baseline’s, with a calibrated Brier score', async () => {
    const e = await evaluateChurn(
      telcoDataset(readFileSync(join(root, 'data/sample/telco_customer_churn.csv'), 'utf8')),
    );
    expect(e.rows).toBe(1761);
    expect(e.auc).toBeGreaterThanOrEqual(0.8);
    expect(e.baselineAuc).toBeGreaterThanOrEqual(0.8);
    // A model that always says the base rate scores base·(1−base) ≈ 0.2: the model must beat it.
    const base = e.positives / e.rows;
    expect(e.brier).toBeLessThan(base * (1 - base));
    expect(e.importance[0]?.feature).toBe('tenure');
  }, 60_000);
});

describe('metrics', () => {
  it('AUC of a perfect, a reversed and a tied ranking', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });
});

describe('sentiment on the real airline tweets (held-out 20 %)', () => {
  it('macro-F1 ≥ 0.65, far above the majority-class baseline', () => {
    const rows = parseCsv(decodeMixed(readFileSync(join(root, 'data/sample/airline_tweets.csv'))));
    const header = rows[0]?.cells ?? [];
    const t = header.indexOf('text');
    const l = header.indexOf('airline_sentiment');
    const data = rows.slice(1).filter((r) => r.cells[t] && r.cells[l]);
    const { train, test } = split(data.length, 0.2, 7);
    const model = trainSentiment(
      train.map((i) => data[i]?.cells[t] as string),
      train.map((i) => data[i]?.cells[l] as string),
    );
    const actual = test.map((i) => data[i]?.cells[l] as string);
    const predicted = test.map((i) => classify(model, data[i]?.cells[t] as string).label);
    const f1 = macroF1(predicted, actual);
    const majority = macroF1(
      actual.map(() => 'negative'),
      actual,
    );
    expect(majority).toBeLessThan(0.3);
    expect(f1).toBeGreaterThanOrEqual(0.65);
    // Reruns are bit-identical.
    expect(
      classify(
        trainSentiment(
          train.map((i) => data[i]?.cells[t] as string),
          train.map((i) => data[i]?.cells[l] as string),
        ),
        'worst flight ever',
      ).label,
    ).toBe('negative');
  });

  it('scores words that are also object property names (constructor) like any other word', () => {
    const model = trainSentiment(
      ['the constructor was great', 'great crew', 'awful delay', 'awful constructor of excuses'],
      ['positive', 'positive', 'negative', 'negative'],
    );
    // Counted once per class, as a number, through a JSON round trip (how the model is stored).
    const stored = JSON.parse(JSON.stringify(model)) as typeof model;
    expect(stored.counts.positive?.constructor).toBe(1);
    for (const m of [model, stored]) {
      for (const text of ['great constructor', 'constructor', 'valueOf toString hasOwnProperty']) {
        const r = classify(m, text);
        expect(Number.isFinite(r.score)).toBe(true);
      }
      expect(classify(m, 'great constructor').label).toBe('positive');
    }
    // A model never trained on the word scores it as unseen, not as NaN.
    const plain = trainSentiment(['great', 'awful'], ['positive', 'negative']);
    expect(classify(plain, 'constructor').score).toBe(0);
  });
});
