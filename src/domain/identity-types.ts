/**
 * The identity key types every source may bring, whatever it is. A webhook source adds its own
 * customer id type in its descriptor (`accountIdentity`, src/sources/<name>/); the full list,
 * the `IdentityType` union, the schema enum and the identity hub guard's account list are
 * generated from both (`npm run gen`, scripts/gen-identity.ts).
 *
 * An **account** key names one customer account (a user id, a CRM contact, a provider's
 * customer id); the hub guard counts how many accounts a key links. A **contact** key is a
 * hashed contact point; a **device** key is a browser, app install or ad id.
 */
export type IdentityRole = 'account' | 'contact' | 'device';

export const CORE_IDENTITY_TYPES: Readonly<Record<string, IdentityRole>> = Object.freeze({
  user_id: 'account',
  anonymous_id: 'device',
  email_hash: 'contact',
  phone_hash: 'contact',
  crm_contact: 'account',
  device_id: 'device',
  advertising_id: 'device',
});
