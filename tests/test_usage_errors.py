"""A usage error (a missing argument, an unknown option, a value of the wrong type) is an error like any other:
one line ``error: ...`` with the command's usage in it, exit code 1, nothing written; under ``--json`` that line
is JSON with the code ``usage`` (issue 23, item 7).  So is a store path that names no file (``--db ''``).

Every command is held to this by the fuzz (tests/test_cli_fuzz.py); here, the lines the issue names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from freezegun import freeze_time

from typer.testing import CliRunner

from cli import app
from conftest import Cli, snapshot


def pos(db: str, *args: str):  # type: ignore[no-untyped-def]
    """``pos --db DB ARGS``, named ``pos`` as its entry point names it (the usage it prints says ``pos ...``)."""
    return CliRunner().invoke(app, ["--db", db, *args], prog_name="pos")


@pytest.fixture(autouse=True)
def _noon() -> Iterator[None]:
    with freeze_time("2026-11-23 17:00:00"):
        yield


def one_line(cli: Cli, *args: str) -> str:
    """Run a command that must fail on what was typed: exit 1, one line on stderr, nothing on stdout or in the store."""
    before = snapshot(cli.path)
    result = pos(str(cli.path), *args)
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.output
    assert snapshot(cli.path) == before
    return result.stderr.rstrip("\n")


@pytest.mark.parametrize(("args", "says", "usage"), [
    (("order", "show"), "Missing argument 'order'.", "pos order show [OPTIONS] {order}"),
    (("order", "list", "--nope"), "No such option: --nope", "pos order list [OPTIONS]"),
    (("order", "list", "--register", "abc"), "No such option: --register", "pos order list [OPTIONS]"),
    (("drawer", "open", "--float", "100", "--register", "abc"), "'abc' is not a whole number", "pos drawer open"),
    (("kiosk", "run", "x"), "'x' is not a whole number", "pos kiosk run"),
    (("ordr", "list"), "No such command 'ordr'. Did you mean 'order'?", "pos [OPTIONS] COMMAND [ARGS]..."),
    (("--nope", "order", "list"), "No such option: --nope", "pos [OPTIONS] COMMAND [ARGS]..."),
])
def test_a_usage_error_is_one_line_and_exit_1(cli: Cli, args: tuple[str, ...], says: str, usage: str) -> None:
    line = one_line(cli, *args)
    assert line.startswith("error: ") and says in line and f"Usage: {usage}" in line, line
    assert "--help'" in line and "\u256d" not in line  # the hint, and no framed box


def test_a_usage_error_under_json_is_json_and_exit_1(cli: Cli) -> None:
    for args in (("order", "show", "--json"), ("order", "list", "--nope", "--json"),
                 ("drawer", "open", "--float", "100", "--register", "abc", "--json")):
        error = json.loads(one_line(cli, *args))
        assert set(error) == {"error", "code"} and error["code"] == "usage", error
        assert "Usage: pos " in error["error"], error


def test_a_negative_tax_rate_reaches_the_rate_check(cli: Cli) -> None:
    """``pos tax add t1 -5``: the rate is read as a rate (click took it for an option), and refused as one."""
    assert one_line(cli, "tax", "add", "t1", "-5") == "error: Tax rate '-5' must be between 0 and 100 percent."


@pytest.mark.parametrize("path", ["", " "])
def test_an_empty_store_path_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (("order", "list"), ("init", "--name", "X")):
        result = pos(path, *args)  # pos --db '' order list
        assert result.exit_code == 1 and "Traceback" not in result.output, (result.output, result.exception)
        assert result.stderr.startswith("error: The store path is empty") and result.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())  # nothing was made


def test_a_folder_as_the_store_path_says_so(tmp_path: Path) -> None:
    for folder in (tmp_path, Path(".")):
        result = pos(str(folder), "order", "list", "--json")
        assert result.exit_code == 1, (result.output, result.exception)
        assert "is a folder, not a store file" in json.loads(result.stderr)["error"]
