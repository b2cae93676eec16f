import { own } from '../own';

/**
 * Offline sentiment: multinomial naive Bayes over word and negation-marked tokens, trained on the
 * real airline tweets (human labels negative / neutral / positive). Laplace smoothing, log space,
 * deterministic; the model is a JSON of counts.
 */
export interface SentimentModel {
  classes: string[];
  priors: Record<string, number>;
  counts: Record<string, Record<string, number>>;
  totals: Record<string, number>;
  vocabulary: number;
}

const NEGATORS = new Set([
  'not',
  'no',
  'never',
  "don't",
  "didn't",
  "isn't",
  "wasn't",
  "can't",
  "won't",
  'cannot',
  "doesn't",
  "haven't",
]);

export function tokens(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .replace(/https?:\/\/\S+/g, ' ')
      .replace(/@\w+/g, ' ')
      .match(/[a-z']+|[!?]|:\)|:\(|:-\)|:-\(/g) ?? [];
  const out: string[] = [];
  let negate = false;
  for (const w of words) {
    if (w === '!' || w === '?') {
      out.push(w);
      negate = false;
      continue;
    }
    out.push(negate ? `not_${w}` : w);
    if (NEGATORS.has(w)) negate = true;
  }
  return out;
}

/**
 * A token's count: own keys only. Counts are plain objects (the model is JSON), and a word such as
 * "constructor" would otherwise read Object.prototype's function and turn the score into NaN.
 */
const countOf = (counts: Record<string, number>, token: string): number => own(counts, token) ?? 0;

export function trainSentiment(texts: string[], labels: string[]): SentimentModel {
  const classes = [...new Set(labels)].sort();
  const counts: Record<string, Record<string, number>> = Object.fromEntries(classes.map((c) => [c, {}]));
  const totals: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  const docs: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  const vocab = new Set<string>();
  texts.forEach((t, i) => {
    const c = labels[i] as string;
    docs[c] = (docs[c] ?? 0) + 1;
    for (const tok of tokens(t)) {
      const cc = counts[c] as Record<string, number>;
      cc[tok] = countOf(cc, tok) + 1;
      totals[c] = (totals[c] ?? 0) + 1;
      vocab.add(tok);
    }
  });
  const priors = Object.fromEntries(classes.map((c) => [c, Math.log((docs[c] as number) / texts.length)]));
  return { classes, priors, counts, totals, vocabulary: vocab.size };
}

export function classify(m: SentimentModel, text: string): { label: string; score: number } {
  const toks = tokens(text);
  const logp = m.classes.map((c) => {
    let lp = m.priors[c] as number;
    const denom = Math.log((m.totals[c] as number) + m.vocabulary);
    for (const t of toks) lp += Math.log(countOf(m.counts[c] as Record<string, number>, t) + 1) - denom;
    return lp;
  });
  const max = Math.max(...logp);
  const probs = logp.map((l) => Math.exp(l - max));
  const sum = probs.reduce((s, v) => s + v, 0);
  const best = logp.indexOf(max);
  const p = Object.fromEntries(m.classes.map((c, i) => [c, (probs[i] as number) / sum]));
  // A score in [-1, 1]: P(positive) − P(negative).
  return { label: m.classes[best] as string, score: (p.positive ?? 0) - (p.negative ?? 0) };
}
