"""The docs are checked: every command the README names exists and has --help, every problem code is
documented, and the README's first two commands are the ones CI runs."""

from __future__ import annotations

import re

import pytest

from conftest import REPO, run_tracker
from tracker.problems import CATALOGUE

README = (REPO / "README.md").read_text()
COMMANDS_IN_README = sorted(set(re.findall(r"^\| `tracker ([a-z]+)", README, flags=re.MULTILINE)))


def test_readme_lists_commands() -> None:
    assert {"init", "import", "add", "sources", "export", "demo"} <= set(COMMANDS_IN_README)


@pytest.mark.parametrize("command", COMMANDS_IN_README)
def test_every_readme_command_exists_with_help(command: str) -> None:
    result = run_tracker(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage:")


def test_every_problem_code_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", (REPO / "docs" / "csv-format.md").read_text(), re.MULTILINE))
    assert set(CATALOGUE) <= documented


def test_readme_starts_with_the_two_commands_ci_runs() -> None:
    first_block = README.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert first_block[0].startswith("bash scripts/bootstrap.sh && .venv/bin/tracker demo")
    assert first_block[1].startswith("bash scripts/bootstrap.sh --test && .venv/bin/python -m pytest")
    ci = (REPO / ".ci" / "run").read_text()
    assert "bash scripts/bootstrap.sh --test" in ci and ".venv/bin/python -m pytest" in ci
