/**
 * The identity key types every source may bring, whatever it is, with the role and limit identity
 * resolution gives each. A webhook source adds its own customer id type in its descriptor
 * (`accountIdentity`, src/sources/<name>/): an account. The full list, the `IdentityType` union,
 * the schema enum, the hub guard's account list and the resolution rules the SQL reads
 * (sql/silver/identity_types.sql) are generated from both (`npm run gen`, scripts/gen-identity.ts).
 *
 * Roles, in precedence order (docs/data-contract.md, "Identity resolution"):
 * - **account**: names one customer account (a user id, a CRM contact, a provider's customer id).
 *   At most one account of each type per profile: a link that would put two in one profile is
 *   refused unless the two are linked directly (an alias, one event carrying both).
 * - **contact**: a hashed email: strong evidence, a few per profile.
 * - **weak**: phones, devices, anonymous and advertising ids: shared by households, companies and
 *   devices, so they never merge two profiles that hold different accounts.
 */
export type IdentityRole = 'account' | 'contact' | 'weak';

export interface IdentityRule {
  role: IdentityRole;
  /** How many keys of this type one profile may hold before its links are resolved strictly. */
  maxPerProfile: number | null;
}

export const ROLE_PRECEDENCE: Readonly<Record<IdentityRole, number>> = { account: 1, contact: 2, weak: 3 };

export const ACCOUNT_RULE: IdentityRule = Object.freeze({ role: 'account', maxPerProfile: 1 });

export const CORE_IDENTITY_TYPES: Readonly<Record<string, IdentityRule>> = Object.freeze({
  user_id: ACCOUNT_RULE,
  anonymous_id: { role: 'weak', maxPerProfile: null },
  email_hash: { role: 'contact', maxPerProfile: 5 },
  phone_hash: { role: 'weak', maxPerProfile: 3 },
  crm_contact: ACCOUNT_RULE,
  device_id: { role: 'weak', maxPerProfile: null },
  advertising_id: { role: 'weak', maxPerProfile: null },
});
