import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import type { Mail } from '../../ports/mailer';

/**
 * Report emails embedded: nodemailer over SMTP, to `C360_SMTP_URL` when set (a relay, or a mail
 * catcher such as MailHog), else to a sink on loopback (smtp-server) that keeps each message as
 * it arrived, one .eml file per message in the outbox folder (open it in any mail client).
 */
export interface SmtpSink {
  url: string;
  close(): Promise<void>;
}

export async function startSmtpSink(outbox: string): Promise<SmtpSink> {
  await mkdir(outbox, { recursive: true });
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'c360 outbox',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(',');
        const file = join(
          outbox,
          `${new Date().toISOString().replace(/[:.]/g, '-')}-${++n}-${to.replace(/[^A-Za-z0-9@._-]+/g, '_')}.eml`,
        );
        writeFile(file, Buffer.concat(chunks)).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A mailer over SMTP at `url` (smtp:// or smtps://). */
export function smtpMailer(url: string) {
  const transport = createTransport(url);
  return async (mail: Mail): Promise<string> => (await transport.sendMail(mail)).messageId;
}
