import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FieldProblem } from './errors';

/**
 * Identity verification for client-side keys (docs/security.md T15): a page cannot be trusted to
 * say who is signed in, since anyone with the public key can send any user id. A key with an
 * `identitySecret` accepts a message's `userId` only with `context.userIdHash` =
 * HMAC-SHA256(identitySecret, userId) in hex, computed by the shop's backend when it renders the page
 * for the signed-in user (the scheme Intercom and others use). Without a valid hash the user id is
 * taken off the message (it is not the sender's to claim) and the event is kept by its anonymous
 * id; with no anonymous id either, it is refused naming the field.
 */
export const USER_ID_HASH_FIELD = 'userIdHash';

export function userIdHash(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

function matches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'utf8'), Buffer.from(given.toLowerCase(), 'utf8'));
}

export type Verified =
  | { ok: true; message: Record<string, unknown>; demoted: boolean }
  | { ok: false; problem: FieldProblem };

/** The message as the key may send it: its user id verified, or taken off. */
export function verifyUserId(message: Record<string, unknown>, secret: string, index: number): Verified {
  const userId = message.userId;
  if (userId === undefined || userId === null || userId === '') return { ok: true, message, demoted: false };
  const context = (
    typeof message.context === 'object' && message.context !== null ? message.context : {}
  ) as Record<string, unknown>;
  if (matches(userIdHash(secret, String(userId)), context[USER_ID_HASH_FIELD]))
    return { ok: true, message, demoted: false };
  const anonymousId = message.anonymousId;
  // An alias joins the user id to the previous one: without a verified user id it says nothing.
  if (message.type === 'alias' || anonymousId === undefined || anonymousId === null || anonymousId === '') {
    return {
      ok: false,
      problem: {
        index,
        field: `/context/${USER_ID_HASH_FIELD}`,
        rule: 'signature',
        message: `userId is not verified: this key requires context.${USER_ID_HASH_FIELD} = HMAC-SHA256(identity secret, userId) in hex, computed by your backend (docs/security.md)`,
      },
    };
  }
  const { userId: _dropped, ...rest } = message;
  return { ok: true, message: rest, demoted: true };
}
