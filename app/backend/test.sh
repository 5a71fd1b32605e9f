#!/usr/bin/env bash
# Run the backend tests: ./test.sh [pytest args...]  (works from any directory)
# Creates app/backend/.venv on first use and reinstalls when the requirements change.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

python="${PYTHON:-python3}"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "test.sh: creating $venv" >&2
  "$python" -m venv "$venv"
fi
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "test.sh: installing requirements-dev.txt" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

exec "$venv/bin/python" -m pytest -q "$@"
