import type { Normalizer } from '../types';
import { normalizeHubspot } from './hubspot';
import { normalizeAdjust, normalizeAppsflyer, normalizeGenericPostback } from './postbacks';
import { normalizeShopify } from './shopify';
import { normalizeStripe } from './stripe';
import { normalizeZendesk } from './zendesk';

/** Normalizers for webhook providers and ad networks, keyed by RawEnvelope.provider. */
export const providerNormalizers: Record<string, Normalizer> = {
  stripe: normalizeStripe,
  shopify: normalizeShopify,
  zendesk: normalizeZendesk,
  hubspot: normalizeHubspot,
  appsflyer: normalizeAppsflyer,
  adjust: normalizeAdjust,
  generic: normalizeGenericPostback,
};
