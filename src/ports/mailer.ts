/** One email: what the report delivery sends, through SES (AWS) or SMTP (embedded). */
export interface Mail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  attachments: { filename: string; content: string; contentType: string }[];
  /** List-Unsubscribe (a link) and List-Unsubscribe-Post (one click, RFC 8058). */
  headers: Record<string, string>;
}

/** Sends one message; resolves with the transport's message id. */
export type Mailer = (mail: Mail) => Promise<string>;
