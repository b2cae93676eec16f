import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Client configuration for an endpoint override. Every SDK v3 client already honours
 * `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` (an emulator, a VPC endpoint, LocalStack);
 * two services need more to talk to one: Kinesis speaks HTTP/2 by default, which emulators answer
 * with 505, and S3 addresses buckets as host names, which an IP endpoint cannot serve. With no
 * override set, the clients keep AWS's defaults.
 */
export type OverriddenService = 'kinesis' | 's3';

export function endpointOverride(service: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const specific = env[`AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
  return specific || env.AWS_ENDPOINT_URL || undefined;
}

export function clientConfig(service: OverriddenService, env: NodeJS.ProcessEnv = process.env) {
  if (!endpointOverride(service, env)) return {};
  return service === 'kinesis' ? { requestHandler: new NodeHttpHandler() } : { forcePathStyle: true };
}
