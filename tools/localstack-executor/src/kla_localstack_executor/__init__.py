"""LocalStack Lambda runtime executor that runs Node.js functions with a local `node` (test tooling).

Selected with LAMBDA_RUNTIME_EXECUTOR=local-node; see README.md next to pyproject.toml.
"""

EXECUTOR_NAME = "local-node"
