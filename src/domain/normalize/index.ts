import type { RawEnvelope } from '../event';
import { own } from '../own';
import { batchFileNormalizers } from './batch-files';
import { providerNormalizers } from './providers';
import { normalizeSegment } from './segment';
import type { NormalizeOutcome } from './types';

/** Routes one stream envelope to the normalizer of its kind and provider. */
export function normalize(envelope: RawEnvelope): NormalizeOutcome {
  switch (envelope.kind) {
    case 'segment':
      return normalizeSegment(envelope);
    case 'webhook':
    case 'postback': {
      const n = envelope.provider ? own(providerNormalizers, envelope.provider) : undefined;
      return n
        ? n(envelope)
        : { ok: false, reason: 'unknown_type', detail: `no normalizer for provider "${envelope.provider}"` };
    }
    case 'batch_file': {
      const n = envelope.provider ? own(batchFileNormalizers, envelope.provider) : undefined;
      return n
        ? n(envelope)
        : {
            ok: false,
            reason: 'unknown_type',
            detail: `no normalizer for batch file kind "${envelope.provider}"`,
          };
    }
    default:
      return {
        ok: false,
        reason: 'unknown_type',
        detail: `unknown envelope kind ${JSON.stringify((envelope as { kind: unknown }).kind)}`,
      };
  }
}
