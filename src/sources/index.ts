import { own } from '../domain/own';
import { hubspot } from './hubspot';
import { sendgrid } from './sendgrid';
import { shopify } from './shopify';
import { stripe } from './stripe';
import type { WebhookSource } from './types';
import { zendesk } from './zendesk';

/**
 * Every webhook source c360 accepts (`POST /webhooks/<name>`), one line each. Adding a source:
 * a folder `src/sources/<name>/` with its descriptor and its fixtures, one line here.
 */
export const WEBHOOK_SOURCES: Readonly<Record<string, WebhookSource>> = Object.freeze({
  stripe,
  shopify,
  zendesk,
  hubspot,
  sendgrid,
});

export const WEBHOOK_SOURCE_NAMES = Object.keys(WEBHOOK_SOURCES);

/** The source named by a request path, own keys only (a path segment "valueOf" is no source). */
export function webhookSource(name: string): WebhookSource | undefined {
  return own(WEBHOOK_SOURCES, name);
}
