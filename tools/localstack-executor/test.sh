#!/usr/bin/env bash
# `npm run test:python`: the executor's pytest suite in a cached virtualenv (.cache/venv-pytest).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.cache/venv-pytest"
requirements="pytest==8.3.5"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "test:python needs Python >= 3.11 ($python is $("$python" --version 2>&1))" >&2
  exit 1
fi
if [[ ! -x "$venv/bin/python" || "$(cat "$venv/.installed" 2>/dev/null)" != "$requirements" ]]; then
  echo "test:python: creating $venv with $requirements" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check -q $requirements
  echo "$requirements" >"$venv/.installed"
fi
# The repository's Node 22 runs the handlers, like LocalStack's executor does.
if [[ -z "${KLA_NODE_BINARY:-}" && -x "$root/node_modules/node/bin/node" ]]; then
  export KLA_NODE_BINARY="$root/node_modules/node/bin/node"
fi
cd "$root/tools/localstack-executor"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
