"""Dependencies point one way: cli -> demo -> receipts -> payments -> pos."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"pos": {"payments", "receipts", "demo", "register", "cli"},
             "payments": {"receipts", "demo", "register", "cli"}, "receipts": {"demo", "register", "cli"}}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_it_may(package: str) -> None:
    for path in sorted((ROOT / package).glob("*.py")):
        wrong = imported_roots(path) & FORBIDDEN[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_the_demo_and_the_register_session_use_the_library_not_the_cli() -> None:
    assert "cli" not in imported_roots(ROOT / "demo.py")
    for screen in ("register", "kiosk"):
        path = ROOT / "screens" / f"{screen}.py"
        assert not {"cli", "demo"} & imported_roots(path)
        assert "print(" not in path.read_text()  # a screen never prints: pos register and pos kiosk run do


def test_the_core_never_prints_or_reads_the_environment() -> None:
    for path in sorted((ROOT / "pos").glob("*.py")):
        text = path.read_text()
        assert "print(" not in text, path
        assert "os.environ" not in text and "getenv" not in text, path
