import { keyClass } from '../../domain/enrich/pii';
import {
  draft,
  enumValue,
  identities,
  isoTime,
  normalizeEach,
  str,
} from '../../domain/normalize/providers/common';
import type { CanonicalDraft, Normalizer, Rejection } from '../../domain/normalize/types';
import { own } from '../../domain/own';

/**
 * HubSpot webhooks: a JSON array of events, normalized one by one (an event c360 does not model
 * is quarantined on its own; the rest of the batch is stored). Both subscription styles:
 *   legacy `contact.creation | propertyChange | deletion | merge | associationChange | restore |
 *   privacyDeletion` and the generic `object.*` events with `objectTypeId` ("0-1" = contact).
 * The type is read from `subscriptionType` or `eventType` (both appear in HubSpot's payloads).
 * Contacts become crm_contact events keyed by the HubSpot contact id; a merge links the merged
 * contact ids to the surviving one, an association change involving a contact is recorded on it.
 */
const CONTACT_OBJECT_TYPE = '0-1';
const ACTIONS: Record<string, string> = {
  creation: 'created',
  propertyChange: 'property_change',
  deletion: 'deleted',
  privacyDeletion: 'deleted',
  merge: 'merged',
  associationChange: 'association_change',
  restore: 'restored',
};

function normalizeOne(
  env: Parameters<Normalizer>[0],
  e: Record<string, unknown>,
): CanonicalDraft | Omit<Rejection, 'at'> {
  const type = str(e.subscriptionType) ?? str(e.eventType);
  const [objectName, change] = (type ?? '').split('.', 2) as [string, string | undefined];
  const action = change ? own(ACTIONS, change) : undefined;
  const objectTypeId = str(e.objectTypeId);
  const isContact =
    objectName === 'contact' || (objectName === 'object' && objectTypeId === CONTACT_OBJECT_TYPE);
  // An association change is about a contact when either end of it is one.
  const assoc = enumValue(e.associationType) ?? '';
  const contactEnd =
    change === 'associationChange'
      ? str(e.fromObjectTypeId) === CONTACT_OBJECT_TYPE || assoc.startsWith('contact_to_')
        ? str(e.fromObjectId)
        : str(e.toObjectTypeId) === CONTACT_OBJECT_TYPE || assoc.includes('_to_contact')
          ? str(e.toObjectId)
          : null
      : null;
  if (!action || (!isContact && !contactEnd)) {
    return {
      reason: 'unknown_type',
      detail: `hubspot event type ${JSON.stringify(type)}${objectTypeId ? ` (objectTypeId ${objectTypeId})` : ''} is not normalized (only contact events are modelled)`,
    };
  }
  const eventId = str(e.eventId);
  const contactId = contactEnd ?? str(e.primaryObjectId) ?? str(e.objectId);
  if (!contactId || !eventId) {
    return {
      reason: 'schema_violation',
      detail: 'hubspot: eventId and objectId are required',
      errors: [{ path: '/objectId', rule: 'required', message: 'objectId and eventId are required' }],
    };
  }
  const prop = str(e.propertyName);
  const value = e.propertyValue ?? e.newValue;
  // A personal property's new value (phone, name, address, …) goes to traits under the property's
  // own name, where the PII policy recognizes and treats it; only other values stay in properties.
  const personal = prop !== 'email' && !!prop && keyClass(prop) !== 'other' && str(value) !== null;
  const merged = Array.isArray(e.mergedObjectIds) ? e.mergedObjectIds.map(str) : [];
  return draft(env, {
    eventId, // as HubSpot sent it: the namespace is the source's (event keys are hubspot:<id>)
    type: 'crm_contact',
    event: `contact.${action}`,
    originalTimestamp: isoTime(e.occurredAt),
    properties: {
      contactId,
      action,
      changedProperty: prop,
      // An email change is an identity (traits.email, pseudonymized), not a property value.
      newValue: prop === 'email' || personal ? undefined : (value ?? null),
      lifecycleStage: prop === 'lifecyclestage' ? enumValue(value) : null,
      ...(change === 'associationChange'
        ? {
            associationType: assoc || null,
            associationRemoved: e.associationRemoved === true,
            associatedObjectId: contactEnd === str(e.fromObjectId) ? str(e.toObjectId) : str(e.fromObjectId),
          }
        : {}),
      portalId: str(e.portalId),
      changeSource: enumValue(e.changeSource),
      provider: 'hubspot',
    },
    traits: prop === 'email' && str(value) ? { email: str(value) } : personal ? { [prop]: str(value) } : {},
    identities: identities(
      ['hubspot_contact', contactId],
      ...merged.map((m): ['hubspot_contact', unknown] => ['hubspot_contact', m]),
      ...(str(e.newObjectId) ? [['hubspot_contact', e.newObjectId] as ['hubspot_contact', unknown]] : []),
    ),
  });
}

export const normalizeHubspot: Normalizer = (env) => normalizeEach(env, normalizeOne);
