"""The plux plugin LocalStack discovers on the `localstack.lambda.runtime_executor` entry point."""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin

from kla_localstack_executor import EXECUTOR_NAME


class LocalNodeRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = EXECUTOR_NAME

    def load(self, *args, **kwargs):
        from kla_localstack_executor.executor import LocalNodeRuntimeExecutor

        return LocalNodeRuntimeExecutor
