/**
 * Runs the Lambda handler once in this process, as the Lambda runtime would (the configuration in
 * the environment, a context whose remaining time is LAMBDA_TIMEOUT_MS from now), and prints the
 * tick reports as JSON. The fault suite runs it as a child process and kills it to play a function
 * that reaches its timeout mid-tick.
 */
export {};

const timeoutMs = Number(process.env.LAMBDA_TIMEOUT_MS ?? '60000');
const deadline = Date.now() + timeoutMs;
const { handler } = await import('../../lambdas/handlers/tick');
const context = {
  functionName: 'kafka-lag-scaler',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:kafka-lag-scaler',
  memoryLimitInMB: '512',
  awsRequestId: `fault-${process.pid}`,
  getRemainingTimeInMillis: () => deadline - Date.now(),
};
const reports: unknown = await handler({}, context);
process.stdout.write(`${JSON.stringify({ reports })}\n`);
process.exit(0);
