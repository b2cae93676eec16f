import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { type Destination, verifySignature } from '../../../src/domain/audience-sync';
import {
  type CurrentAudiences,
  createAudienceHandler,
  DEAD_LETTER,
  membersFromCsv,
  syncDestinations,
} from '../../../src/handlers/audience-delivery';

const SECRET = 'whsec_unit_delivery_0123456789';
const hook = (over: Partial<Destination> = {}): Destination => ({
  name: 'crm',
  type: 'webhook',
  url: 'https://crm.example/hook',
  secret: SECRET,
  audiences: '*',
  maxAttempts: 3,
  ...over,
});
const members = (entries: Record<string, string[]>): CurrentAudiences =>
  new Map(Object.entries(entries).map(([a, m]) => [a, { purpose: 'marketing', members: new Set(m) }]));

/** A fetch answering each call with the next status (the last one repeats), recording what it got. */
function answering(...statuses: number[]) {
  const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
  const f = (async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers as Record<string, string>, body: String(init.body) });
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)] as number;
    return new Response(null, { status });
  }) as unknown as typeof fetch;
  return { f, calls };
}

describe('audience delivery', () => {
  let dir: string;
  let state: FolderObjectStore;
  const sleeps: number[] = [];
  const deps = (f: typeof fetch) => ({
    state,
    exports: new FolderObjectStore(join(dir, 'lake')),
    fetch: f,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    random: () => 1,
    now: () => Date.parse('2026-12-03T10:00:00Z'),
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-delivery-'));
    state = new FolderObjectStore(join(dir, 'state'));
    sleeps.length = 0;
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it.each([
    [408, 3],
    [429, 3],
    [500, 3],
    [503, 3],
    [400, 1],
    [401, 1],
    [404, 1],
  ])('a %i answer is tried %i time(s), then dead-lettered with the status', async (status, attempts) => {
    const { f, calls } = answering(status);
    const rows = await syncDestinations(deps(f), [hook()], members({ win_back: ['c_1'] }));
    expect(calls).toHaveLength(attempts);
    expect(rows[0]).toMatchObject({ batches: 1, retries: attempts - 1, dead_lettered: 1 });
    const [key] = await state.list(DEAD_LETTER);
    const parked = JSON.parse((await state.get(key as string)).toString('utf8'));
    expect(parked.error).toBe(`https://crm.example/hook answered ${status}`);
    expect(parked.at).toBe('2026-12-03T10:00:00.000Z');
    // Nothing counted as held: the next sync sends the entry again.
    const again = answering(200);
    await syncDestinations(deps(again.f), [hook()], members({ win_back: ['c_1'] }));
    expect(again.calls).toHaveLength(1);
  });

  it('retries back off exponentially (full jitter, capped) and a network error is retried too', async () => {
    let n = 0;
    const f = (async () => {
      n++;
      if (n < 3) throw new TypeError('fetch failed');
      return new Response(null, { status: 200 });
    }) as unknown as typeof fetch;
    const rows = await syncDestinations(
      { ...deps(f), baseDelayMs: 100, maxDelayMs: 150 },
      [hook()],
      members({ a: ['c_1'] }),
    );
    expect(rows[0]).toMatchObject({ retries: 2, dead_lettered: 0, entered: 1 });
    // random() = 1: the whole window, 100 then min(200, 150).
    expect(sleeps).toEqual([100, 150]);
  });

  it('each call is signed over its exact body with the idempotency key of its batch', async () => {
    const { f, calls } = answering(200);
    await syncDestinations(deps(f), [hook({ batchSize: 2 })], members({ a: ['c_1', 'c_2', 'c_3'] }));
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.headers['content-type']).toBe('application/json');
      expect(
        verifySignature(
          SECRET,
          c.headers['c360-signature'] as string,
          c.body,
          Date.parse('2026-12-03T10:00:00Z') / 1000,
        ),
      ).toBe(true);
      expect(JSON.parse(c.body).batch_id).toBe(c.headers['idempotency-key']);
    }
  });

  it('only the named destination, only the audiences it receives; an audience gone from the run leaves as exits', async () => {
    const a = answering(200);
    const dests = [hook(), hook({ name: 'ads', audiences: ['vip'] })];
    const rows = await syncDestinations(
      deps(a.f),
      dests,
      members({ vip: ['c_1'], win_back: ['c_2'] }),
      'ads',
    );
    expect(rows.map((r) => [r.destination, r.audience, r.entered])).toEqual([['ads', 'vip', 1]]);
    const b = answering(200);
    const next = await syncDestinations(deps(b.f), dests, members({}), 'ads');
    expect(next.map((r) => [r.audience, r.exited])).toEqual([['vip', 1]]);
    expect(JSON.parse(b.calls[0]?.body as string).operations).toEqual([{ op: 'exit', customer_id: 'c_1' }]);
  });

  it('a state store that fails (not a missing object) stops the sync: what a destination holds is never guessed empty', async () => {
    const broken = Object.assign(Object.create(state), {
      get: async () => {
        throw Object.assign(new Error('AccessDenied'), { name: 'AccessDenied' });
      },
    }) as FolderObjectStore;
    const { f, calls } = answering(200);
    await expect(
      syncDestinations({ ...deps(f), state: broken }, [hook()], members({ a: ['c_1'] })),
    ).rejects.toThrow('AccessDenied');
    expect(calls).toHaveLength(0);
  });

  describe('the function', () => {
    const handlerWith = (f: typeof fetch, destinations: Destination[] = [hook()]) =>
      createAudienceHandler({
        ...deps(f),
        bucket: 'lake-b',
        lake: new FolderObjectStore(join(dir, 'lake')),
        destinations: async () => destinations,
      });

    it('reads the members export by its columns, whatever their order', () => {
      const m = membersFromCsv(
        '"customer_id","audience","purpose"\n"c_1","vip","advertising"\n"c_2","vip","advertising"\n',
      );
      expect([...m]).toEqual([['vip', { purpose: 'advertising', members: new Set(['c_1', 'c_2']) }]]);
      expect(() => membersFromCsv('"audience","customer_id"\n"vip","c_1"\n')).toThrow(
        'the audience export has no column purpose (columns: audience, customer_id)',
      );
    });

    it('refuses a members URI outside the lake bucket, an erase without ids, an unknown step', async () => {
      const h = handlerWith(answering(200).f);
      await expect(h({ step: 'sync', members: 's3://lake-b2/x.csv' })).rejects.toThrow(
        'members must be an s3:// URI in the lake bucket lake-b, got s3://lake-b2/x.csv',
      );
      await expect(h({ step: 'sync', members: 42 as unknown as string })).rejects.toThrow('got 42');
      await expect(h({ step: 'erase', customerIds: 'c_1' as unknown as string[] })).rejects.toThrow(
        'erase needs customerIds: a list of customer ids',
      );
      await expect(h({ step: 'erase', customerIds: ['c_1', 7 as unknown as string] })).rejects.toThrow(
        'erase needs customerIds',
      );
      await expect(h({ step: 'resync' } as never)).rejects.toThrow(
        'step must be sync, redrive or erase, got resync',
      );
    });

    it('sync, then redrive once the receiver is back, then erase: totals the state machine reads', async () => {
      const lake = new FolderObjectStore(join(dir, 'lake'));
      await lake.put(
        'athena-results/q.csv',
        '"audience","purpose","customer_id"\n"vip","marketing","c_1"\n"vip","marketing","c_2"\n',
      );
      const down = answering(503);
      expect(
        await handlerWith(down.f)({ step: 'sync', members: 's3://lake-b/athena-results/q.csv' }),
      ).toEqual({
        audiences: 1,
        destinations: 1,
        entered: 2,
        exited: 0,
        deleted: 0,
        batches: 1,
        retries: 2,
        dead_lettered: 1,
      });
      // A dead letter for a destination no longer configured stays, counted as still failing.
      const gone = answering(200);
      expect(await handlerWith(gone.f, [hook({ name: 'other' })])({ step: 'redrive' })).toEqual({
        redriven: 0,
        still_failing: 1,
      });
      expect(gone.calls).toHaveLength(0);
      const up = answering(200);
      expect(await handlerWith(up.f)({ step: 'redrive' })).toEqual({ redriven: 1, still_failing: 0 });
      expect(await state.list(DEAD_LETTER)).toEqual([]);
      expect(await handlerWith(up.f)({ step: 'erase', customerIds: ['c_2', 'c_9'] })).toEqual({
        destinations: 1,
        entered: 0,
        exited: 0,
        deleted: 1,
        batches: 1,
        retries: 0,
        dead_lettered: 0,
      });
      expect(JSON.parse(up.calls.at(-1)?.body as string).operations).toEqual([
        { op: 'delete', customer_id: 'c_2' },
      ]);
    });
  });
});
