import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/** A SecretStore over files in a folder (`<dir>/<name>.json`): the embedded run's secrets that change at run time. */
export class FileSecretStore implements SecretStore {
  constructor(private readonly dir: string) {}
  async get(name: string): Promise<string> {
    try {
      return await readFile(join(this.dir, `${name}.json`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new ConfigError(
          `secret file ${join(this.dir, `${name}.json`)} is missing: restart c360 serve to recreate it`,
        );
      throw err;
    }
  }
}
