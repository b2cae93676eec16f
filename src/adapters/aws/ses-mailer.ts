import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { createTransport } from 'nodemailer';
import type { Mail } from '../../ports/mailer';

/**
 * Report emails through SES (API v2 SendEmail): nodemailer composes the MIME message (HTML, the
 * plain-text part, the CSV attachment, List-Unsubscribe headers) and its SES transport sends it
 * raw, the same message the embedded SMTP path sends.
 */
export function sesMailer(client: SESv2Client = new SESv2Client({})) {
  const transport = createTransport({ SES: { sesClient: client, SendEmailCommand } });
  return async (mail: Mail): Promise<string> => (await transport.sendMail(mail)).messageId;
}
