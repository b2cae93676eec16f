/** Secret values by name: AWS Secrets Manager / SSM (cached) or local config. */
export interface SecretStore {
  /** Returns the secret value or throws ConfigError naming the missing secret. */
  get(name: string): Promise<string>;
}
