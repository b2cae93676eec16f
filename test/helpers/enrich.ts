import { MemoryCheckpointStore } from '../../src/adapters/local/checkpoint';
import { MemoryDelivery } from '../../src/adapters/local/lake-delivery';
import { EmfMetrics, LocalLogger } from '../../src/adapters/local/telemetry';
import type { GeoLookup } from '../../src/domain/enrich/geo';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { UserAgentCache } from '../../src/domain/enrich/useragent';
import { createEnrichHandler, type EnrichDeps } from '../../src/handlers/enrich';
import { fixedClock } from '../../src/ports/clock';

export const TEST_PII_KEY = 'test-pseudonymization-key-0123456789';

/** A tiny geo table instead of the 150 MB database. */
export const fakeGeo: GeoLookup = {
  lookup: (ip) => (ip.startsWith('81.2.69.') ? { country: 'GB', region: 'ENG', city: 'London' } : null),
};

export function enrichUnderTest(overrides: Partial<EnrichDeps> = {}) {
  const delivery = new MemoryDelivery();
  const quarantine = new MemoryDelivery();
  const checkpoints = new MemoryCheckpointStore();
  const metrics = new EmfMetrics('c360', 'enrich-test');
  const deps: EnrichDeps = {
    delivery,
    quarantine,
    checkpoints,
    enrich: {
      ua: new UserAgentCache(),
      geo: fakeGeo,
      pseudonymizer: new Pseudonymizer(TEST_PII_KEY),
      lateWindowMs: 48 * 3600_000,
    },
    clock: fixedClock('2026-01-01T10:00:05.000Z'),
    logger: new LocalLogger('test', 'silent'),
    metrics,
    ...overrides,
  };
  return { handler: createEnrichHandler(deps), delivery, quarantine, checkpoints, metrics, deps };
}
