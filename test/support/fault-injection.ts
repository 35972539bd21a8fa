import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * An HTTP handler for AWS SDK clients that answers the first `failures` requests with the given
 * error (as the AWS JSON protocol does) and sends the rest to the real endpoint. Only for faults a
 * real service cannot be made to show, such as throttling; the SDK's own retry logic stays in play.
 */
export function failingFirst(failures: number, errorType: string, statusCode = 400) {
  const real = new NodeHttpHandler();
  let calls = 0;
  return {
    get calls(): number {
      return calls;
    },
    handler: {
      metadata: { handlerProtocol: 'http/1.1' },
      async handle(request: Parameters<NodeHttpHandler['handle']>[0]) {
        calls += 1;
        if (calls <= failures) {
          const body = JSON.stringify({ __type: errorType, message: 'Rate exceeded (injected)' });
          return {
            response: {
              statusCode,
              reason: 'Bad Request',
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
