import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../src/cli/commands/lineage';
import { neighbours, planLineage } from '../../../src/etl/lineage';

const root = join(__dirname, '../../..');
const lineage = planLineage(root);

describe('lineage from the SQL plan', () => {
  it('a step reads exactly the plan relations its SQL names', () => {
    const plan = JSON.parse(readFileSync(join(root, 'sql/pipeline.json'), 'utf8')) as {
      steps: { name: string; sql: string; path?: string }[];
    };
    const orders = lineage.find((l) => l.step === 'fact_orders');
    const sql = readFileSync(join(root, 'sql/gold/fact_orders.sql'), 'utf8').replace(/--.*$/gm, '');
    // Independently: which other steps' names appear in the file.
    const named = plan.steps.filter(
      (s) => s.name !== 'fact_orders' && new RegExp(`\\b${s.name}\\b`).test(sql),
    );
    expect(orders?.inputs).toEqual(named.map((s) => s.path ?? `temp:${s.name}`).sort());
    expect(orders?.output).toBe('gold/fact_orders');
    expect(lineage.find((l) => l.step === 'dq_dim_customer_unique')?.output).toBeNull();
  });

  it('walks upstream to bronze and downstream to the gold tables that read it', () => {
    const { up, down } = neighbours(lineage, 'silver/events');
    expect(up.map((n) => n.dataset)).toContain('bronze/events');
    expect(down.map((n) => n.dataset)).toEqual(
      expect.arrayContaining(['gold/fact_orders', 'gold/kpi_daily']),
    );
    expect(neighbours(lineage, 'gold/kpi_daily').down).toEqual([]);
  });

  it('c360 lineage names the known datasets when given an unknown one', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await run(['nope', '--data', '/nonexistent'])).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toContain('gold/fact_orders');
    } finally {
      err.mockRestore();
    }
  });
});
