// A minimal Node.js Lambda runtime for LocalStack's `local-node` executor (test tooling only).
//
// Started once per execution environment by kla_localstack_executor.runtime.NodeRuntime, it loads
// the handler named by _HANDLER from LAMBDA_TASK_ROOT (ESM or CommonJS), then serves invocations:
// one JSON request per line on stdin, one JSON message per line on the control file descriptor
// (_KLA_CONTROL_FD). stdout and stderr are the function's logs; after init and after every
// invocation a marker is written to stdout so that the executor can cut the logs per invocation.
import { existsSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const controlFd = Number(process.env._KLA_CONTROL_FD);
delete process.env._KLA_CONTROL_FD;
const MARKER = '\u0000KLA_MARKER';

/** @type {string | undefined} */
let currentRequestId;

function send(message) {
  writeSync(controlFd, `${JSON.stringify(message)}\n`);
}

function marker(name) {
  process.stdout.write(`${MARKER} ${name}\u0000\n`);
}

export function errorPayload(error, errorType) {
  if (error instanceof Error) {
    return {
      errorType: errorType ?? error.name ?? 'Error',
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return {
    errorType: errorType ?? 'Error',
    errorMessage: typeof error === 'string' ? error : format(error),
    trace: [],
  };
}

/** Lambda's text log format: timestamp, request id, level, message. */
function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const line = `${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}\n`;
      process.stdout.write(line);
    };
  }
}

/** `dir/module.export.path` as in Lambda: the module ends at the first dot of the last segment. */
export function parseHandler(handler) {
  const match = /^((?:.*\/)?[^./]+)\.([^/]+)$/.exec(handler ?? '');
  if (!match) {
    throw Object.assign(new Error(`Bad handler ${handler}`), { name: 'Runtime.MalformedHandlerName' });
  }
  return { modulePath: match[1], exportPath: match[2].split('.') };
}

export async function loadHandler(taskRoot, handler) {
  const { modulePath, exportPath } = parseHandler(handler);
  const base = resolve(taskRoot, modulePath);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: 'Runtime.ImportModuleError' });
  }
  const module = await import(pathToFileURL(file).href);
  let fn = exportPath.reduce((obj, key) => (obj == null ? undefined : obj[key]), module);
  if (typeof fn !== 'function' && module.default) {
    fn = exportPath.reduce((obj, key) => (obj == null ? undefined : obj[key]), module.default);
  }
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn;
}

export function makeContext(request, env = process.env) {
  const deadlineMs = request.deadlineMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: request.invokedFunctionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: request.requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Calls an async handler, or a callback-style one (three parameters). */
export function callHandler(fn, event, context) {
  if (fn.length >= 3) {
    return new Promise((resolvePromise, reject) => {
      const callback = (error, result) => (error == null ? resolvePromise(result) : reject(error));
      try {
        const returned = fn(event, context, callback);
        if (returned && typeof returned.then === 'function') returned.then(resolvePromise, reject);
      } catch (error) {
        reject(error);
      }
    });
  }
  return Promise.resolve().then(() => fn(event, context));
}

async function invoke(fn, request) {
  currentRequestId = request.requestId;
  if (request.traceId) process.env._X_AMZN_TRACE_ID = request.traceId;
  try {
    const event = request.payload === undefined || request.payload === '' ? {} : JSON.parse(request.payload);
    const result = await callHandler(fn, event, makeContext(request));
    const payload = JSON.stringify(result === undefined ? null : result);
    marker(`END ${request.requestId}`);
    send({ type: 'result', requestId: request.requestId, payload });
  } catch (error) {
    console.error(`Invoke Error \t${JSON.stringify(errorPayload(error))}`);
    marker(`END ${request.requestId}`);
    send({ type: 'error', requestId: request.requestId, error: errorPayload(error) });
  } finally {
    currentRequestId = undefined;
  }
}

function fatal(errorType, exitCode) {
  return (error) => {
    const payload = errorPayload(error, errorType);
    console.error(`${errorType ?? 'Uncaught Exception'} \t${JSON.stringify(payload)}`);
    if (currentRequestId !== undefined) {
      marker(`END ${currentRequestId}`);
      send({ type: 'error', requestId: currentRequestId, error: payload, fatal: true });
    }
    process.exit(exitCode);
  };
}

async function main() {
  if (!Number.isInteger(controlFd)) throw new Error('bootstrap.mjs: _KLA_CONTROL_FD is not set');
  patchConsole();
  process.on('uncaughtException', fatal(undefined, 129));
  process.on('unhandledRejection', fatal('Runtime.UnhandledPromiseRejection', 128));
  const started = performance.now();
  let fn;
  try {
    fn = await loadHandler(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), process.env._HANDLER);
  } catch (error) {
    const payload = errorPayload(error);
    console.error(`${payload.errorType}: ${payload.errorMessage}`);
    marker('READY');
    send({ type: 'init-error', error: payload, initDurationMs: performance.now() - started });
    process.exit(1);
  }
  marker('READY');
  send({ type: 'ready', initDurationMs: performance.now() - started });
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // One invocation at a time, as in Lambda.
  for await (const line of lines) {
    if (line.trim() === '') continue;
    await invoke(fn, JSON.parse(line));
  }
  process.exit(0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
