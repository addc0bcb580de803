/**
 * The closed set of errors the app raises on purpose. One middleware (src/web/error-handler.ts)
 * maps them to HTTP; messages are written for the merchant and must never carry secrets or PII.
 */
export type ErrorType =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'provider_error'
  | 'unexpected_state';

const STATUS: Record<ErrorType, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  provider_error: 502,
  unexpected_state: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[type];
  }
}

export const invalidInput = (message: string, details?: unknown) => new AppError('invalid_input', message, details);
export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const unauthorized = (message = 'Authentication required') => new AppError('unauthorized', message);
export const forbidden = (message = 'You do not have access to this') => new AppError('forbidden', message);

/** An outside service (courier, Meta, Google, Anthropic, Chargily) refused or failed. */
export class ProviderError extends AppError {
  constructor(
    readonly provider: string,
    message: string,
    readonly retryable: boolean,
    readonly providerStatus?: number,
    readonly providerCode?: string | number,
  ) {
    super('provider_error', message, { provider, retryable, providerCode });
    this.name = 'ProviderError';
  }
}
