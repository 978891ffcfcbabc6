#!/usr/bin/env bash
# Set up everything the tracker needs on a fresh machine: a virtualenv with the package and its
# dependencies. With --test, also the test tools and the system packages the tests drive
# (Debian's Chromium for the browser tests). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[[ "${1:-}" == "--test" ]] && want_tests=1

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if (( want_tests )); then
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    if ! command -v chromium >/dev/null 2>&1; then
        if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
        else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
    fi
else
    .venv/bin/python -m pip install --quiet -e .
fi
echo "ready: .venv (tracker $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("ceasefire-tracker"))'))"
