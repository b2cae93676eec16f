import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryEventStream } from '../../src/adapters/local/file-stream';
import { FolderObjectStore } from '../../src/adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../../src/adapters/local/telemetry';
import { decodeMixed, parseCsv } from '../../src/domain/batch/csv';
import type { RawEnvelope } from '../../src/domain/event';
import { createFileIngestHandler } from '../../src/handlers/file-ingest';
import { fixedClock } from '../../src/ports/clock';
import { ingestBatchFile } from '../../src/runtime/batch-ingest';
import { createLocalEnrichHandler, drainStream } from '../../src/runtime/local-enrich';

const CDNOW = join(__dirname, '../../data/sample/cdnow_sample.txt');
const clock = fixedClock('2026-05-01T00:00:00.000Z');

describe('batch file ingestion', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the real CDNOW log as orders: one event per row, cents, idempotent ids', async () => {
    const stream = new MemoryEventStream();
    const report = await ingestBatchFile({
      file: CDNOW,
      kind: 'orders',
      lakeDir: join(dir, 'lake'),
      stream,
      clock,
    });
    expect(report).toMatchObject({
      format: 'cdnow',
      rows: 6919,
      accepted: 6919,
      rejected: 0,
      errorsFile: null,
    });
    // Landed under the file's content hash (sha256, first 16 hex digits).
    const digest = createHash('sha256')
      .update(await readFile(CDNOW))
      .digest('hex')
      .slice(0, 16);
    expect(report.landedAt).toBe(join(dir, `lake/landing/orders/dt=2026-05-01/${digest}/cdnow_sample.txt`));
    const first = JSON.parse(Buffer.from(stream.records[0]!.data, 'base64').toString()) as RawEnvelope;
    // " 00004 0001 19970101  2   29.33" → sample customer 1
    expect(first).toMatchObject({
      kind: 'batch_file',
      provider: 'orders',
      payload: {
        customer_id: 'cdnow-1',
        amount: '29.33',
        currency: 'USD',
        items: 2,
        ordered_at: '1997-01-01T00:00:00.000Z',
      },
    });

    const again = new MemoryEventStream();
    await ingestBatchFile({ file: CDNOW, kind: 'orders', lakeDir: join(dir, 'lake'), stream: again, clock });
    const ids = (s: MemoryEventStream) =>
      s.records.map((r) => (JSON.parse(Buffer.from(r.data, 'base64').toString()) as RawEnvelope).eventId);
    expect(ids(again)).toEqual(ids(stream));
    expect(new Set(ids(stream)).size).toBe(6919);

    // Through enrichment: amounts in cents, USD, the customer as userId.
    const handler = createLocalEnrichHandler(dir, { clock, geo: false });
    const drained = await drainStream({ stream, handler, checkpointFile: join(dir, 'cp') });
    expect(drained).toMatchObject({ delivered: 6919, quarantined: 0 });
  });

  it('reports bad rows with line, field and rule, and keeps the good ones', async () => {
    const file = join(dir, 'tickets.csv');
    await writeFile(
      file,
      'ticket_id,customer_id,created_at,status,subject\n' +
        't1,u1,2026-04-01,solved,"Broken, and ""late"""\n' +
        ',u2,2026-04-01,open,x\n' +
        't3,u3,not a date,weird,y\n' +
        't4,u4,2026-04-02T10:00:00Z,pending,"multi\nline"\n',
    );
    const stream = new MemoryEventStream();
    const report = await ingestBatchFile({
      file,
      kind: 'tickets',
      lakeDir: join(dir, 'lake'),
      stream,
      clock,
    });
    expect(report).toMatchObject({ rows: 4, accepted: 2, rejected: 2 });
    const errors = (await readFile(report.errorsFile!, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors).toEqual([
      expect.objectContaining({ line: 3, field: 'ticket_id', rule: 'required' }),
      expect.objectContaining({ line: 4, field: 'created_at', rule: 'format' }),
      expect.objectContaining({ line: 4, field: 'status', rule: 'enum' }),
    ]);
    const payloads = stream.records.map(
      (r) => (JSON.parse(Buffer.from(r.data, 'base64').toString()) as RawEnvelope).payload,
    );
    expect(payloads[0]).toMatchObject({ subject: 'Broken, and "late"' });
    expect(payloads[1]).toMatchObject({ subject: 'multi\nline' });
  });

  it('maps columns by --mapping and reads mixed UTF-8 / Windows-1252 text without losing characters', async () => {
    const file = join(dir, 'crm.csv');
    const utf8 = Buffer.from('Kontakt,Mail,Vorname\nk1,a@b.de,Jürgen\n');
    const cp1252 = Buffer.from([
      0x6b, 0x32, 0x2c, 0x63, 0x40, 0x64, 0x2e, 0x64, 0x65, 0x2c, 0x52, 0xe9, 0x6d, 0x69, 0x0a,
    ]); // k2,c@d.de,Rémi
    await writeFile(file, Buffer.concat([utf8, cp1252]));
    const stream = new MemoryEventStream();
    const report = await ingestBatchFile({
      file,
      kind: 'crm',
      lakeDir: join(dir, 'lake'),
      stream,
      clock,
      mapping: { Kontakt: 'contact_id', Mail: 'email', Vorname: 'first_name' },
    });
    expect(report).toMatchObject({ accepted: 2, rejected: 0 });
    const names = stream.records.map(
      (r) => (JSON.parse(Buffer.from(r.data, 'base64').toString()) as RawEnvelope).payload,
    );
    expect(names).toEqual([
      expect.objectContaining({ contact_id: 'k1', first_name: 'Jürgen' }),
      expect.objectContaining({ contact_id: 'k2', first_name: 'Rémi' }),
    ]);
    expect(decodeMixed(cp1252)).toBe('k2,c@d.de,Rémi\n');
    expect(parseCsv('a,b\r\n1,"2\r\n3"\r\n').map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['1', '2\r\n3'],
    ]);
  });

  it('the file-ingest Lambda (S3 landing event) validates like ingest-file and writes rejects/ with reasons', async () => {
    const objects = new FolderObjectStore(join(dir, 'bucket'));
    const stream = new MemoryEventStream();
    const handler = createFileIngestHandler({
      objects,
      stream,
      clock,
      logger: new LocalLogger('test', 'silent'),
      metrics: new EmfMetrics('c360', 'file-ingest-test'),
    });
    const landed = (key: string) => ({ detail: { object: { key: encodeURIComponent(key) } } });

    // The real CDNOW log: the same events, with the same ids, as `c360 ingest-file`.
    await objects.put('landing/orders/cdnow_sample.txt', await readFile(CDNOW));
    const out = await handler(landed('landing/orders/cdnow_sample.txt'));
    expect(out).toMatchObject({ format: 'cdnow', rows: 6919, accepted: 6919, rejected: 0, rejectsKey: null });
    const cli = new MemoryEventStream();
    await ingestBatchFile({ file: CDNOW, kind: 'orders', lakeDir: join(dir, 'lake'), stream: cli, clock });
    const ids = (s: MemoryEventStream) =>
      s.records.map((r) => (JSON.parse(Buffer.from(r.data, 'base64').toString()) as RawEnvelope).eventId);
    expect(ids(stream)).toEqual(ids(cli));

    // An orders CSV without a currency column takes the currency its key names; bad rows go to rejects/.
    const csv =
      'order_id,customer_id,ordered_at,amount\no1,u1,2026-04-01T10:00:00Z,19.99\no2,u2,2026-04-01,abc\n';
    await objects.put('landing/orders/currency=EUR/april orders.csv', csv);
    const before = stream.records.length;
    const r = await handler(landed('landing/orders/currency=EUR/april orders.csv'));
    expect(r).toMatchObject({ rows: 2, accepted: 1, rejected: 1 });
    const added = stream.records
      .slice(before)
      .map((rec) => (JSON.parse(Buffer.from(rec.data, 'base64').toString()) as RawEnvelope).payload);
    expect(added).toEqual([expect.objectContaining({ order_id: 'o1', amount: '19.99', currency: 'EUR' })]);
    expect(r.rejectsKey).toBe('rejects/orders/dt=2026-05-01/april orders.csv.errors.ndjson');
    const rejects = (await objects.get(r.rejectsKey as string)).toString().trim().split('\n');
    expect(rejects.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ line: 3, field: 'amount' }),
    ]);

    await expect(handler(landed('rejects/orders/x.csv'))).rejects.toThrow(
      'landing/<orders|crm|tickets|social>/',
    );
  });

  it('a malformed CSV is refused whole, naming the line where the broken record starts; nothing of it reaches the stream', async () => {
    const rows = ['order_id,customer_id,ordered_at,amount,currency'];
    for (let i = 1; i <= 1000; i++) rows.push(`o${i},u${i},2026-04-01T10:00:00Z,${i}.00,EUR`);
    // Row 11 (line 12) opens a quote it never closes: read leniently, the 990 rows after it
    // would become one field of one row.
    rows[11] = 'o11,u11,"2026-04-01T10:00:00Z,11.00,EUR';
    const file = join(dir, 'unbalanced.csv');
    await writeFile(file, `${rows.join('\n')}\n`);
    const stream = new MemoryEventStream();
    await expect(
      ingestBatchFile({ file, kind: 'orders', lakeDir: join(dir, 'lake'), stream, clock }),
    ).rejects.toThrow(
      expect.objectContaining({ name: 'CsvFormatError', line: 12, rule: 'csv_quote_not_closed' }),
    );
    expect(stream.records).toHaveLength(0);
    // The file-ingest Lambda refuses it the same way, with the reason in rejects/ (no retry).
    const objects = new FolderObjectStore(join(dir, 'bucket'));
    await objects.put('landing/orders/unbalanced.csv', `${rows.join('\n')}\n`);
    const lambda = createFileIngestHandler({
      objects,
      stream,
      clock,
      logger: new LocalLogger('test', 'silent'),
      metrics: new EmfMetrics('c360', 'file-ingest-test'),
    });
    const out = await lambda({ detail: { object: { key: 'landing/orders/unbalanced.csv' } } });
    expect(out).toMatchObject({ rows: 0, accepted: 0, refused: expect.stringContaining('line 12') });
    expect(JSON.parse((await objects.get(out.rejectsKey as string)).toString())).toMatchObject({
      line: 12,
      field: 'file',
      rule: 'csv_quote_not_closed',
    });
    expect(stream.records).toHaveLength(0);
    // A quote in the middle of a field, likewise.
    expect(() => parseCsv('a,b\n1,x"y\n')).toThrow(
      expect.objectContaining({ line: 2, rule: 'invalid_opening_quote' }),
    );
    // And well-formed CSV keeps every RFC 4180 case, with the line each row starts on.
    expect(parseCsv('a,b\r\n1,"x, ""q""\ny"\n\n3,4\n5')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', 'x, "q"\ny'] },
      { line: 5, cells: ['3', '4'] },
      { line: 6, cells: ['5'] },
    ]);
  });

  it('two different files with the same name land side by side; the same file twice lands once', async () => {
    const a = join(dir, 'a', 'orders.csv');
    const b = join(dir, 'b', 'orders.csv');
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    await writeFile(
      a,
      'order_id,customer_id,ordered_at,amount,currency\no1,u1,2026-04-01T10:00:00Z,1.00,EUR\n',
    );
    await writeFile(
      b,
      'order_id,customer_id,ordered_at,amount,currency\no2,u2,2026-04-01T10:00:00Z,2.00,EUR\n',
    );
    const lake = join(dir, 'lake');
    const stream = new MemoryEventStream();
    const ra = await ingestBatchFile({ file: a, kind: 'orders', lakeDir: lake, stream, clock });
    const rb = await ingestBatchFile({ file: b, kind: 'orders', lakeDir: lake, stream, clock });
    const again = await ingestBatchFile({ file: a, kind: 'orders', lakeDir: lake, stream, clock });
    expect(ra.landedAt).not.toBe(rb.landedAt);
    expect(again.landedAt).toBe(ra.landedAt);
    expect((await readFile(ra.landedAt, 'utf8')).includes('o1')).toBe(true);
    expect((await readFile(rb.landedAt, 'utf8')).includes('o2')).toBe(true);
  });
});
