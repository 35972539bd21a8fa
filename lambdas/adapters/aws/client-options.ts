/**
 * Retry settings for every AWS client: the SDK's adaptive mode backs off on throttling
 * (ThrottlingException, TooManyRequests) with a client-side rate limiter.
 */
export const awsRetryOptions = { maxAttempts: 5, retryMode: 'adaptive' } as const;
