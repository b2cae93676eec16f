import type { RawEnvelope } from './event';
import { parseJsonLossless } from './json';

/**
 * Stream record text → envelope. A webhook's raw body is parsed here, losslessly (ids above
 * 2^53 keep every digit); the record text itself stays untouched for quarantine.
 */
export function decodeEnvelope(text: string): RawEnvelope {
  // As the edge parses: nesting limited, lone surrogates made well formed (a record another
  // producer put on the stream gets no easier path into bronze).
  const envelope = parseJsonLossless(text) as RawEnvelope;
  if (typeof envelope !== 'object' || envelope === null || envelope.v !== 1 || !envelope.receivedAt) {
    throw new Error('not a c360 stream envelope (v: 1 with receivedAt)');
  }
  if (typeof envelope.body === 'string') {
    try {
      envelope.payload = parseJsonLossless(envelope.body);
    } catch (err) {
      throw new Error(`webhook body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return envelope;
}
