"""The docs are checked: every command the README names exists and has --help, every command of the CLI
(walked from click's own command list, so a new command without docs fails) has help text and a row in
the README, every problem code is documented, and the README's first two commands are the ones CI runs."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner
from conftest import REPO

from tracker.cli import main
from tracker.problems import CATALOGUE

README = (REPO / "README.md").read_text()
# every `tracker X` named in the first cell of a row of the README's command table
COMMANDS_IN_README = sorted({name for cell in re.findall(r"^\| (`tracker .*?`(?: / `tracker .*?`)*) \|", README,
                                                           flags=re.MULTILINE)
                             for name in re.findall(r"`tracker ([a-z]+)", cell)})


def test_readme_lists_commands() -> None:
    assert {"init", "import", "add", "sources", "export", "demo"} <= set(COMMANDS_IN_README)


@pytest.mark.parametrize("command", COMMANDS_IN_README)
def test_every_readme_command_exists_with_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])  # in process: the same CLI, no start-up
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage:")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


CLI_COMMANDS = _commands(main)


@pytest.mark.parametrize("path", [" ".join(path) for path, _ in CLI_COMMANDS])
def test_every_cli_command_has_help_and_a_readme_row(path: str) -> None:
    command = dict((" ".join(p), c) for p, c in CLI_COMMANDS)[path]
    assert (command.help or "").strip(), f"`tracker {path}` has no help text"
    for option in command.params:
        if isinstance(option, click.Option) and not option.hidden and option.name != "help":
            assert (option.help or "").strip(), f"`tracker {path}` option {option.opts[0]} has no help text"
    result = CliRunner().invoke(main, [*path.split(), "--help"])
    assert result.exit_code == 0 and result.output.startswith("Usage:"), result.output
    assert path.split()[0] in COMMANDS_IN_README, f"`tracker {path}` is not in the README's command table"


def test_every_problem_code_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", (REPO / "docs" / "csv-format.md").read_text(), re.MULTILINE))
    assert set(CATALOGUE) <= documented


def test_readme_starts_with_the_two_commands_ci_runs() -> None:
    first_block = README.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert first_block[0].startswith("bash scripts/bootstrap.sh && .venv/bin/tracker demo")
    assert first_block[1].startswith("bash scripts/bootstrap.sh --test && .venv/bin/python -m pytest")
    setup, test_command = first_block[1].split("#", 1)[0].strip().split(" && ")
    ci = (REPO / ".ci" / "run").read_text()
    assert setup in ci and test_command + " " in ci  # CI runs the README's command (and may add options)
