/**
 * Product recommendations from co-purchase behaviour: item-to-item collaborative filtering
 * (Linden, Smith & York, "Amazon.com recommendations: item-to-item collaborative filtering",
 * IEEE Internet Computing 2003) on the binary customer × product matrix. Two products are similar
 * when the same customers bought both: cosine similarity co(i, j) / √(n_i · n_j). A customer's
 * score for a product they have not bought is the sum of its similarities to what they bought;
 * ties and customers with too little history are filled by popularity (distinct buyers).
 * Deterministic: every ordering breaks ties by product id. The ETL computes the same in SQL for
 * gold.customer_recommendations (both engines); this module measures it (hit rate@5) and is the
 * reference a test holds the SQL to.
 */
export interface Purchase {
  customerId: string;
  productId: string;
  /** YYYY-MM-DD, for the time holdout. */
  date: string;
}

export interface Recommendation {
  productId: string;
  score: number;
  /** 'similar' (co-purchase) or 'popular' (filled from the most bought). */
  reason: 'similar' | 'popular';
}

export interface ItemModel {
  /** product → [(similar product, cosine)], strongest first, at most `neighbours`. */
  neighbours: Map<string, [string, number][]>;
  /** Products by distinct buyers, most first. */
  popular: string[];
  /** customer → products bought. */
  history: Map<string, Set<string>>;
}

/** The map's value for `key`, made and stored first when missing. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

export function fitItemModel(purchases: Purchase[], neighbours = 50): ItemModel {
  const history = new Map<string, Set<string>>();
  for (const p of purchases) {
    entry(history, p.customerId, () => new Set<string>()).add(p.productId);
  }
  const buyers = new Map<string, number>();
  const co = new Map<string, Map<string, number>>();
  for (const items of history.values()) {
    const list = [...items];
    for (const i of list) buyers.set(i, (buyers.get(i) ?? 0) + 1);
    for (const i of list) {
      const row = entry(co, i, () => new Map<string, number>());
      for (const j of list) if (j !== i) row.set(j, (row.get(j) ?? 0) + 1);
    }
  }
  const byScore = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1);
  const model = new Map<string, [string, number][]>();
  for (const [i, row] of co) {
    const ni = buyers.get(i) as number;
    const sims = [...row].map(([j, c]): [string, number] => [
      j,
      c / Math.sqrt(ni * (buyers.get(j) as number)),
    ]);
    model.set(i, sims.sort(byScore).slice(0, neighbours));
  }
  const popular = [...buyers].sort(byScore).map(([p]) => p);
  return { neighbours: model, popular, history };
}

/** Top-k products a customer has not bought: co-purchase scores first, then the most popular. */
export function recommend(model: ItemModel, customerId: string, k = 5): Recommendation[] {
  const owned = model.history.get(customerId) ?? new Set<string>();
  const scores = new Map<string, number>();
  for (const i of owned) {
    for (const [j, s] of model.neighbours.get(i) ?? []) {
      if (!owned.has(j)) scores.set(j, (scores.get(j) ?? 0) + s);
    }
  }
  // Scores rounded to 10 decimals: sums of the same similarities in another order (the ETL's SQL,
  // sql/gold/customer_recommendations.sql) differ in the last bits, and must order ties alike.
  const out: Recommendation[] = [...scores]
    .map(([p, v]): [string, number] => [p, Math.round(v * 1e10) / 1e10])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([productId, score]) => ({ productId, score, reason: 'similar' }));
  return [...out, ...popularFor(model, owned, k - out.length, new Set(out.map((r) => r.productId)))];
}

/** The baseline: the k most popular products the customer has not bought. */
export function recommendPopular(model: ItemModel, customerId: string, k = 5): Recommendation[] {
  return popularFor(model, model.history.get(customerId) ?? new Set(), k, new Set());
}

function popularFor(model: ItemModel, owned: Set<string>, k: number, taken: Set<string>): Recommendation[] {
  const out: Recommendation[] = [];
  for (const p of model.popular) {
    if (out.length >= k) break;
    if (!owned.has(p) && !taken.has(p)) out.push({ productId: p, score: 0, reason: 'popular' });
  }
  return out;
}

export interface HoldoutResult {
  cutoff: string;
  /** Customers who bought before the cutoff and bought a product new to them after it. */
  customers: number;
  hitRate: number;
  popularHitRate: number;
  products: number;
}

/**
 * Hit rate@k on a time holdout: fit on purchases up to `cutoff`; a customer counts as a hit when
 * one of their top k is among the products they first bought after it. The most-popular
 * baseline is scored on the same customers.
 */
export function holdoutHitRate(purchases: Purchase[], cutoff: string, k = 5): HoldoutResult {
  const before = purchases.filter((p) => p.date <= cutoff);
  const model = fitItemModel(before);
  const later = new Map<string, Set<string>>();
  for (const p of purchases) {
    if (p.date <= cutoff || !model.history.has(p.customerId)) continue;
    if (model.history.get(p.customerId)?.has(p.productId)) continue;
    entry(later, p.customerId, () => new Set<string>()).add(p.productId);
  }
  let hits = 0;
  let popularHits = 0;
  for (const [customer, bought] of later) {
    if (recommend(model, customer, k).some((r) => bought.has(r.productId))) hits++;
    if (recommendPopular(model, customer, k).some((r) => bought.has(r.productId))) popularHits++;
  }
  const n = later.size;
  return {
    cutoff,
    customers: n,
    hitRate: n ? hits / n : Number.NaN,
    popularHitRate: n ? popularHits / n : Number.NaN,
    products: model.popular.length,
  };
}
