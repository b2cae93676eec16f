import type { CanonicalDraft, NormalizeOutcome, Normalizer } from '../types';
import { draft, identities, isoTime, obj, str, unknownType } from './common';

/** HubSpot webhooks: a JSON array of events (contact.creation, contact.propertyChange) → crm_contact. */
export const normalizeHubspot: Normalizer = (env): NormalizeOutcome => {
  const list = Array.isArray(env.payload) ? env.payload : [env.payload];
  const events: CanonicalDraft[] = [];
  for (const raw of list) {
    const e = obj(raw);
    const type = str(e.subscriptionType);
    if (type !== 'contact.creation' && type !== 'contact.propertyChange')
      return unknownType('hubspot', e.subscriptionType);
    const contactId = str(e.objectId);
    const eventId = str(e.eventId);
    if (!contactId || !eventId) {
      return {
        ok: false,
        reason: 'schema_violation',
        detail: 'hubspot: eventId and objectId are required',
        errors: [{ path: '/objectId', rule: 'required', message: 'objectId and eventId are required' }],
      };
    }
    const prop = str(e.propertyName);
    const value = e.propertyValue;
    events.push(
      draft(env, {
        eventId: `hubspot:${eventId}`,
        type: 'crm_contact',
        event: type === 'contact.creation' ? 'contact.created' : 'property_change',
        originalTimestamp: isoTime(e.occurredAt),
        properties: {
          contactId,
          changedProperty: prop,
          newValue: prop === 'email' ? undefined : (value ?? null),
          lifecycleStage: prop === 'lifecyclestage' ? str(value) : null,
          portalId: str(e.portalId),
          provider: 'hubspot',
        },
        traits: prop === 'email' && str(value) ? { email: str(value) } : {},
        identities: identities(['hubspot_contact', contactId]),
      }),
    );
  }
  return { ok: true, events };
};
