"""The README's tour names only commands and options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.main import get_command

from cli import app

README = Path(__file__).resolve().parent.parent / "README.md"


def tour_lines() -> list[str]:
    text = README.read_text()
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("pos "):
                lines.append(line)
    return lines


def test_the_tour_is_not_empty() -> None:
    assert len(tour_lines()) > 40


@pytest.mark.parametrize("line", tour_lines())
def test_tour_line_names_a_real_command_and_real_options(line: str) -> None:
    words = shlex.split(line)[1:]
    command = get_command(app)
    while words and words[0] == "--db":  # the one option of 'pos' itself
        words = words[2:]
    path = []
    while words and hasattr(command, "commands") and words[0] in command.commands:  # type: ignore[attr-defined]
        path.append(words[0])
        command = command.commands[words.pop(0)]  # type: ignore[attr-defined]
    assert path, f"no command in {line!r}"
    assert not hasattr(command, "commands"), f"{line!r} stops at a group"
    known = {opt for param in command.params for opt in getattr(param, "opts", []) + getattr(param, "secondary_opts", [])}
    for word in words:
        if word.startswith("--"):
            assert word.split("=")[0] in known, f"{word} is not an option of 'pos {' '.join(path)}'"
