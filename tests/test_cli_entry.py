"""The console entry point registers only the command asked for (start-up time), and stays complete."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import cli


@pytest.mark.parametrize(
    ("argv", "word"),
    [(["order", "add", "1", "X"], "order"), (["--db", "x.db", "pay", "1"], "pay"), (["--db=x.db", "ledger"], "ledger"),
     (["--help"], None), ([], None), (["--db", "x.db"], None)],
)
def test_command_word(argv: list[str], word: str | None) -> None:
    assert cli._command_word(argv) == word


def test_only_the_group_asked_for_is_registered() -> None:
    lite = cli._app_for(["order", "list"])
    assert [g.name for g in lite.registered_groups] == ["order"] and lite.registered_commands == []
    assert [c.callback.__name__ for c in cli._app_for(["void", "1"]).registered_commands] == ["void_cmd"]
    assert cli._app_for(["--help"]) is cli.app
    assert cli._app_for(["nosuch"]) is cli.app


def test_the_lite_app_works_like_the_whole_one(store, tmp_path) -> None:
    argv = ["--db", str(store.path), "item", "list", "--json"]
    lite = CliRunner().invoke(cli._app_for(argv), argv)
    whole = CliRunner().invoke(cli.app, argv)
    assert lite.exit_code == whole.exit_code == 0
    assert json.loads(lite.stdout) == json.loads(whole.stdout)
    refused = ["--db", str(store.path), "order", "add", "99", "PIZZA-M"]
    result = CliRunner().invoke(cli._app_for(refused), refused)
    assert result.exit_code == 1 and result.output.startswith("error: No order #99")
