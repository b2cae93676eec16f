import adAttribution from '../../schemas/ad_attribution.v1.json';
import alias from '../../schemas/alias.v1.json';
import common from '../../schemas/common.v1.json';
import crmContact from '../../schemas/crm_contact.v1.json';
import group from '../../schemas/group.v1.json';
import identify from '../../schemas/identify.v1.json';
import orderCompleted from '../../schemas/order_completed.v1.json';
import orderRefunded from '../../schemas/order_refunded.v1.json';
import page from '../../schemas/page.v1.json';
import screen from '../../schemas/screen.v1.json';
import socialMention from '../../schemas/social_mention.v1.json';
import supportTicket from '../../schemas/support_ticket.v1.json';
import track from '../../schemas/track.v1.json';
import type { EventType } from './event';

/**
 * The versioned JSON Schemas in schemas/: one per canonical event type, all sharing
 * common.v1.json (registered under that id). The registry validates with code generated from
 * them (src/domain/schema-codegen.ts).
 */
export const COMMON_SCHEMA = { id: 'common.v1.json', schema: common } as const;

export const SCHEMAS: Record<EventType, object> = {
  track,
  identify,
  page,
  screen,
  group,
  alias,
  order_completed: orderCompleted,
  order_refunded: orderRefunded,
  support_ticket: supportTicket,
  social_mention: socialMention,
  crm_contact: crmContact,
  ad_attribution: adAttribution,
};

export const SCHEMA_VERSION = 1;
