/**
 * The audiences, defined once: each a rule over one row of features per current customer and
 * the consent purpose a destination needs to receive it. From these definitions come the
 * daily pipeline's SQL (`sql/gold/audience_*.sql`, rendered by `npm run gen`, run by both the
 * DuckDB runner and the Glue job), the audience column of the warehouse docs, the Audiences
 * dashboard and `c360 audiences list`.
 *
 * A rule is a predicate in the portable SQL subset (sql/README.md) over `audience_features`:
 *
 * | column | what |
 * |---|---|
 * | `as_of` | the run's date (`${to}`), DATE |
 * | `rfm_segment` | gold.customer_rfm segment (champions … hibernating; NULL for no order) |
 * | `orders`, `net_usd` | paid orders and net revenue (DECIMAL(18,2)) so far |
 * | `first_seen_date`, `last_seen_date`, `last_order_date` | DATE (UTC) |
 * | `country`, `lifecycle_stage` | from gold.dim_customer |
 * | `churn_probability`, `clv_12m_usd`, `scored_on` | the latest scores in the lake when the run starts (the previous run's scoring: the ETL runs before the day's scoring), NULL for a customer never scored |
 */
export type AudiencePurpose = 'marketing' | 'advertising';

export interface AudienceDefinition {
  name: string;
  purpose: AudiencePurpose;
  /** What a marketer reads in `c360 audiences list` and on the dashboard. */
  description: string;
  /** SQL predicate over audience_features. */
  rule: string;
}

export const AUDIENCES: readonly AudienceDefinition[] = [
  {
    name: 'best_customers',
    purpose: 'advertising',
    description: 'The champions of the RFM segmentation: a lookalike seed for ad networks.',
    rule: "rfm_segment = 'champions'",
  },
  {
    name: 'high_value_at_risk',
    purpose: 'marketing',
    description:
      'Customers worth at least $100 over the next 12 months whom the churn model gives a 50 % or higher chance of leaving.',
    rule: 'churn_probability >= 0.5 AND clv_12m_usd >= 100',
  },
  {
    name: 'new_this_week',
    purpose: 'marketing',
    description: 'First seen in the 7 days up to the run date: the welcome series.',
    rule: 'first_seen_date > date_add(as_of, -7)',
  },
  {
    name: 'win_back',
    purpose: 'marketing',
    description: 'Bought, then stopped: the at_risk and hibernating RFM segments.',
    rule: "rfm_segment IN ('at_risk', 'hibernating')",
  },
];

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** The definitions checked: names unique and safe as SQL literals and file names, rules free of statements. */
export function checkDefinitions(defs: readonly AudienceDefinition[]): void {
  const seen = new Set<string>();
  for (const d of defs) {
    if (!NAME.test(d.name))
      throw new Error(`audience "${d.name}": a name is lower-case letters, digits and _`);
    if (seen.has(d.name)) throw new Error(`audience "${d.name}" is defined twice`);
    seen.add(d.name);
    if (d.purpose !== 'marketing' && d.purpose !== 'advertising')
      throw new Error(`audience "${d.name}": purpose must be marketing or advertising`);
    if (/;|--|\/\*/.test(d.rule) || !d.rule.trim())
      throw new Error(`audience "${d.name}": a rule is one predicate (no ";" or comments)`);
  }
}

const header = (what: string) =>
  `-- ${what}\n-- Rendered from src/domain/audiences.ts by scripts/gen-reference.ts (npm run gen): do not edit.\n`;

/**
 * gold.audience_members: who each audience holds after this run, and only people whose latest
 * consent statement grants the audience's purpose (no statement is no consent; a withdrawal takes
 * them out on the next run). `entered_on` is the run date they entered, kept from the previous
 * members while they stay (NULL for members stored before the column existed: they entered
 * before the upgrade, on a date nobody recorded).
 */
export function membersSql(defs: readonly AudienceDefinition[] = AUDIENCES): string {
  checkDefinitions(defs);
  const candidates = defs
    .map(
      (d) =>
        `  SELECT customer_id, '${d.name}' AS audience, '${d.purpose}' AS purpose FROM audience_features WHERE ${d.rule}`,
    )
    .join('\n  UNION ALL\n');
  return `${header('gold.audience_members: the members of every audience after this run (consented only).')}WITH scores AS (
  SELECT customer_id, churn_probability, clv_12m_usd, scored_at FROM (
    SELECT s.*, row_number() OVER (PARTITION BY customer_id ORDER BY scored_at DESC, model_version DESC) AS rn
    FROM customer_scores_latest s
  ) t WHERE rn = 1
),
audience_features AS (
  SELECT
    d.customer_id,
    CAST('\${to}' AS DATE) AS as_of,
    r.segment AS rfm_segment,
    coalesce(d.orders, 0) AS orders,
    d.net_usd,
    CAST(d.first_seen_at AS DATE) AS first_seen_date,
    CAST(d.last_seen_at AS DATE) AS last_seen_date,
    CAST(d.last_order_at AS DATE) AS last_order_date,
    d.country,
    d.lifecycle_stage,
    s.churn_probability,
    CAST(s.clv_12m_usd AS DECIMAL(18,2)) AS clv_12m_usd,
    CAST(s.scored_at AS DATE) AS scored_on
  FROM dim_customer d
  LEFT JOIN customer_rfm r ON r.customer_id = d.customer_id
  LEFT JOIN scores s ON s.customer_id = d.customer_id
),
candidates AS (
${candidates}
),
members AS (
  SELECT c.audience, c.purpose, c.customer_id, k.stated_at AS consented_at
  FROM candidates c
  JOIN customer_consent k ON k.customer_id = c.customer_id AND k.purpose = c.purpose AND k.granted
),
${previousMembersCte()}
SELECT m.audience, m.purpose, m.customer_id, m.consented_at,
  CASE WHEN p.customer_id IS NULL THEN CAST('\${to}' AS DATE) ELSE p.entered_on END AS entered_on,
  CAST('\${to}' AS DATE) AS as_of
FROM members m
LEFT JOIN previous p ON p.audience = m.audience AND p.customer_id = m.customer_id
`;
}

/**
 * Who each audience held before this run. A first run of a date: the stored members. A rerun of
 * a date already stored: its members that entered before it and the ones that left on it, so a
 * rerun yields the same entries and exits as the first run.
 */
function previousMembersCte(): string {
  return `previous AS (
  SELECT audience, customer_id, entered_on FROM audience_members_previous
  WHERE coalesce(as_of < CAST('\${to}' AS DATE), true) OR coalesce(entered_on < CAST('\${to}' AS DATE), true)
  UNION ALL
  SELECT audience, customer_id, CAST(NULL AS DATE) AS entered_on FROM audience_changes_previous
  WHERE change = 'exit' AND as_of = CAST('\${to}' AS DATE)
)`;
}

/** gold.audience_changes: who entered and who left each audience in this run. */
export function changesSql(defs: readonly AudienceDefinition[] = AUDIENCES): string {
  checkDefinitions(defs);
  return `${header('gold.audience_changes: who entered and who left each audience in this run (the run date as_of).')}WITH ${previousMembersCte()}
SELECT CAST('\${to}' AS DATE) AS as_of, m.audience, m.purpose, m.customer_id, 'enter' AS change
FROM audience_members m WHERE m.entered_on = CAST('\${to}' AS DATE)
UNION ALL
SELECT CAST('\${to}' AS DATE) AS as_of, p.audience, d.purpose, p.customer_id, 'exit' AS change
FROM previous p
JOIN audience_definitions d ON d.audience = p.audience
WHERE NOT EXISTS (SELECT 1 FROM audience_members m WHERE m.audience = p.audience AND m.customer_id = p.customer_id)
UNION ALL
SELECT CAST('\${to}' AS DATE) AS as_of, p.audience, 'retired' AS purpose, p.customer_id, 'exit' AS change
FROM previous p
WHERE NOT EXISTS (SELECT 1 FROM audience_definitions d WHERE d.audience = p.audience)
`;
}

/**
 * gold.audience_daily: each audience's size, entries and exits per run date, the stored history
 * with this run's date replaced (every defined audience has a row, an empty one too).
 */
export function dailySql(defs: readonly AudienceDefinition[] = AUDIENCES): string {
  checkDefinitions(defs);
  return `${header("gold.audience_daily: each audience's size, entries and exits per run date (history kept, this date replaced).")}WITH sizes AS (
  SELECT audience, count(*) AS size FROM audience_members GROUP BY audience
),
moves AS (
  SELECT audience, sum(CASE WHEN change = 'enter' THEN 1 ELSE 0 END) AS entered,
    sum(CASE WHEN change = 'exit' THEN 1 ELSE 0 END) AS exited
  FROM audience_changes GROUP BY audience
),
today AS (
  SELECT CAST('\${to}' AS DATE) AS as_of, d.audience, d.purpose, coalesce(s.size, 0) AS size,
    coalesce(m.entered, 0) AS entered, coalesce(m.exited, 0) AS exited
  FROM audience_definitions d
  LEFT JOIN sizes s ON s.audience = d.audience
  LEFT JOIN moves m ON m.audience = d.audience
)
SELECT as_of, audience, purpose, CAST(size AS BIGINT) AS size, CAST(entered AS BIGINT) AS entered,
  CAST(exited AS BIGINT) AS exited
FROM audience_daily_previous WHERE as_of <> CAST('\${to}' AS DATE)
UNION ALL
SELECT as_of, audience, purpose, CAST(size AS BIGINT) AS size, CAST(entered AS BIGINT) AS entered,
  CAST(exited AS BIGINT) AS exited
FROM today
`;
}

/** gold.audience_definitions (a temp step): the defined audiences as rows, for the SQL above. */
export function definitionsSql(defs: readonly AudienceDefinition[] = AUDIENCES): string {
  checkDefinitions(defs);
  const esc = (s: string) => s.replace(/'/g, "''");
  return `${header('audience_definitions: the audiences defined in src/domain/audiences.ts, one row each.')}${defs
    .map(
      (d) =>
        `SELECT '${d.name}' AS audience, '${d.purpose}' AS purpose, '${esc(d.description)}' AS description`,
    )
    .join('\nUNION ALL\n')}
`;
}
