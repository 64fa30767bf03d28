/**
 * The error every venue client throws, shaped like `LlmError`
 * (`lib/llm/types.ts`): a category code, the HTTP status when the service
 * answered, and whether retrying may help. Messages say what to do and never
 * contain a password, API key, session cookie or private key.
 *
 * @module
 */

/** Which outside service an error or a recorded request belongs to. */
export type VenueName = 'brain' | 'jupiter' | 'solana' | 'birdeye' | 'dexscreener';

/** What went wrong talking to a venue. */
export type VenueErrorCode =
  /** No server answers at the configured address (connection refused, DNS, reset). */
  | 'unreachable'
  /** The call exceeded its timeout. */
  | 'timeout'
  /** The service rejected the credentials (401 / 403 on login or API key). */
  | 'auth'
  /** BRAIN answered 401 with `WWW-Authenticate: persona`: a person must complete the biometric check. */
  | 'persona'
  /** Credentials are missing, unreadable, or in a file others can read. */
  | 'credentials'
  /** 429 rate limit, still there after the allowed retries. */
  | 'rate_limited'
  /** BRAIN's 429 CONCURRENT_SIMULATION_LIMIT_EXCEEDED, still there after the allowed retries. */
  | 'concurrency_limit'
  /** 400: the request was refused; `details` holds the field-keyed messages. */
  | 'bad_request'
  /** A simulation ended in ERROR / FAIL: `details` holds BRAIN's message and location. */
  | 'expression'
  /** Something we cannot send: an operator or field with no equivalent on the venue (nothing was sent). */
  | 'unsupported'
  /** A balance check refused an order before anything was sent. */
  | 'insufficient_balance'
  /** A transaction simulation failed before sending, or the chain reported an error. */
  | 'transaction_failed'
  /** A transaction was not confirmed before its lastValidBlockHeight passed. */
  | 'expired'
  /** A response did not have the documented shape. */
  | 'protocol'
  /** Any other HTTP error (status in {@link VenueError.status}). */
  | 'http';

/**
 * Error thrown by every venue client. `details` carries structured data the
 * caller may show (BRAIN's field errors, an expression error's location, the
 * failed checks of a rejected submission).
 */
export class VenueError extends Error {
  constructor(
    /** The service. */
    readonly venue: VenueName,
    /** Error category. */
    readonly code: VenueErrorCode,
    message: string,
    /** HTTP status, when the service answered. */
    readonly status?: number,
    /** Whether retrying may help (connection errors, timeouts, 5xx, 429). */
    readonly retryable: boolean = false,
    /** Structured detail (field errors, expression location, checks). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'VenueError';
  }
}
