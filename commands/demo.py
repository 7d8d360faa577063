"""``pos demo``: a training store in a fresh folder with a day rung in it (the story is ``demo.py``'s)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from commands.context import JsonFlag, START
from commands.output import emit, say

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""


@top_level.command(rich_help_panel=START)
def demo(
    directory: Annotated[
        Optional[Path], typer.Option("--dir", help="Folder for the demo store (default ./anytender-demo).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a demo store in a fresh folder and ring a day of sales in it."""
    from demo import run_demo

    report = run_demo(directory)  # the demo keeps its closing key in its own folder, as everything it makes

    def human() -> None:
        say(f"Demo store: {report.db_path}")
        for line in report.story:
            say(f"  {line}")
        say("Files:")
        for label, path in report.files.items():
            say(f"  {label}: {path}")
        say(f"Try: pos --db {report.db_path} order list --day {report.business_day}")

    emit(as_json, report.as_dict(), human)
