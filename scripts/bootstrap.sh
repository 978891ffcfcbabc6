#!/usr/bin/env bash
# Set up everything the tracker needs on a fresh machine: a virtualenv with the package and its
# dependencies. With --test, also the test tools and the system packages the tests drive
# (Debian's Chromium for the browser tests, PostgreSQL for the shared-store tests). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[[ "${1:-}" == "--test" ]] && want_tests=1

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if (( want_tests )); then
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    # Debian's Chromium for the browser tests, PostgreSQL for the shared-store (DuckLake) tests
    missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
    if (( ${#missing[@]} )); then
        sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
        $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
else
    .venv/bin/python -m pip install --quiet -e .
fi
echo "ready: .venv (tracker $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("ceasefire-tracker"))'))"
