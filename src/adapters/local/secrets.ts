import { ConfigError } from '../../domain/errors';
import type { SecretStore } from '../../ports/secrets';

/** SecretStore backed by local configuration (embedded runtime and tests). */
export class ConfigSecretStore implements SecretStore {
  constructor(private readonly values: Record<string, string>) {}

  async get(name: string): Promise<string> {
    const v = this.values[name];
    if (v === undefined) {
      throw new ConfigError(`secret "${name}" is not configured for the local runtime`);
    }
    return v;
  }
}
