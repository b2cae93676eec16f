import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SuppressionList } from '../../ports/suppression';
import { clientConfig } from './client-config';

/**
 * The suppression list as one object (`privacy/suppression.txt`, a hash a line) in the lake
 * bucket. Enrich reads it at most every `ttlMs` (default 5 min): an erasure takes effect within
 * that window, which the forget state machine waits out before it rewrites the lake.
 */
export class S3SuppressionList implements SuppressionList {
  private cached: { at: number; set: ReadonlySet<string> } | null = null;
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = new S3Client(clientConfig('s3')),
    private readonly key = 'privacy/suppression.txt',
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private async read(): Promise<Set<string>> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      const text = (await out.Body?.transformToString('utf8')) ?? '';
      return new Set(text.split('\n').filter(Boolean));
    } catch (err) {
      if (err instanceof NoSuchKey) return new Set();
      throw err;
    }
  }

  async load(): Promise<ReadonlySet<string>> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.set;
    const set = await this.read();
    this.cached = { at: this.now(), set };
    return set;
  }

  async add(hashes: string[]) {
    const set = await this.read();
    for (const h of hashes) set.add(h);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: `${[...set].sort().join('\n')}\n` }),
    );
    this.cached = null;
  }
}
