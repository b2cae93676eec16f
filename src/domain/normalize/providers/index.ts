import type { Normalizer } from '../types';

/**
 * Normalizers for webhook providers and ad networks, keyed by RawEnvelope.provider
 * (stripe, shopify, zendesk, hubspot, appsflyer, adjust, generic). Filled by the webhooks work.
 */
export const providerNormalizers: Record<string, Normalizer> = {};
