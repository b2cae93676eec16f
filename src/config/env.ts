import { ConfigError } from '../domain/errors';

/**
 * Reads named environment variables once, at cold start, and fails fast naming every missing
 * one. Each Lambda entry declares what it needs; nothing else reads process.env.
 */
export function readEnv<R extends string, O extends string = never>(
  required: readonly R[],
  optional: Partial<Record<O, string>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Record<R | O, string> {
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `missing environment variable(s): ${missing.join(', ')} (set them in template.yaml for this function)`,
    );
  }
  const out: Record<string, string> = {};
  for (const name of required) out[name] = env[name] as string;
  for (const [name, fallback] of Object.entries(optional) as [O, string][]) out[name] = env[name] || fallback;
  return out as Record<R | O, string>;
}

export function intEnv(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ConfigError(`${name} must be an integer, got "${value}"`);
  return n;
}

/**
 * CORS origins per source from JSON (`{"web": ["https://shop.example"]}`), checked at cold start:
 * an origin must be scheme://host[:port] with no path, so a typo fails the deploy, not the browser.
 */
export function corsOriginsEnv(value: string, name: string): Record<string, string[]> {
  if (!value.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(`${name} must be JSON like {"web": ["https://shop.example"]}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${name} must be a JSON object of source → origins`);
  }
  const out: Record<string, string[]> = {};
  for (const [source, origins] of Object.entries(parsed)) {
    if (
      !Array.isArray(origins) ||
      !origins.every((o) => typeof o === 'string' && /^https?:\/\/[^/\s]+$/.test(o))
    ) {
      throw new ConfigError(
        `${name}.${source} must be a list of origins like "https://shop.example" (no path)`,
      );
    }
    out[source] = origins as string[];
  }
  return out;
}
