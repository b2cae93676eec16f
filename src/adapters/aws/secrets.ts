import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../../domain/errors';
import type { SecretStore } from '../../ports/secrets';

/**
 * A SecretStore that caches values per Lambda container, so a warm invocation makes no call
 * and a rotated value is seen within ttlMs.
 */
abstract class CachedSecretStore implements SecretStore {
  private readonly cache = new Map<string, { value: string; at: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  protected abstract fetch(name: string): Promise<string>;

  async get(name: string): Promise<string> {
    const hit = this.cache.get(name);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = await this.fetch(name);
    this.cache.set(name, { value, at: this.now() });
    return value;
  }
}

/** Secrets Manager secrets (by name or ARN). */
export class SecretsManagerStore extends CachedSecretStore {
  constructor(
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
    ttlMs = 5 * 60_000,
    now: () => number = Date.now,
  ) {
    super(ttlMs, now);
  }

  protected async fetch(name: string): Promise<string> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
    const value =
      out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    if (value === undefined) throw new ConfigError(`secret ${name} has no value: put a SecretString in it`);
    return value;
  }
}

/** SSM Parameter Store SecureString parameters. */
export class SsmParameterStore extends CachedSecretStore {
  constructor(
    private readonly client: SSMClient = new SSMClient({}),
    ttlMs = 5 * 60_000,
    now: () => number = Date.now,
  ) {
    super(ttlMs, now);
  }

  protected async fetch(name: string): Promise<string> {
    const out = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (value === undefined) throw new ConfigError(`SSM parameter ${name} has no value`);
    return value;
  }
}
