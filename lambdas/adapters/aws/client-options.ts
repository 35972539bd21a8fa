/** Bounds on one AWS request, and how often it is tried. */
export interface AwsClientLimits {
  /** Bound on opening the connection. @default 2000 */
  readonly connectionTimeoutMs?: number;
  /** Bound on one request and its response; a breach is a retriable TimeoutError. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Tries per call, the first included. @default 4 */
  readonly maxAttempts?: number;
}

/**
 * Settings for every AWS client the scaler builds: request timeouts, so that a hung call ends as a
 * retriable error after `requestTimeoutMs` instead of at the Lambda timeout, and the SDK's adaptive
 * retry mode, which backs off on throttling (ThrottlingException, TooManyRequests) with a client-side
 * rate limiter and retries 5xx, timeouts and reset connections. A hung call costs at most about
 * maxAttempts x (connection + request timeout) plus the backoff: 4 x 7 s + ~3 s by default, inside
 * the function's 60 s.
 */
export function awsClientOptions(limits: AwsClientLimits = {}) {
  return {
    maxAttempts: limits.maxAttempts ?? 4,
    retryMode: 'adaptive',
    requestHandler: {
      connectionTimeout: limits.connectionTimeoutMs ?? 2_000,
      requestTimeout: limits.requestTimeoutMs ?? 5_000,
      // Without it the SDK only logs a warning when requestTimeout passes, and the call goes on waiting.
      throwOnRequestTimeout: true,
    },
  } as const;
}
