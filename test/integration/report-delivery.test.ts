import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { FolderObjectStore } from '../../src/adapters/local/object-store';
import { startSmtpSink } from '../../src/adapters/local/smtp';
import { reportKey } from '../../src/dashboards/reports';
import { unsubscribeToken } from '../../src/domain/report-subscriptions';
import { deliverReports } from '../../src/handlers/report-delivery';
import { startHttpServer } from '../../src/runtime/http-server';
import {
  addSubscription,
  loadSubscriptions,
  localOutbox,
  reportRoutes,
  subscriptionStatus,
  withLocalReportDeps,
} from '../../src/runtime/reports';

/**
 * The embedded email path for real: nodemailer speaking SMTP to the outbox sink (smtp-server),
 * the message read back by mailparser; the unsubscribe link answered by the served route.
 */
describe('report delivery embedded (SMTP)', () => {
  let dir: string;
  const DATE = '2026-12-03';
  const csv = 'metric,value,previous,change_pct\norders,12,10,20\nnet_usd,345.67,300,15.2\n';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-report-smtp-'));
    const objects = new FolderObjectStore(dir);
    await objects.put(
      reportKey('daily', DATE, undefined, 'html'),
      '<html><body><h1>Daily é</h1></body></html>',
    );
    await objects.put(reportKey('daily', DATE, undefined, 'csv'), csv);
    await objects.put(
      reportKey('daily', DATE, undefined, 'json'),
      JSON.stringify({ title: `c360 daily summary, ${DATE}` }),
    );
    await addSubscription(dir, { id: 'ops', report: 'daily', email: 'ops@shop.example' });
  });
  afterEach(async () => {
    delete process.env.C360_SMTP_URL;
    await rm(dir, { recursive: true, force: true });
  });

  it('sends a MIME message over SMTP: the report as HTML and text, its CSV attached, List-Unsubscribe; the link unsubscribes', async () => {
    const out = await withLocalReportDeps(dir, (deps) => deliverReports(deps, DATE));
    expect(out.delivered).toEqual([{ id: 'ops', report: `daily-${DATE}`, to: 'ops@shop.example' }]);
    const files = readdirSync(localOutbox(dir));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(localOutbox(dir), files[0] as string)));
    expect([mail.subject, (mail.to as { text: string }).text, (mail.from as { text: string }).text]).toEqual([
      `c360 daily summary, ${DATE}`,
      'ops@shop.example',
      'reports@c360.local',
    ]);
    expect(mail.html).toContain('<h1>Daily é</h1>');
    expect(mail.text).toContain('orders,12,10,20');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString('utf8')])).toEqual([
      [`daily-${DATE}.csv`, 'text/csv', csv],
    ]);
    const token = unsubscribeToken(loadSubscriptions(dir).signingKey, 'ops');
    // mailparser folds List-* headers into one "list" object: read the raw lines.
    const raw = (key: string) => mail.headerLines.find((h) => h.key === key)?.line.replace(/\r?\n\s+/g, ' ');
    const header = { url: /<([^>]+)>/.exec(raw('list-unsubscribe') ?? '')?.[1] as string };
    expect(header.url).toBe(`http://127.0.0.1:8088/reports/unsubscribe?s=ops&t=${token}`);
    expect(raw('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    // The link, as a mail client's one-click unsubscribe would use it (c360 serve's route).
    const server = await startHttpServer({ port: 0, routes: reportRoutes(dir) });
    try {
      const path = new URL(header.url).search;
      const page = await fetch(`${server.url}/reports/unsubscribe${path}`);
      expect([page.status, await page.text()]).toEqual([
        200,
        expect.stringContaining('Unsubscribe subscription ops'),
      ]);
      expect((await subscriptionStatus(dir))[0]?.status).toBe('active');
      const done = await fetch(`${server.url}/reports/unsubscribe${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(done.status).toBe(200);
      const forged = await fetch(`${server.url}/reports/unsubscribe?s=ops&t=${token.slice(1)}x`, {
        method: 'POST',
      });
      expect(forged.status).toBe(403);
    } finally {
      await server.close();
    }
    expect(await subscriptionStatus(dir)).toEqual([
      expect.objectContaining({ id: 'ops', status: 'unsubscribed', last_delivered: `daily-${DATE}` }),
    ]);
  });

  it('C360_SMTP_URL sends through that server instead of the outbox sink', async () => {
    const relay = await startSmtpSink(join(dir, 'relay'));
    try {
      process.env.C360_SMTP_URL = relay.url;
      await withLocalReportDeps(dir, (deps) => deliverReports(deps, DATE));
    } finally {
      await relay.close();
    }
    expect(readdirSync(join(dir, 'relay'))).toHaveLength(1);
    expect(() => readdirSync(localOutbox(dir))).toThrow();
  });
});
