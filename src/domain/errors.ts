/**
 * Typed errors. Every error that crosses a handler boundary is one of these; the HTTP status
 * mapping lives in one place (httpStatusOf) so no handler invents its own.
 */

export interface FieldProblem {
  /** Index of the event in the batch, when the request carried several. */
  index?: number;
  /** JSON path of the offending field, e.g. "/properties/price" or "/userId". */
  field: string;
  /** The rule that failed, e.g. "required", "type", "maxLength", "format". */
  rule: string;
  message: string;
}

/**
 * Every error class spells its own name: `sam build` minifies, so a name taken from the class
 * (`new.target.name`) comes out as two letters, Lambda reports that as the error type, and the
 * state machines' Retry/Catch on "DownstreamUnavailableError" would never match in AWS
 * (test/unit/domain/errors.test.ts checks a minified bundle).
 */
export class C360Error extends Error {
  override name = 'C360Error';
  readonly status: number = 500;
  readonly retryable: boolean = false;
}

/** Another process consumes this data folder's stream: one consumer at a time (exit 75, try later). */
export class ConsumerBusyError extends C360Error {
  override name = 'ConsumerBusyError';
}

/** The caller sent something we cannot accept (400). */
export class BadRequestError extends C360Error {
  override name = 'BadRequestError';
  override readonly status = 400;
  constructor(
    message: string,
    readonly problems: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Missing or unknown credential, bad signature (401). */
export class AuthError extends C360Error {
  override name = 'AuthError';
  override readonly status = 401;
}

/** Authenticated but not allowed from here (e.g. IP allowlist) (403). */
export class ForbiddenError extends C360Error {
  override name = 'ForbiddenError';
  override readonly status = 403;
}

/** Route exists but not for this method (405) or not at all (404). */
export class NotFoundError extends C360Error {
  override name = 'NotFoundError';
  override readonly status = 404;
}

export class MethodNotAllowedError extends C360Error {
  override name = 'MethodNotAllowedError';
  override readonly status = 405;
}

/** Body, batch or event over a documented limit (413). */
export class PayloadTooLargeError extends C360Error {
  override name = 'PayloadTooLargeError';
  override readonly status = 413;
  constructor(
    message: string,
    readonly limitBytes: number,
    readonly actualBytes: number,
  ) {
    super(message);
  }
}

export class UnsupportedMediaTypeError extends C360Error {
  override name = 'UnsupportedMediaTypeError';
  override readonly status = 415;
}

/** The caller is over its rate (429). */
export class ThrottledError extends C360Error {
  override name = 'ThrottledError';
  override readonly status = 429;
  override readonly retryable = true;
}

/** A downstream dependency (stream, delivery, store) could not take the data after retries (503). */
export class DownstreamUnavailableError extends C360Error {
  override name = 'DownstreamUnavailableError';
  override readonly status = 503;
  override readonly retryable = true;
}

/**
 * Some report subscriptions were not delivered (each named, with its cause); the rest were. The
 * daily pipeline retries the step (delivered ones are not sent twice), then alerts.
 */
export class ReportDeliveryError extends C360Error {
  override name = 'ReportDeliveryError';
  override readonly retryable = true;
}

/** Bad configuration: fail fast at cold start with what to set. */
export class ConfigError extends C360Error {
  override name = 'ConfigError';
}

export function httpStatusOf(err: unknown): number {
  return err instanceof C360Error ? err.status : 500;
}

/** A data quality check of the ETL plan failed: nothing of the run was published. */
export class DataQualityError extends C360Error {
  override name = 'DataQualityError';
  constructor(
    readonly check: string,
    readonly failures: number,
    /** What the check asserts (the SQL file's leading comment). */
    readonly rule = '',
    /** One offending value the check names (a currency, an order key …), when it gives one. */
    readonly example: string | null = null,
  ) {
    super(
      `data quality check ${check} failed: ${failures} offending row(s)${example ? ` (e.g. ${example})` : ''}${rule ? ` (rule: ${rule})` : ''}; the previous good output was left in place`,
    );
  }
}

/**
 * Gold does not hold enough history to fit a model yet (a young deployment: fewer buyers than
 * segments, or no customer old enough for the churn label). The daily pipeline goes on without
 * scores (`modelVersion: none`) and says so; it is not a failure of the run.
 */
export class NotEnoughHistoryError extends C360Error {
  override name = 'NotEnoughHistoryError';
}

/** A missing object in an ObjectStore: the folder store's ENOENT, S3's NoSuchKey. */
export function isMissingObject(err: unknown): boolean {
  const e = err as { code?: string; name?: string; Code?: string };
  return e?.code === 'ENOENT' || e?.name === 'NoSuchKey' || e?.Code === 'NoSuchKey' || e?.name === 'NotFound';
}
