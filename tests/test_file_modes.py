"""Files are owner-only (issue 14, rule 6): the store and its -wal and -shm, receipts, exports, the demo's
folders; and ``pos`` warns, once, about a store other users of this machine can read.

The finding, as written: ``pos.db``, ``-wal`` and ``-shm`` were created 0644 and a PIN hash was cracked
from a read-only copy.  Every test runs under umask 022, the usual default, so the modes are shown to
come from the code, never from the umask.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterator

import pytest
from freezegun import freeze_time

from pos.store.store import Store
from tests.conftest import Cli

NOON = "2026-11-23 17:00:00"


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    return folder


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_and_its_wal_and_shm_are_owner_only(bare_cli: Cli) -> None:
    bare_cli.ok("init", "--name", "Shop", "--timezone", "UTC")
    store = Store.open(bare_cli.path)  # held open: its -wal and -shm stay on disk
    try:
        from pos.store.catalog import add_item

        add_item(store, "TEA", "Tea", "2.00")
        files = [bare_cli.path, Path(f"{bare_cli.path}-wal"), Path(f"{bare_cli.path}-shm")]
        assert all(f.exists() for f in files)
        assert [mode(f) for f in files] == [0o600, 0o600, 0o600]
    finally:
        store.close()


def test_receipts_exports_and_reports_are_owner_only(store: Store, cli: Cli, tmp_path: Path) -> None:
    from payments import service
    from pos.store import config
    from pos.cash.drawer import open_drawer
    from pos.sales.orders import add_line, new_order

    folder = tmp_path / "receipts"
    folder.mkdir()
    with freeze_time(NOON):
        config.set_option(store, "receipt.folder", str(folder))
        open_drawer(store, 1, "100")
        order = new_order(store, "counter")
        add_line(store, order.id, "PIZZA-M")
        cli.ok("pay", str(order.number), "cash", "20")
        cli.ok("receipt", "1", "--pdf", str(tmp_path / "r1.pdf"), "--eml", str(tmp_path / "r1.eml"))
        cli.ok("ledger", "export", "--out", str(tmp_path / "books.beancount"))
        cli.ok("day", "report", "--pdf", str(tmp_path / "z.pdf"))
    written = [*folder.iterdir(), *(tmp_path / n for n in ("r1.pdf", "r1.eml", "books.beancount", "z.pdf"))]
    assert len(written) == 5
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_the_demo_folder_its_receipts_and_store_are_owner_only(tmp_path: Path) -> None:
    from demo import run_demo

    report = run_demo(tmp_path / "demo")
    folder = tmp_path / "demo"
    assert mode(folder) == 0o700 and mode(folder / "receipts") == 0o700
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files and {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert report.files["store"].name == "pos.db"


def test_opening_a_store_others_can_read_warns_once(store: Store, cli: Cli, state: Path) -> None:
    store.close()
    os.chmod(store.path, 0o644)  # a store from before, or copied with cp -p from an old backup
    first = cli.ok("order", "list")
    assert first.stderr.count("\n") == 1
    db = store.path
    assert first.stderr == (f"warning: pos.db can be read by other users of this machine (mode 644): make it "
                            f"owner-only with 'chmod 600 {db} {db}-wal {db}-shm' (it holds sales and PIN hashes). "
                            "Said once.\n")
    assert cli.ok("order", "list").stderr == ""  # once
    markers = list((state / "anytender").iterdir())
    assert len(markers) == 1 and mode(markers[0]) == 0o600 and mode(state / "anytender") == 0o700
    os.chmod(store.path, 0o600)
    assert cli.ok("order", "list").stderr == ""


def test_no_warning_for_an_owner_only_store(cli: Cli, state: Path) -> None:
    assert cli.ok("order", "list").stderr == ""
    assert not (state / "anytender").exists()


def test_each_store_is_warned_about_once(make_store, state: Path) -> None:
    first, second = make_store("one.db"), make_store("two.db")
    for s in (first, second):
        s.close()
        os.chmod(s.path, 0o640)
    assert "one.db can be read" in Cli(first.path).ok("order", "list").stderr
    assert "two.db can be read" in Cli(second.path).ok("order", "list").stderr
    assert Cli(first.path).ok("order", "list").stderr == Cli(second.path).ok("order", "list").stderr == ""


def test_exposed_files_names_the_wal_and_shm_too(store: Store) -> None:
    from pos.store.store_file import exposed_files

    with store.write() as conn:
        conn.execute("UPDATE settings SET value = value")
    assert exposed_files(store.path) == []
    os.chmod(f"{store.path}-wal", 0o644)
    os.chmod(f"{store.path}-shm", 0o604)
    assert [(p.name, m) for p, m in exposed_files(store.path)] == [("pos.db-wal", 0o644), ("pos.db-shm", 0o604)]


def test_every_folder_made_is_owner_only_parents_included_under_umask_000(store: Store, cli: Cli, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 24, 8: the parent folders the project creates (``$XDG_DATA_HOME/anytender``, above the closing keys)
    were left 0777 under umask 000. Every folder made (the data and state folders, the sign-in's, the warning's
    marker's, the demo's parents and its receipts) is 0700, whatever the umask; folders already there are not
    touched."""
    from commands.context import key_location
    from demo import run_demo
    from pos.store import config
    from pos.people import pins
    from pos.opening.setup import make_closing_key
    from pos.people.staff import add_staff

    data, state = tmp_path / "data" / "share", tmp_path / "state" / "deep"  # none of them there yet
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.delenv("POS_SESSION_FILE", raising=False)
    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)
    os.chmod(tmp_path, 0o755)
    add_staff(store, "Alice", "cashier", "2580")
    config.set_option(store, "signin.required", "yes")
    store.close()
    os.chmod(store.path, 0o644)  # the warning's marker goes in the state folder
    os.umask(0o000)  # put back by the usual_umask fixture
    reopened = Store.open(store.path)
    try:
        make_closing_key(reopened, key_location())  # $XDG_DATA_HOME/anytender/keys/<store id>.ed25519
    finally:
        reopened.close()
    with freeze_time(NOON):
        cli.ok("login", "Alice", input="2580\n")  # $XDG_STATE_HOME/anytender/signin-...
    run_demo(tmp_path / "demos" / "new" / "demo")
    made = [tmp_path / "data", data, data / "anytender", data / "anytender" / "keys", tmp_path / "state", state,
            state / "anytender", tmp_path / "demos", tmp_path / "demos" / "new", tmp_path / "demos" / "new" / "demo",
            tmp_path / "demos" / "new" / "demo" / "receipts"]
    assert {str(f.relative_to(tmp_path)): oct(mode(f)) for f in made} == {
        str(f.relative_to(tmp_path)): oct(0o700) for f in made}
    assert len(list((state / "anytender").iterdir())) == 2  # the sign-in, and the warning's marker
    assert mode(tmp_path) == 0o755  # a folder already there is left as it was


def test_a_private_folder_is_refused_where_a_file_has_its_name(tmp_path: Path) -> None:
    from pos.base.private_folders import make_private_folder

    (tmp_path / "taken").write_text("")
    with pytest.raises(FileExistsError):
        make_private_folder(tmp_path / "taken")
    with pytest.raises(NotADirectoryError):
        make_private_folder(tmp_path / "taken" / "below")
    make_private_folder(tmp_path / "new")
    make_private_folder(tmp_path / "new")  # there already: nothing to do
    assert mode(tmp_path / "new") == 0o700
