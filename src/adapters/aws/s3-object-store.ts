import {
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectStore } from '../../ports/object-store';
import { clientConfig } from './client-config';

/** Objects in an S3 bucket (SSE-KMS by the bucket's default encryption). */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  constructor(
    private readonly bucket: string,
    client?: S3Client,
  ) {
    this.client = client ?? new S3Client(clientConfig('s3'));
  }
  async put(key: string, body: Uint8Array | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
  }
  async get(key: string): Promise<Buffer> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(
      await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: prefix },
    ))
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    return keys.sort();
  }
  async remove(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes 1,000 keys a call and answers per key: a key it could not delete fails the call.
    for (let i = 0; i < keys.length; i += 1000) {
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const errors = res.Errors ?? [];
      if (errors.length)
        throw new Error(
          `S3 did not delete ${errors.length} of ${Math.min(1000, keys.length - i)} objects (first: ${errors[0]?.Key}: ${errors[0]?.Code} ${errors[0]?.Message})`,
        );
    }
  }
}
