import { eventKey } from '../../../src/domain/event';
import { lit, openDuckDb } from '../../../src/etl/duckdb';
import { duckdbType, loadBronzeSource } from '../../../src/etl/runner';

/** sql/sources/bronze.json is the one definition of the bronze source both engines read. */
describe('bronze source definition', () => {
  it('builds the same namespaced event key in SQL as the enrich stage does in code', async () => {
    const source = await loadBronzeSource();
    const cases = [
      { kind: 'segment' as const, source: 'web', eventId: 'm-1' },
      { kind: 'segment' as const, source: 'ios', eventId: 'm-1' },
      { kind: 'webhook' as const, source: 'stripe', eventId: 'evt_1' },
      { kind: 'batch_file' as const, source: 'orders', eventId: 'abc' },
    ];
    const engine = await openDuckDb();
    try {
      for (const c of cases) {
        const [row] = await engine.rows<{ k: string }>(
          `SELECT ${source.eventKey} AS k FROM (SELECT ${lit(c.kind)} AS kind, ${lit(c.source)} AS source, ${lit(c.eventId)} AS eventId)`,
        );
        expect(row?.k).toBe(eventKey(c));
      }
    } finally {
      engine.close();
    }
  });

  it('renders nested types for DuckDB', () => {
    expect(duckdbType({ a: 'string', b: [{ c: 'string' }] })).toBe(
      'STRUCT("a" VARCHAR, "b" STRUCT("c" VARCHAR)[])',
    );
  });
});
