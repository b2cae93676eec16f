import { WEBHOOK_SOURCES } from '../../../sources';
import type { Normalizer } from '../types';
import { normalizeAdjust, normalizeAppsflyer, normalizeGenericPostback } from './postbacks';

/** Normalizers for webhook sources (their descriptors) and ad networks, keyed by RawEnvelope.provider. */
export const providerNormalizers: Record<string, Normalizer> = {
  ...Object.fromEntries(Object.values(WEBHOOK_SOURCES).map((s) => [s.name, s.normalize])),
  appsflyer: normalizeAppsflyer,
  adjust: normalizeAdjust,
  generic: normalizeGenericPostback,
};
