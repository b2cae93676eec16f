import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../../domain/errors';
import type { SecretStore } from '../../ports/secrets';

/**
 * SecretStore on Secrets Manager (names or ARNs) with an in-memory cache per Lambda container,
 * so a warm invocation makes no call and a rotated value is seen within ttlMs.
 */
export class SecretsManagerStore implements SecretStore {
  private readonly cache = new Map<string, { value: string; at: number }>();
  constructor(
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(name: string): Promise<string> {
    const hit = this.cache.get(name);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
    const value =
      out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    if (value === undefined) throw new ConfigError(`secret ${name} has no value: put a SecretString in it`);
    this.cache.set(name, { value, at: this.now() });
    return value;
  }
}

/** SecretStore on SSM Parameter Store SecureString parameters, cached the same way. */
export class SsmParameterStore implements SecretStore {
  private readonly cache = new Map<string, { value: string; at: number }>();
  constructor(
    private readonly client: SSMClient = new SSMClient({}),
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(name: string): Promise<string> {
    const hit = this.cache.get(name);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const out = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (value === undefined) throw new ConfigError(`SSM parameter ${name} has no value`);
    this.cache.set(name, { value, at: this.now() });
    return value;
  }
}
