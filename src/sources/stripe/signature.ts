import { fail, hmac, OK, safeEqual, type Verification } from '../../domain/webhooks/signatures';

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of `${t}.${body}`. */
export function verifyStripe(
  body: Buffer,
  header: string | undefined,
  secrets: string[],
  nowSeconds: number,
  toleranceSeconds = 300,
): Verification {
  if (!header) return fail('missing Stripe-Signature header');
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't') t = v;
    else if (k === 'v1' && v) v1.push(v);
  }
  if (!t || !/^\d+$/.test(t) || v1.length === 0)
    return fail('malformed Stripe-Signature header (need t=… and v1=…)');
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return fail('timestamp outside tolerance');
  for (const secret of secrets) {
    const expected = hmac(secret, [`${t}.`, body], 'hex');
    if (v1.some((sig) => safeEqual(sig, expected))) return OK;
  }
  return fail('signature mismatch');
}

/** The `Stripe-Signature` header Stripe would send for `body` at unix time `t`. */
export const signStripe = (body: string, secret: string, t: number): string =>
  `t=${t},v1=${hmac(secret, [`${t}.`, body], 'hex')}`;
