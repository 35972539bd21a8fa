import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * An HTTP handler for AWS SDK clients that answers the first `failures` requests with the given
 * error (as the AWS JSON protocol does) and sends the rest to the real endpoint. Only for faults a
 * real service cannot be made to show, such as throttling; the SDK's own retry logic stays in play.
 */
export function failingFirst(
  failures: number,
  errorType: string,
  statusCode = 400,
  /** Only requests whose X-Amz-Target ends with this operation (e.g. `UpdateService`) fail; @default all */
  operation?: string,
  /** Fail from the first request on; false: only after `arm()`. @default true */
  armed = true,
) {
  const real = new NodeHttpHandler();
  let calls = 0;
  let failed = 0;
  return {
    get calls(): number {
      return calls;
    },
    arm(): void {
      armed = true;
    },
    handler: {
      metadata: { handlerProtocol: 'http/1.1' },
      async handle(request: Parameters<NodeHttpHandler['handle']>[0]) {
        calls += 1;
        const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
        if (armed && failed < failures && (operation === undefined || target.endsWith(`.${operation}`))) {
          failed += 1;
          const message = statusCode >= 500 ? 'Service unavailable (injected)' : 'Rate exceeded (injected)';
          const body = JSON.stringify({ __type: errorType, message });
          return {
            response: {
              statusCode,
              reason: statusCode >= 500 ? 'Service Unavailable' : 'Bad Request',
              headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': errorType },
              body: Readable.from([Buffer.from(body)]),
            },
          };
        }
        return await real.handle(request);
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
      destroy: () => real.destroy(),
    },
  };
}
