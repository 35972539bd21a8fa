"""Runs a Node.js Lambda handler in a local `node` process (no LocalStack imports here).

One NodeRuntime is one execution environment: a long-lived `node bootstrap.mjs` process that
initialises the handler once and then serves invocations one at a time, like Lambda. Requests go
to its stdin, results come back on a separate pipe (the control file descriptor), and everything
the function prints on stdout/stderr is its log, cut per invocation by markers.
"""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

NODE_BINARY_ENV = "KLA_NODE_BINARY"
MARKER = b"\x00KLA_MARKER"
_MARKER_RE = re.compile(rb"\x00KLA_MARKER [^\x00]*\x00\n?")
# Variables of the host passed through to the function (everything else comes from LocalStack).
PASSTHROUGH_ENV = ("PATH", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS")
# How long to wait for the logs of an invocation once its result has arrived.
LOG_FLUSH_SECONDS = 2.0
# How much output get_logs() keeps (LocalStack prints it when an environment fails).
HISTORY_BYTES = 1 << 20


class RuntimeStartError(Exception):
    """The node process could not be started or did not answer in time."""


def bootstrap_path() -> Path:
    return Path(str(resources.files("kla_localstack_executor").joinpath("bootstrap.mjs")))


def resolve_node_binary(environ: Mapping[str, str] | None = None) -> str:
    """KLA_NODE_BINARY if set, else `node` on PATH."""
    environ = os.environ if environ is None else environ
    configured = environ.get(NODE_BINARY_ENV, "").strip()
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            raise RuntimeStartError(f"{NODE_BINARY_ENV}={configured} is not an executable file")
        return configured
    found = shutil.which("node", path=environ.get("PATH"))
    if not found:
        raise RuntimeStartError(f"no `node` on PATH; set {NODE_BINARY_ENV} to a Node.js 22 binary")
    return found


def compose_environment(
    lambda_env: Mapping[str, object],
    *,
    task_root: str,
    node_binary: str,
    host_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The function's process environment.

    A few host variables (PATH with the node binary's folder first, locale, CA files), then
    LocalStack's Lambda environment (AWS_* reserved variables, credentials, AWS_ENDPOINT_URL, the
    function's own variables last), then the paths of this host: LAMBDA_TASK_ROOT is the unzipped
    code, not /var/task. None values are dropped, everything else becomes a string. Nothing else
    of the host leaks in (no NODE_OPTIONS, no AWS_PROFILE of the LocalStack process).
    """
    host_env = os.environ if host_env is None else host_env
    env: dict[str, str] = {key: host_env[key] for key in PASSTHROUGH_ENV if host_env.get(key)}
    node_dir = os.path.dirname(os.path.abspath(node_binary))
    env["PATH"] = os.pathsep.join([node_dir, *([env["PATH"]] if env.get("PATH") else [])])
    env.setdefault("LANG", "en_US.UTF-8")
    for key, value in lambda_env.items():
        if value is None:
            continue
        env[str(key)] = value if isinstance(value, str) else str(value)
    env["LAMBDA_TASK_ROOT"] = task_root
    env["LAMBDA_RUNTIME_DIR"] = str(bootstrap_path().parent)
    env["NODE_PATH"] = os.pathsep.join([os.path.join(task_root, "node_modules"), task_root])
    return env


@dataclasses.dataclass(frozen=True)
class InvokeResult:
    request_id: str
    payload: bytes
    is_error: bool
    logs: str


def timeout_error(request_id: str, timeout_seconds: float) -> dict[str, str]:
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout_seconds:.2f} seconds",
    }


class NodeRuntime:
    """One execution environment: a node process running bootstrap.mjs."""

    def __init__(
        self,
        *,
        node_binary: str,
        task_root: str,
        env: Mapping[str, str],
        timeout_seconds: float,
        memory_mb: int = 128,
        version: str = "$LATEST",
        startup_timeout_seconds: float = 20.0,
    ) -> None:
        self.node_binary = node_binary
        self.task_root = task_root
        self.env = dict(env)
        self.timeout_seconds = float(timeout_seconds)
        self.memory_mb = memory_mb
        self.version = version
        self.startup_timeout_seconds = startup_timeout_seconds
        self._process: subprocess.Popen[bytes] | None = None
        self._messages: queue.Queue[dict] = queue.Queue()
        self._output = bytearray()
        self._output_cond = threading.Condition()
        self._output_closed = False
        self._log_start = 0
        self._history = bytearray()  # all logs of all processes, for get_logs()
        self._pending_init_logs = ""
        self._init_duration_ms: float | None = None
        self._init_error: dict | None = None

    # lifecycle

    def start(self) -> None:
        """Spawns node and waits for its init (the handler module loaded, or failed to load)."""
        if self._process is not None:
            return
        read_fd, write_fd = os.pipe()
        env = dict(self.env)
        env["_KLA_CONTROL_FD"] = str(write_fd)
        self._messages = queue.Queue()
        self._output = bytearray()
        self._output_closed = False
        self._log_start = 0
        try:
            self._process = subprocess.Popen(
                [self.node_binary, str(bootstrap_path())],
                cwd=self.task_root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                # Same process group as LocalStack: `services:down` (a signal to the group) ends it
                # too. An orphaned runtime also exits by itself when its stdin closes.
            )
        except OSError as e:
            os.close(read_fd)
            raise RuntimeStartError(f"cannot start {self.node_binary}: {e}") from e
        finally:
            os.close(write_fd)
        spawned = time.monotonic()
        process = self._process
        threading.Thread(target=self._read_control, args=(read_fd,), daemon=True).start()
        threading.Thread(target=self._read_output, args=(process,), daemon=True).start()
        message = self._next_message(self.startup_timeout_seconds)
        if message is None or message.get("type") not in ("ready", "init-error"):
            self.stop()
            raise RuntimeStartError(
                f"node did not initialise within {self.startup_timeout_seconds} s: {self._text(bytes(self._output))}"
            )
        self._init_duration_ms = (time.monotonic() - spawned) * 1000
        ready_at = self._wait_for_marker(b"READY", 0, LOG_FLUSH_SECONDS)
        end = ready_at if ready_at is not None else len(self._output)
        self._pending_init_logs = self._text(bytes(self._output[:end]))
        self._log_start = self._skip_marker(end)
        if message["type"] == "init-error":
            self._init_error = message.get("error") or {"errorType": "Runtime.Unknown", "errorMessage": "init failed"}
        else:
            self._init_error = None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self._kill(process)

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        process.kill()
        process.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def get_logs(self) -> str:
        with self._output_cond:
            return self._text(bytes(self._history))

    # invocation

    def invoke(
        self, *, request_id: str, payload: str, invoked_arn: str = "", trace_id: str | None = None
    ) -> InvokeResult:
        if not self.running:
            # After a timeout or a crash, Lambda starts a fresh runtime (a new init) for the next invoke.
            self._process = None
            self.start()
        init_logs, self._pending_init_logs = self._pending_init_logs, ""
        init_duration = self._init_duration_ms if init_logs or self._init_duration_ms else None
        self._init_duration_ms = None
        started = time.monotonic()
        header = f"{init_logs}START RequestId: {request_id} Version: {self.version}\n"

        if self._init_error is not None:
            error, self._init_error = self._init_error, None
            self.stop()
            return self._finish(request_id, error, True, header, "", started, init_duration, "error")

        request = {
            "requestId": request_id,
            "payload": payload,
            "invokedFunctionArn": invoked_arn,
            "traceId": trace_id,
            "deadlineMs": int(time.time() * 1000 + self.timeout_seconds * 1000),
        }
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the process died: reported below as an exit error
        message = self._next_message(self.timeout_seconds)
        start = self._log_start
        if message is None:
            # Timeout: like Lambda, the environment is reset (its process killed).
            process, self._process = self._process, None
            assert process is not None
            self._kill(process)
            self._wait_for_close(LOG_FLUSH_SECONDS)
            body = self._text(bytes(self._output[start:]))
            stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            body += f"{stamp} {request_id} Task timed out after {self.timeout_seconds:.2f} seconds\n"
            error = timeout_error(request_id, self.timeout_seconds)
            return self._finish(request_id, error, True, header, body, started, init_duration, "timeout")
        if message is None or message.get("requestId") != request_id:
            # The process exited (process.exit, a crash) before answering.
            code = self._exit_code()
            self._process = None
            self._wait_for_close(LOG_FLUSH_SECONDS)
            body = self._text(bytes(self._output[start:]))
            error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
            }
            return self._finish(request_id, error, True, header, body, started, init_duration, "error")
        end = self._wait_for_marker(f"END {request_id}".encode(), start, LOG_FLUSH_SECONDS)
        if end is None:
            end = len(self._output)
        body = self._text(bytes(self._output[start:end]))
        self._log_start = self._skip_marker(end)
        if message.get("type") == "result":
            return self._finish(request_id, message.get("payload", "null"), False, header, body, started, init_duration)
        if message.get("fatal"):
            # An uncaught exception or unhandled rejection: the runtime exits after reporting it.
            self._exit_code()
            self._process = None
        return self._finish(request_id, message.get("error"), True, header, body, started, init_duration)

    def _finish(
        self,
        request_id: str,
        payload: object,
        is_error: bool,
        header: str,
        body: str,
        started: float,
        init_duration_ms: float | None,
        status: str | None = None,
    ) -> InvokeResult:
        duration_ms = (time.monotonic() - started) * 1000
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, int(duration_ms + 0.999))} ms\tMemory Size: {self.memory_mb} MB\t"
            f"Max Memory Used: {self._max_memory_mb()} MB\t"
        )
        if init_duration_ms is not None:
            report += f"Init Duration: {init_duration_ms:.2f} ms\t"
        if status:
            report += f"Status: {status}"
        if body and not body.endswith("\n"):
            body += "\n"
        logs = f"{header}{body}END RequestId: {request_id}\n{report.rstrip()}\n"
        data = payload if isinstance(payload, str) else json.dumps(payload)
        return InvokeResult(request_id=request_id, payload=data.encode(), is_error=is_error, logs=logs)

    # plumbing

    def _next_message(self, timeout: float) -> dict | None:
        try:
            return self._messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def _read_control(self, fd: int) -> None:
        messages = self._messages
        with os.fdopen(fd, "rb") as stream:
            for line in stream:
                try:
                    messages.put(json.loads(line))
                except ValueError:
                    continue
        messages.put({"type": "eof"})  # the process closed its end: it exited

    def _read_output(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            with self._output_cond:
                if process is not self._process and self._process is not None:
                    break  # a newer process owns the buffers
                if not chunk:
                    self._output_closed = True
                    self._output_cond.notify_all()
                    break
                self._output.extend(chunk)
                self._history.extend(chunk)
                if len(self._history) > HISTORY_BYTES:
                    del self._history[: len(self._history) - HISTORY_BYTES]
                self._output_cond.notify_all()
        process.stdout.close()

    def _wait_for_marker(self, name: bytes, start: int, timeout: float) -> int | None:
        needle = MARKER + b" " + name + b"\x00"
        deadline = time.monotonic() + timeout
        with self._output_cond:
            while True:
                index = self._output.find(needle, start)
                if index >= 0:
                    return index
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._output_closed:
                    return None
                self._output_cond.wait(remaining)

    def _skip_marker(self, index: int) -> int:
        match = _MARKER_RE.match(bytes(self._output[index : index + 200]))
        return index + match.end() if match else index

    def _wait_for_close(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._output_cond:
            while not self._output_closed and time.monotonic() < deadline:
                self._output_cond.wait(deadline - time.monotonic())

    def _exit_code(self) -> int | str:
        process = self._process
        if process is None:
            return "unknown"
        try:
            return process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._kill(process)
            return "killed"

    def _max_memory_mb(self) -> int:
        process = self._process
        if process is None:
            return 0
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            return 0
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(match.group(1)) // 1024 if match else 0

    @staticmethod
    def _text(data: bytes) -> str:
        return _MARKER_RE.sub(b"", data).decode("utf-8", errors="replace")
