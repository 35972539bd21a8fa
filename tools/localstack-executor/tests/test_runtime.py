"""NodeRuntime with a real node process and bootstrap.mjs (no LocalStack needed)."""

import json
import time

import pytest

from kla_localstack_executor.runtime import NodeRuntime, compose_environment

ECHO = """
    let calls = 0;
    console.log('init', process.env.GREETING);
    export const handler = async (event, context) => {
      calls += 1;
      console.log('event', JSON.stringify(event));
      console.error('to stderr');
      return {
        event,
        calls,
        greeting: process.env.GREETING,
        controlFd: process.env._KLA_CONTROL_FD ?? null,
        requestId: context.awsRequestId,
        functionName: context.functionName,
        arn: context.invokedFunctionArn,
        remaining: context.getRemainingTimeInMillis(),
        trace: process.env._X_AMZN_TRACE_ID,
      };
    };
"""


@pytest.fixture
def make_runtime(node_binary):
    runtimes = []

    def make(root: str, handler: str = "index.handler", timeout: float = 5, **env) -> NodeRuntime:
        lambda_env = {"_HANDLER": handler, "AWS_LAMBDA_FUNCTION_NAME": "fn", **env}
        runtime = NodeRuntime(
            node_binary=node_binary,
            task_root=root,
            env=compose_environment(lambda_env, task_root=root, node_binary=node_binary),
            timeout_seconds=timeout,
            memory_mb=256,
            startup_timeout_seconds=10,
        )
        runtimes.append(runtime)
        runtime.start()
        return runtime

    yield make
    for runtime in runtimes:
        runtime.stop()


def test_result_environment_context_and_logs(task_root, make_runtime):
    runtime = make_runtime(task_root({"index.mjs": ECHO}), timeout=7, GREETING="hello")
    first = runtime.invoke(request_id="req-1", payload='{"a": 1}', invoked_arn="arn:fn", trace_id="Root=1-abc")
    assert not first.is_error
    result = json.loads(first.payload)
    assert result["event"] == {"a": 1}
    assert result["greeting"] == "hello"
    assert result["controlFd"] is None
    assert result["requestId"] == "req-1"
    assert result["functionName"] == "fn"
    assert result["arn"] == "arn:fn"
    assert result["trace"] == "Root=1-abc"
    assert 5000 < result["remaining"] <= 7000
    lines = first.logs.splitlines()
    assert lines[0].endswith("\tundefined\tINFO\tinit hello")
    assert lines[1] == "START RequestId: req-1 Version: $LATEST"
    assert any(line.endswith('\treq-1\tINFO\tevent {"a":1}') for line in lines)
    assert any(line.endswith("\treq-1\tERROR\tto stderr") for line in lines)
    assert lines[-2] == "END RequestId: req-1"
    assert lines[-1].startswith("REPORT RequestId: req-1\tDuration: ")
    assert "Memory Size: 256 MB" in lines[-1] and "Init Duration: " in lines[-1]
    assert "KLA_MARKER" not in first.logs

    # Warm: same process (module state kept), no init logs, no init duration.
    second = runtime.invoke(request_id="req-2", payload="")
    assert json.loads(second.payload)["calls"] == 2
    assert json.loads(second.payload)["event"] == {}
    assert second.logs.startswith("START RequestId: req-2")
    assert "init hello" not in second.logs and "Init Duration" not in second.logs
    assert "req-1" not in second.logs


def test_commonjs_nested_path_and_callback_handler(task_root, make_runtime):
    root = task_root(
        {
            "src/app.js": "exports.main = (event, context, callback) => callback(null, { twice: event.n * 2 });",
        }
    )
    runtime = make_runtime(root, handler="src/app.main")
    result = runtime.invoke(request_id="r", payload='{"n": 21}')
    assert (result.is_error, json.loads(result.payload)) == (False, {"twice": 42})


def test_undefined_result_is_null(task_root, make_runtime):
    runtime = make_runtime(task_root({"index.mjs": "export const handler = async () => {};"}))
    assert runtime.invoke(request_id="r", payload="{}").payload == b"null"


def test_thrown_error_is_a_function_error(task_root, make_runtime):
    runtime = make_runtime(
        task_root({"index.mjs": "export const handler = async () => { throw new TypeError('boom'); };"})
    )
    result = runtime.invoke(request_id="r1", payload="{}")
    assert result.is_error
    error = json.loads(result.payload)
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "boom")
    assert any("index.mjs" in frame for frame in error["trace"])
    assert "\tr1\tERROR\tInvoke Error \t" in result.logs
    # The environment survives a handled error.
    assert runtime.running


def test_timeout_kills_the_environment_and_the_next_invoke_reinitialises(task_root, make_runtime):
    root = task_root(
        {
            "index.mjs": """
                console.log('init');
                export const handler = async (event) => {
                  console.log('sleeping', event.ms);
                  await new Promise((resolve) => setTimeout(resolve, event.ms));
                  return 'woke';
                };
            """
        }
    )
    runtime = make_runtime(root, timeout=1)
    started = time.monotonic()
    result = runtime.invoke(request_id="slow", payload='{"ms": 10000}')
    assert time.monotonic() - started < 4
    assert result.is_error
    assert json.loads(result.payload) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: slow Error: Task timed out after 1.00 seconds",
    }
    assert "\tslow\tINFO\tsleeping 10000" in result.logs
    assert "slow Task timed out after 1.00 seconds" in result.logs
    assert "Status: timeout" in result.logs
    assert not runtime.running

    again = runtime.invoke(request_id="fast", payload='{"ms": 1}')
    assert (again.is_error, again.payload) == (False, b'"woke"')
    assert "INFO\tinit" in again.logs and "Init Duration" in again.logs


@pytest.mark.parametrize(
    ("files", "handler", "error_type"),
    [
        ({"index.mjs": "throw new RangeError('bad config');"}, "index.handler", "RangeError"),
        ({"index.mjs": "export const other = 1;"}, "index.handler", "Runtime.HandlerNotFound"),
        ({"index.mjs": "export const handler = 1;"}, "missing.handler", "Runtime.ImportModuleError"),
        ({"index.mjs": "export const handler = 1;"}, "nodot", "Runtime.MalformedHandlerName"),
    ],
)
def test_init_errors_are_reported_on_invoke(task_root, make_runtime, files, handler, error_type):
    runtime = make_runtime(task_root(files), handler=handler)
    result = runtime.invoke(request_id="r", payload="{}")
    assert result.is_error
    assert json.loads(result.payload)["errorType"] == error_type
    assert result.logs.index(error_type) < result.logs.index("START RequestId: r")
    assert "Status: error" in result.logs


@pytest.mark.parametrize(
    ("body", "error_type", "message"),
    [
        ("process.exit(3);", "Runtime.ExitError", "RequestId: r Error: Runtime exited with error: exit status 3"),
        (
            "Promise.reject(new Error('lost')); await new Promise((r) => setTimeout(r, 1000));",
            "Runtime.UnhandledPromiseRejection",
            "lost",
        ),
        ("setTimeout(() => { throw new SyntaxError('later'); }, 0); await new Promise((r) => setTimeout(r, 1000));",
         "SyntaxError", "later"),
    ],
)
def test_crashes_are_function_errors_and_the_runtime_restarts(task_root, make_runtime, body, error_type, message):
    root = task_root(
        {"index.mjs": f"export const handler = async (event) => {{ if (event.crash) {{ {body} }} return 'ok'; }};"}
    )
    runtime = make_runtime(root)
    result = runtime.invoke(request_id="r", payload='{"crash": true}')
    assert result.is_error
    error = json.loads(result.payload)
    assert (error["errorType"], error["errorMessage"]) == (error_type, message)
    assert result.logs.rstrip().splitlines()[-2] == "END RequestId: r"
    again = runtime.invoke(request_id="r2", payload="{}")
    assert (again.is_error, again.payload) == (False, b'"ok"')


def test_partial_lines_and_get_logs(task_root, make_runtime):
    root = task_root({"index.mjs": "export const handler = async () => { process.stdout.write('no newline'); return 1; };"})
    runtime = make_runtime(root)
    result = runtime.invoke(request_id="r", payload="{}")
    assert "no newline\nEND RequestId: r\n" in result.logs
    assert "no newline" in runtime.get_logs() and "KLA_MARKER" not in runtime.get_logs()


def test_stop_ends_an_idle_runtime_by_closing_its_stdin(task_root, make_runtime):
    runtime = make_runtime(task_root({"index.mjs": "export const handler = async () => 1;"}))
    process = runtime._process
    started = time.monotonic()
    runtime.stop()
    assert process.returncode == 0 and time.monotonic() - started < 1
    assert not runtime.running
