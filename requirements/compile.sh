#!/bin/sh
# Remake the lockfiles from pyproject.toml (see requirements/README.md).
set -eu
cd "$(dirname "$0")"
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"${PYTHON:-python3.11}" -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet pip-tools
compile() {
    "$tools/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-header \
        --annotation-style line --no-emit-index-url --no-emit-find-links "$@" ../pyproject.toml
}
compile --extra worker --extra test -o test.lock
grep -E '^[A-Za-z0-9_.-]+==' test.lock | sed 's/ .*//' > "$tools/versions.txt"
compile --extra worker -c "$tools/versions.txt" -o worker.lock
compile -c "$tools/versions.txt" -o web.lock
