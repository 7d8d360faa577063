"""Files the program creates never go through a symbolic link someone planted in a shared folder.

For each file a command writes (``receipt --pdf``, ``ledger export --out``, ``day report --pdf``,
``tips payroll --out``, the receipt folder, the sign-in file, the demo's folder and a new store),
a symbolic link is planted at the final path and at the temporary path (the old fixed
``.part`` name, and, by choosing the random name, the very name the temporary file is given):
the file the link points at is never changed, a link at the final path is refused (or, where
the command replaces a file on purpose, replaced itself), and the file written is a regular,
owner-only file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from freezegun import freeze_time

from pos.store.store import Store
from tests.conftest import Cli

NOON = "2026-11-23 17:00:00"  # noon in New York
PRECIOUS = b"precious: never overwrite me\n"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file someone would like the program to overwrite."""
    path = tmp_path / "elsewhere" / "victim.txt"
    path.parent.mkdir()
    path.write_bytes(PRECIOUS)
    return path


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    return folder


def untouched(victim: Path) -> None:
    assert victim.read_bytes() == PRECIOUS
    assert sorted(p.name for p in victim.parent.iterdir()) == ["victim.txt"], "something was created beside it"


def regular_and_owner_only(path: Path) -> None:
    info = path.lstat()
    assert stat.S_ISREG(info.st_mode), f"{path} is not a regular file"
    assert stat.S_IMODE(info.st_mode) == 0o600


@pytest.fixture
def paid(store: Store, cli: Cli) -> Cli:
    """Order #1 paid in cash, a tip for Alice paid out through payroll, drawer 1 open."""
    from payments import service
    from pos.cash.drawer import open_drawer
    from pos.sales.orders import add_line, new_order
    from pos.people.staff import add_staff, start_shift
    from pos.tips.tips import PayoutSource, payout

    with freeze_time(NOON):
        add_staff(store, "Alice", "cashier", "2580")
        start_shift(store, "Alice")
        open_drawer(store, 1, "100")
        order = new_order(store, "counter")
        add_line(store, order.id, "PIZZA-M")
        service.pay(store, order.id, "cash", "20", tip_minor=100, tip_to="Alice")
        payout(store, "Alice", None, PayoutSource.PAYROLL, 1)
    return cli


@pytest.fixture
def drawn_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The random names ``tempfile`` draws, chosen by the test: PLANTED first, then fresh ones."""
    names = ["PLANTED", "FRESH1", "FRESH2", "FRESH3"]
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: iter(list(names)))
    yield names


WRITERS = {
    "receipt --pdf": lambda out: ["receipt", "1", "--pdf", str(out)],
    "receipt --eml": lambda out: ["receipt", "1", "--eml", str(out)],
    "ledger export --out": lambda out: ["ledger", "export", "--out", str(out)],
    "day report --pdf": lambda out: ["day", "report", "--day", "2026-11-23", "--pdf", str(out)],
    "tips payroll --out": lambda out: ["tips", "payroll", "--from", "2026-11-23", "--out", str(out)],
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_link_at_the_temporary_name_is_never_followed(writer: str, paid: Cli, shared: Path, victim: Path,
                                                         drawn_names: list[str]) -> None:
    out = shared / "r1.out"
    for planted in (f".{out.name}.part", f"{out.name}.part", f".{out.name}.PLANTED.part", f".{out.name}.tmp"):
        (shared / planted).symlink_to(victim)
    with freeze_time(NOON):
        paid.ok(*WRITERS[writer](out))
    untouched(victim)
    regular_and_owner_only(out)
    assert out.read_bytes() != PRECIOUS and out.stat().st_size > 0
    assert sorted(p.name for p in shared.iterdir() if not p.is_symlink()) == [out.name]  # no .part file left


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_link_at_the_final_name_is_refused_and_its_target_unchanged(writer: str, paid: Cli, shared: Path,
                                                                       victim: Path) -> None:
    out = shared / "r1.out"
    out.symlink_to(victim)
    with freeze_time(NOON):
        paid.fails(*WRITERS[writer](out), says="is a symbolic link")
    untouched(victim)
    assert out.is_symlink()
    dangling = shared / "new.out"
    target = victim.parent / "created-through-a-link.txt"
    dangling.symlink_to(target)
    with freeze_time(NOON):
        paid.fails(*WRITERS[writer](dangling), says="is a symbolic link")
    assert not target.exists() and dangling.is_symlink()
    untouched(victim)


def test_replacing_on_purpose_replaces_the_link_itself(paid: Cli, shared: Path, victim: Path) -> None:
    out = shared / "books.beancount"
    out.symlink_to(victim)
    with freeze_time(NOON):
        paid.ok("ledger", "export", "--out", str(out), "--force")
    untouched(victim)
    regular_and_owner_only(out)
    assert b"Anytender journal" in out.read_bytes()


def test_a_file_that_appears_while_writing_is_never_overwritten(paid: Cli, shared: Path, victim: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import commands.files as files

    out = shared / "books.beancount"
    real_link = os.link

    def plant_then_link(src: str, dst: str, **kwargs: object) -> None:
        Path(dst).symlink_to(victim)  # someone is quicker, between the check and the rename
        real_link(src, dst, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "link", plant_then_link)
    with freeze_time(NOON):
        paid.fails("ledger", "export", "--out", str(out), says="appeared while it was being written")
    untouched(victim)
    assert out.is_symlink() and [p.name for p in shared.iterdir()] == [out.name]


def test_the_receipt_folder_never_writes_through_a_link(paid: Cli, store: Store, shared: Path, victim: Path,
                                                         drawn_names: list[str]) -> None:
    from pos.store import config
    from pos.sales.orders import add_line, new_order

    config.set_option(store, "receipt.folder", str(shared))
    with freeze_time(NOON):
        order = new_order(store, "counter")
        add_line(store, order.id, "SODA")
    target = shared / "2026-11-23-order-2.pdf"
    target.symlink_to(victim)
    (shared / f".{target.name}.PLANTED.part").symlink_to(victim)
    with freeze_time(NOON):
        result = paid.ok("pay", "2", "cash", "5")
    assert "warning: the receipt was not saved" in result.output and "symbolic link" in result.output
    assert "Order paid." in result.output
    untouched(victim)
    with freeze_time(NOON):
        order = new_order(store, "counter")
        add_line(store, order.id, "SODA")
        paid.ok("pay", "3", "cash", "5")
    regular_and_owner_only(shared / "2026-11-23-order-3.pdf")
    untouched(victim)


def test_the_sign_in_file_replaces_a_planted_link_never_its_target(store: Store, cli: Cli, tmp_path: Path,
                                                                   victim: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   drawn_names: list[str]) -> None:
    from pos.people.staff import add_staff

    add_staff(store, "Alice", "cashier", "2580")
    session = tmp_path / "session" / "signin.json"
    session.parent.mkdir()
    session.symlink_to(victim)
    (session.parent / f".{session.name}.PLANTED.part").symlink_to(victim)
    monkeypatch.setenv("POS_SESSION_FILE", str(session))
    with freeze_time(NOON):
        cli.ok("login", "Alice", input="2580\n")
    untouched(victim)
    regular_and_owner_only(session)
    assert b"token" in session.read_bytes()


def test_a_new_store_never_goes_through_a_link(bare_cli: Cli, tmp_path: Path, victim: Path) -> None:
    target = victim.parent / "store-through-a-link.db"
    bare_cli.path.symlink_to(target)
    bare_cli.fails("init", "--name", "Tony's", "--timezone", "America/New_York", says="link or file")
    assert not target.exists()
    bare_cli.path.unlink()
    wal = Path(f"{bare_cli.path}-wal")
    wal.symlink_to(victim)
    bare_cli.fails("init", "--name", "Tony's", "--timezone", "America/New_York", says="link or file")
    assert not bare_cli.path.exists()
    untouched(victim)
    wal.unlink()
    bare_cli.ok("init", "--name", "Tony's", "--timezone", "America/New_York")
    regular_and_owner_only(bare_cli.path)


def test_the_demo_folder_never_goes_through_a_link(tmp_path: Path, victim: Path, monkeypatch: pytest.MonkeyPatch,
                                                   drawn_names: list[str]) -> None:
    from demo import run_demo
    from pos.base.errors import Conflict

    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "empty-elsewhere"
    empty.mkdir()
    (tmp_path / "linked").symlink_to(empty)
    with pytest.raises(Conflict, match="is a symbolic link"):
        run_demo(Path("linked"))
    assert list(empty.iterdir()) == []
    Path("anytender-demo").symlink_to(empty)  # the default name, taken by a link: the next free one is used
    Path(".anytender-demo-2.PLANTED.building").symlink_to(empty)  # and the staging folder's first random name
    report = run_demo()
    assert report.db_path == (tmp_path / "anytender-demo-2" / "pos.db").resolve()
    assert list(empty.iterdir()) == []
    untouched(victim)
    for path in (tmp_path / "anytender-demo-2").rglob("*"):
        if path.is_file():
            assert not path.is_symlink()
            if path.suffix in (".pdf", ".json", ".csv", ".beancount", ".journal") or path.name == "pos.db":
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
