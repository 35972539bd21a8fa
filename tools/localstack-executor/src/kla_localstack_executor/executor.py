"""LocalStack's side: a RuntimeExecutor whose execution environment is a local node process."""

from __future__ import annotations

import logging

from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from kla_localstack_executor.runtime import (
    NodeRuntime,
    RuntimeStartError,
    compose_environment,
    resolve_node_binary,
)

LOG = logging.getLogger(__name__)


def _gateway_port() -> int:
    return config.GATEWAY_LISTEN[0].port


class LocalNodeRuntimeExecutor(RuntimeExecutor):
    """Runs the unzipped code of a nodejs* function with the local node binary (no Docker).

    The function reaches LocalStack at 127.0.0.1 (AWS_ENDPOINT_URL is set by LocalStack from
    get_endpoint_from_executor); its own environment variables (e.g. AWS_ENDPOINT_URL_ECS) win.
    """

    runtime: NodeRuntime | None

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.runtime = None

    def start(self, env_vars: dict[str, str]) -> None:
        config_ = self.function_version.config
        task_root = str(config_.code.get_unzipped_code_location())
        if config_.layers:
            LOG.warning("local-node executor: layers of %s are ignored", self.function_version.qualified_arn)
        try:
            node = resolve_node_binary()
        except RuntimeStartError as e:
            raise LambdaRuntimeException(str(e)) from e
        self.runtime = NodeRuntime(
            node_binary=node,
            task_root=task_root,
            env=compose_environment(env_vars, task_root=task_root, node_binary=node),
            timeout_seconds=config_.timeout,
            memory_mb=config_.memory_size,
            version=self.function_version.id.qualifier,
            startup_timeout_seconds=config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT,
        )
        self.runtime.start()

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.stop()

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return f"http://127.0.0.1:{_gateway_port()}/_localstack_lambda/{self.id}"

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        if self.runtime is None:
            raise LambdaRuntimeException(f"executor {self.id} was not started")
        result = self.runtime.invoke(
            request_id=payload["invoke-id"],
            payload=payload.get("payload") or "",
            invoked_arn=payload.get("invoked-function-arn") or "",
            trace_id=payload.get("trace-id"),
        )
        return InvocationResult(
            request_id=result.request_id, payload=result.payload, is_error=result.is_error, logs=result.logs
        )

    def get_logs(self) -> str:
        return self.runtime.get_logs() if self.runtime is not None else ""

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        config_ = function_version.config
        if config_.package_type != PackageType.Zip or not config_.runtime:
            raise LambdaRuntimeException("local-node executor: only zip packages with a nodejs runtime")
        if not str(config_.runtime).startswith("nodejs"):
            raise LambdaRuntimeException(f"local-node executor: runtime {config_.runtime} is not Node.js")
        resolve_node_binary()
        if config_.code:
            config_.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        try:
            LOG.info("local-node executor: Lambda functions run with %s", resolve_node_binary())
            return True
        except RuntimeStartError as e:
            LOG.warning("local-node executor: %s", e)
            return False
