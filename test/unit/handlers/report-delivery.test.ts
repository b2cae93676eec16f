import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { reportKey } from '../../../src/dashboards/reports';
import { verifySignature } from '../../../src/domain/audience-sync';
import { type SubscriptionConfig, unsubscribeToken } from '../../../src/domain/report-subscriptions';
import {
  createReportHandler,
  deliverReports,
  planReports,
  unsubscribe,
  unsubscribeRoute,
} from '../../../src/handlers/report-delivery';
import type { Mail } from '../../../src/ports/mailer';
import { apiEvent } from '../../helpers/http';

const KEY = 'signing-key-for-the-unit-tests-0123456789';
const HOOK_SECRET = 'whsec_reports_0123456789';
const THURSDAY = '2026-12-03';
const SUNDAY = '2026-11-29';

describe('report delivery', () => {
  let dir: string;
  let objects: FolderObjectStore;
  let config: SubscriptionConfig;
  let sent: Mail[];
  let posted: { url: string; method: string; headers: Record<string, string>; body: string }[];
  let statuses: number[];
  const deps = () => ({
    objects,
    config: async () => config,
    sendMail: async (m: Mail) => {
      sent.push(m);
      return `<${sent.length}@test>`;
    },
    fetch: (async (url: string, init: RequestInit) => {
      posted.push({
        url,
        method: String(init.method),
        headers: init.headers as Record<string, string>,
        body: String(init.body),
      });
      return new Response(null, { status: statuses.shift() ?? 204 });
    }) as unknown as typeof fetch,
    now: () => Date.parse('2026-12-03T06:00:00Z'),
  });
  /** A report as WriteReports leaves it: its HTML, CSV and JSON. */
  const write = async (kind: 'daily' | 'weekly', from: string, filters?: Record<string, string>) => {
    const title = `${kind} ${from}${filters ? ` ${JSON.stringify(filters)}` : ''}`;
    await objects.put(reportKey(kind, from, filters, 'html'), `<html><body><h1>${title}</h1></body></html>`);
    await objects.put(reportKey(kind, from, filters, 'csv'), 'metric,value\norders,7\n');
    await objects.put(
      reportKey(kind, from, filters, 'json'),
      JSON.stringify({
        title,
        lines: [
          { metric: 'orders', value: 7, previous: 5, change_pct: 40 },
          { metric: 'net_usd', value: 10, previous: 0, change_pct: null },
        ],
      }),
    );
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-report-delivery-'));
    objects = new FolderObjectStore(dir);
    sent = [];
    posted = [];
    statuses = [];
    config = {
      signingKey: KEY,
      sender: 'reports@shop.example',
      unsubscribeUrl: 'https://api.shop.example/reports/unsubscribe',
      subscriptions: [
        { id: 'ops', report: 'daily', email: 'ops@shop.example' },
        {
          id: 'gb',
          report: 'daily',
          filters: { country: 'GB' },
          webhook: 'https://hooks.example/gb',
          secret: HOOK_SECRET,
        },
        { id: 'champions', report: 'weekly', filters: { segment: 'champions' }, email: 'sales@shop.example' },
      ],
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plans one report per distinct filter set of the active subscriptions', async () => {
    config.subscriptions.push({
      id: 'gb2',
      report: 'weekly',
      filters: { country: 'GB' },
      email: 'x@shop.example',
    });
    // The same set written in another order is the same report.
    config.subscriptions.push(
      { id: 'both1', report: 'daily', filters: { segment: 'loyal', country: 'DE' }, email: 'y@shop.example' },
      { id: 'both2', report: 'daily', filters: { country: 'DE', segment: 'loyal' }, email: 'z@shop.example' },
    );
    expect((await planReports(deps())).filters).toEqual([
      { country: 'GB' },
      { segment: 'champions' },
      { segment: 'loyal', country: 'DE' },
    ]);
    await unsubscribe(deps(), 'champions', unsubscribeToken(KEY, 'champions'));
    expect((await planReports(deps())).filters).toEqual([
      { country: 'GB' },
      { segment: 'loyal', country: 'DE' },
    ]);
  });

  it('sends each due report once: email with the report, its CSV and an unsubscribe link; a signed webhook; receipts', async () => {
    await write('daily', THURSDAY);
    await write('daily', THURSDAY, { country: 'GB' });
    const out = await deliverReports(deps(), THURSDAY);
    expect(out.delivered).toEqual([
      { id: 'ops', report: `daily-${THURSDAY}`, to: 'ops@shop.example' },
      { id: 'gb', report: `daily-${THURSDAY}`, to: 'https://hooks.example/gb' },
    ]);
    // The weekly digest waits for Sunday.
    expect(out.notDue).toEqual(['champions']);
    const [mail] = sent as [Mail];
    expect([mail.from, mail.to, mail.subject]).toEqual([
      'reports@shop.example',
      'ops@shop.example',
      `daily ${THURSDAY}`,
    ]);
    const link = `https://api.shop.example/reports/unsubscribe?s=ops&t=${unsubscribeToken(KEY, 'ops')}`;
    expect(mail.headers).toEqual({
      'List-Unsubscribe': `<${link}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    // The report as written, the unsubscribe footer at the end of its body.
    expect(mail.html).toBe(
      `<html><body><h1>daily ${THURSDAY}</h1><p style="color:#5b6577;font-size:12px">You receive this as subscription ops. <a href="${link.replace(/&/g, '&amp;')}">Unsubscribe</a>.</p></body></html>`,
    );
    expect(mail.text).toContain('orders,7');
    expect(mail.text).toContain(link);
    expect(mail.attachments).toEqual([
      { filename: `daily-${THURSDAY}.csv`, content: 'metric,value\norders,7\n', contentType: 'text/csv' },
    ]);
    // The webhook: the filtered report's JSON, signed with the subscription's secret.
    const [hook] = posted as [(typeof posted)[number]];
    expect(hook.url).toBe('https://hooks.example/gb');
    expect(
      verifySignature(
        HOOK_SECRET,
        hook.headers['c360-signature'] as string,
        hook.body,
        Date.parse('2026-12-03T06:00:00Z') / 1000,
      ),
    ).toBe(true);
    expect(
      verifySignature(
        'another-secret-0123456',
        hook.headers['c360-signature'] as string,
        hook.body,
        Date.parse('2026-12-03T06:00:00Z') / 1000,
      ),
    ).toBe(false);
    expect(hook.headers['idempotency-key']).toBe(`gb:daily:${THURSDAY}`);
    expect([hook.method, hook.headers['content-type']]).toEqual(['POST', 'application/json']);
    // A receipt per subscription and report: who, what, where, when.
    expect(
      JSON.parse((await objects.get(`reports/deliveries/daily-${THURSDAY}/ops.json`)).toString()),
    ).toEqual({
      id: 'ops',
      report: 'daily',
      from: THURSDAY,
      to: 'ops@shop.example',
      at: '2026-12-03T06:00:00.000Z',
    });
    expect(JSON.parse(hook.body)).toMatchObject({
      subscription: 'gb',
      title: `daily ${THURSDAY} {"country":"GB"}`,
      lines: [
        { metric: 'orders', value: 7, previous: 5, change_pct: 40 },
        { metric: 'net_usd', value: 10, previous: 0, change_pct: null },
      ],
      unsubscribe: expect.stringContaining('s=gb&t='),
    });
    // One line per metric for chat webhooks (Slack and the like post `text`).
    expect(JSON.parse(hook.body).text).toBe(
      `daily ${THURSDAY} {"country":"GB"}\norders: 7 (previous 5, +40 %)\nnet_usd: 10 (previous 0)\nUnsubscribe: https://api.shop.example/reports/unsubscribe?s=gb&t=${unsubscribeToken(KEY, 'gb')}`,
    );
    // Run again (a retried step, a repeated run): nothing is sent twice.
    const again = await deliverReports(deps(), THURSDAY);
    expect([again.delivered, again.alreadySent, sent.length, posted.length]).toEqual([
      [],
      ['ops', 'gb'],
      1,
      1,
    ]);
  });

  it('delivers the weekly digest on Sunday: the ISO week from its Monday, under its filters', async () => {
    await write('daily', SUNDAY);
    await write('daily', SUNDAY, { country: 'GB' });
    await write('weekly', '2026-11-23', { segment: 'champions' });
    const out = await deliverReports(deps(), SUNDAY);
    expect(out.delivered.map((d) => [d.id, d.report])).toEqual([
      ['ops', `daily-${SUNDAY}`],
      ['gb', `daily-${SUNDAY}`],
      ['champions', 'weekly-2026-11-23'],
    ]);
    expect(sent.map((m) => m.subject)).toEqual([
      `daily ${SUNDAY}`,
      'weekly 2026-11-23 {"segment":"champions"}',
    ]);
  });

  it('a failing subscriber does not stop the others; the error names it, and a retry sends only it', async () => {
    await write('daily', THURSDAY);
    await write('daily', THURSDAY, { country: 'GB' });
    statuses = [500];
    await expect(deliverReports(deps(), THURSDAY)).rejects.toMatchObject({
      name: 'ReportDeliveryError',
      message: expect.stringMatching(
        /^1 of 3 report subscription\(s\) not delivered for 2026-12-03: gb \(daily\): https:\/\/hooks\.example\/gb answered 500 \(1 delivered/,
      ),
    });
    expect(sent.map((m) => m.to)).toEqual(['ops@shop.example']);
    const retry = await deliverReports(deps(), THURSDAY);
    expect([retry.delivered.map((d) => d.id), retry.alreadySent, sent.length, posted.length]).toEqual([
      ['gb'],
      ['ops'],
      1,
      2,
    ]);
  });

  it('two failures are each named; a store that cannot be read is an error, never taken for "not unsubscribed" or "not sent"', async () => {
    await write('daily', THURSDAY, { country: 'GB' });
    statuses = [500];
    await expect(deliverReports(deps(), THURSDAY)).rejects.toThrow(
      /^2 of 3 report subscription\(s\) not delivered for 2026-12-03: ops \(daily\): .*; gb \(daily\): https:\/\/hooks\.example\/gb answered 500 \(0 delivered/,
    );
    // S3 refusing (AccessDenied) is not a missing object: nothing is sent to someone who may have unsubscribed.
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    const broken = {
      ...deps(),
      objects: {
        ...objects,
        get: async () => Promise.reject(denied),
        put: objects.put.bind(objects),
        list: objects.list.bind(objects),
        remove: objects.remove.bind(objects),
      },
    };
    await expect(deliverReports(broken, THURSDAY)).rejects.toThrow('Access Denied');
    await expect(planReports(broken)).rejects.toThrow('Access Denied');
    expect(sent).toEqual([]);
  });

  it('a report read that fails otherwise is told as it is, not as "not written"', async () => {
    await write('daily', THURSDAY);
    const real = objects.get.bind(objects);
    const flaky = {
      ...deps(),
      objects: {
        ...objects,
        list: objects.list.bind(objects),
        put: objects.put.bind(objects),
        remove: objects.remove.bind(objects),
        get: async (key: string) =>
          key.endsWith('.html') ? Promise.reject(new Error('SlowDown: reduce your request rate')) : real(key),
      },
    };
    config.subscriptions = [config.subscriptions[0] as never];
    await expect(deliverReports(flaky, THURSDAY)).rejects.toThrow(
      'ops (daily): SlowDown: reduce your request rate',
    );
  });

  it('a filtered report that was not written is named with its filters', async () => {
    config.subscriptions = [config.subscriptions[1] as never];
    await expect(deliverReports(deps(), THURSDAY)).rejects.toThrow(
      `(embedded: c360 report daily --date ${THURSDAY} --country "GB")`,
    );
  });

  it('a report that was not written is named with the command that writes it', async () => {
    await write('daily', THURSDAY, { country: 'GB' });
    await expect(deliverReports(deps(), THURSDAY)).rejects.toThrow(
      `ops (daily): reports/daily-${THURSDAY}.html was not written: the pipeline's WriteReports writes it (embedded: c360 report daily --date ${THURSDAY})`,
    );
  });

  it("an unsubscribe needs the subscription's own token; then nothing more reaches it", async () => {
    await write('daily', THURSDAY);
    await write('daily', THURSDAY, { country: 'GB' });
    await expect(unsubscribe(deps(), 'ops', unsubscribeToken(KEY, 'gb'))).rejects.toMatchObject({
      name: 'ForbiddenError',
    });
    await expect(unsubscribe(deps(), 'nobody', unsubscribeToken(KEY, 'nobody'))).rejects.toMatchObject({
      name: 'ForbiddenError',
    });
    await expect(unsubscribe(deps(), 'ops', '')).rejects.toMatchObject({ name: 'BadRequestError' });
    await expect(unsubscribe(deps(), 'ops', 'x')).rejects.toThrow(
      'this unsubscribe link is not valid (copy the whole link from the message)',
    );
    await expect(unsubscribe(deps(), '', 'x')).rejects.toThrow(
      'the link needs s (the subscription) and t (its token)',
    );
    await unsubscribe(deps(), 'ops', unsubscribeToken(KEY, 'ops'));
    expect(JSON.parse((await objects.get('reports/unsubscribed/ops.json')).toString())).toEqual({
      id: 'ops',
      at: '2026-12-03T06:00:00.000Z',
    });
    const out = await deliverReports(deps(), THURSDAY);
    expect([out.unsubscribed, out.delivered.map((d) => d.id), sent.length]).toEqual([['ops'], ['gb'], 0]);
  });

  it('the unsubscribe page: a GET only asks to confirm, a POST (the form or one click) unsubscribes', async () => {
    const route = unsubscribeRoute(deps());
    const q = `s=ops&t=${unsubscribeToken(KEY, 'ops')}`;
    const ask = await route(apiEvent({ method: 'GET', path: '/reports/unsubscribe', query: q }));
    expect([ask.statusCode, ask.body]).toEqual([200, expect.stringContaining('<form method="post"')]);
    expect(ask.headers).toEqual({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    // The confirmation page has exactly one form, posting the same link back.
    expect(ask.body?.match(/<form/g)).toHaveLength(1);
    expect(ask.body).toContain(`action="?${q.replace(/&/g, '&amp;')}"`);
    expect(await objects.list('reports/unsubscribed/')).toEqual([]);
    const bad = await route(
      apiEvent({ method: 'POST', path: '/reports/unsubscribe', query: 's=ops&t=forged' }),
    );
    expect(bad.statusCode).toBe(403);
    expect(bad.body).not.toContain('<form');
    expect(
      (await route(apiEvent({ method: 'GET', path: '/reports/unsubscribe', query: '' }))).statusCode,
    ).toBe(400);
    const done = await route(
      apiEvent({
        method: 'POST',
        path: '/reports/unsubscribe',
        query: q,
        body: 'List-Unsubscribe=One-Click',
      }),
    );
    expect([done.statusCode, done.body]).toEqual([
      200,
      expect.stringContaining('Unsubscribed: subscription ops'),
    ]);
    expect(await objects.list('reports/unsubscribed/')).toEqual(['reports/unsubscribed/ops.json']);
  });

  it('the function refuses an event without a date or with an unknown step', async () => {
    const handle = createReportHandler(deps());
    await expect(handle({ step: 'deliver', date: '3 Dec' })).rejects.toThrow(
      'the event needs "date" (YYYY-MM-DD)',
    );
    await expect(handle({ step: 'send', date: THURSDAY } as never)).rejects.toThrow(
      '"step" is plan or deliver, got "send"',
    );
    expect(await handle({ step: 'plan', date: THURSDAY })).toEqual({
      filters: [{ country: 'GB' }, { segment: 'champions' }],
    });
  });
});
