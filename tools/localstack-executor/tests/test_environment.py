import os
import tomllib
from pathlib import Path

import pytest

from kla_localstack_executor import EXECUTOR_NAME
from kla_localstack_executor.runtime import (
    RuntimeStartError,
    bootstrap_path,
    compose_environment,
    resolve_node_binary,
    timeout_error,
)

HOST = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "NODE_OPTIONS": "--inspect",
    "AWS_PROFILE": "prod",
    "AWS_ENDPOINT_URL_ECS": "http://host-leak",
    "HOME": "/root",
}


def test_lambda_environment_over_a_small_host_allowlist():
    env = compose_environment(
        {
            "AWS_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": 512,
            "AWS_LAMBDA_FUNCTION_TIMEOUT": 60,
            "LAMBDA_TASK_ROOT": "/var/task",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
            "AWS_ENDPOINT_URL_ECS": "http://127.0.0.1:5000",
            "_HANDLER": "index.handler",
            "NOTHING": None,
        },
        task_root="/tmp/code",
        node_binary="/opt/node22/bin/node",
        host_env=HOST,
    )
    assert env["PATH"] == "/opt/node22/bin:/usr/bin:/bin"
    assert env["LANG"] == "C.UTF-8"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "60"
    assert env["LAMBDA_TASK_ROOT"] == "/tmp/code"
    assert env["LAMBDA_RUNTIME_DIR"] == str(bootstrap_path().parent)
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    # The function's own variables come from LocalStack, never from LocalStack's host process.
    assert env["AWS_ENDPOINT_URL_ECS"] == "http://127.0.0.1:5000"
    assert env["_HANDLER"] == "index.handler"
    for leaked in ("NODE_OPTIONS", "AWS_PROFILE", "HOME", "NOTHING"):
        assert leaked not in env
    assert all(isinstance(value, str) for value in env.values())


def test_without_host_path_the_node_folder_is_the_path():
    env = compose_environment({}, task_root="/t", node_binary="/n/bin/node", host_env={})
    assert env["PATH"] == "/n/bin"
    assert env["LANG"] == "en_US.UTF-8"
    assert env["NODE_PATH"] == "/t/node_modules:/t"


def test_node_binary_from_env_or_path(tmp_path: Path, node_binary: str):
    assert resolve_node_binary({"KLA_NODE_BINARY": node_binary}) == node_binary
    with pytest.raises(RuntimeStartError, match="KLA_NODE_BINARY"):
        resolve_node_binary({"KLA_NODE_BINARY": str(tmp_path / "missing")})
    with pytest.raises(RuntimeStartError, match="no `node` on PATH"):
        resolve_node_binary({"PATH": str(tmp_path)})
    assert resolve_node_binary({"PATH": os.path.dirname(node_binary)}).endswith("node")


def test_timeout_error_has_lambdas_shape():
    assert timeout_error("r1", 3) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: r1 Error: Task timed out after 3.00 seconds",
    }


def test_entry_point_and_bootstrap_are_packaged():
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    entry_points = project["project"]["entry-points"]["localstack.lambda.runtime_executor"]
    assert entry_points == {EXECUTOR_NAME: "kla_localstack_executor.plugin:LocalNodeRuntimeExecutorPlugin"}
    assert "bootstrap.mjs" in project["tool"]["setuptools"]["package-data"]["kla_localstack_executor"]
    assert bootstrap_path().is_file()
