"""Under ``--json``, errors are JSON too: ``{"error": "...", "code": "not_found"}`` on stderr, exit 1.

The code comes from the domain exception's class (pos.base.errors), so a script tells a typo from a
refusal without reading the words; a card declined is ``declined``, a usage error ``usage``.  Nothing is written by any of them, and stdout stays empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from freezegun import freeze_time

from conftest import Cli, snapshot
from pos.base import errors
from pos.people.staff import add_staff
from pos.store.store import Store


@pytest.fixture(autouse=True)
def _noon() -> Iterator[None]:
    with freeze_time("2026-01-15 17:00:00", tick=True):
        yield


def json_error(cli: Cli, *args: str, exit_code: int = 1) -> dict[str, Any]:
    """Run a command that fails under --json: its one line of JSON on stderr, nothing on stdout, nothing written."""
    before = snapshot(cli.path)
    result = cli(*args)
    assert result.exit_code == exit_code, (result.output, result.exception)
    assert result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    data = json.loads(result.stderr)
    assert set(data) == {"error", "code"} and isinstance(data["error"], str) and data["error"], data
    assert snapshot(cli.path) == before, "a refused command changed the store"
    return data


@pytest.mark.parametrize(("args", "code", "says"), [
    (("order", "show", "9", "--json"), "not_found", "No order #9"),
    (("config", "set", "cash.rounding", "0.03", "--json"), "invalid_input", "not a cash rounding step"),
    (("config", "set", "cash.tip", "1", "--json"), "not_found", "Unknown option 'cash.tip'"),
    (("order", "add", "1", "NOPE", "--json"), "not_found", "NOPE"),
    (("order", "list", "--status", "late", "--json"), "invalid_input", "Unknown status 'late'"),
    (("pay", "1", "cash", "lots", "--json"), "invalid_input", "is not an amount"),
    (("drawer", "open", "--float", "100", "--register", "0", "--json"), "invalid_input", "registers are numbered"),
    (("tips", "payday", "set", "fortnightly", "--from", "2026-11-23", "--json"), "invalid_input",
     "'fortnightly' is not a pay schedule"),
    (("tips", "payday", "set", "monthly", "--from", "2026-11-23", "--json"), "invalid_input", "calendar months"),
])
def test_an_error_under_json_is_json_with_its_code(cli: Cli, args: tuple[str, ...], code: str, says: str) -> None:
    cli.ok("order", "new")
    data = json_error(cli, *args)
    assert data["code"] == code and says in data["error"], data


def test_the_same_error_without_json_stays_one_line_of_text(cli: Cli) -> None:
    result = cli.fails("order", "show", "9", says="No order #9")
    assert result.stderr.startswith("error: No order #9")


def test_a_refusal_is_not_allowed_and_still_audited(store: Store, cli: Cli, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.store import config

    config.set_option(store, "signin.required", "yes")
    add_staff(store, "Alice", "cashier", "2580")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    data = json_error(cli, "config", "set", "cash.rounding", "0.05", "--json")
    assert data == {"error": "'pos config set' changes the store: sign in first with 'pos login NAME'.",
                    "code": "invalid_input"}
    cli.ok("login", "Alice", input="2580\n")
    refused = cli.fails("config", "set", "cash.rounding", "0.05", "--json", says="may not change store settings",
                        audited=True)  # the refusal is in the audit trail, and nothing else was written
    assert json.loads(refused.stderr)["code"] == "not_allowed" and refused.stdout == ""


def test_a_conflict_and_a_usage_error(cli: Cli) -> None:
    cli.ok("drawer", "open", "--float", "100")
    assert json_error(cli, "drawer", "open", "--float", "100", "--json")["code"] == "conflict"
    usage = json_error(cli, "order", "show", "--json")  # exit 1, as every error (issue 23)
    assert usage["code"] == "usage" and usage["error"].startswith("Missing argument 'order'. Usage: "), usage
    assert json_error(cli, "config", "show", "--bogus", "--json")["code"] == "usage"
    plain = cli("config", "show", "--bogus")  # without --json: one line of text
    assert plain.exit_code == 1 and plain.stderr.startswith("error: No such option: --bogus")
    assert plain.stderr.count("\n") == 1


def test_hidden_characters_in_a_json_error_are_escaped(cli: Cli) -> None:
    result = cli("order", "show", "\x1b[2J9", "--json")
    assert result.exit_code == 1 and "\x1b" not in result.stderr and "\\u001b" in result.stderr
    assert json.loads(result.stderr)["code"] == "invalid_input"  # no order reference holds such characters


def test_a_missing_store_under_json(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "none.db")
    data = json_error(cli, "order", "list", "--json")
    assert data["code"] in ("store_error", "not_found"), data
    assert not (tmp_path / "none.db").exists()


def test_every_domain_error_has_its_own_code() -> None:
    classes = [errors.InvalidInput, errors.NotFound, errors.Conflict, errors.NotAllowed, errors.StoreError,
               errors.SchemaTooNew, errors.StoreReadOnly, errors.DiskFull, errors.DiskFailed,
               errors.ProcessorUnavailable]
    codes = [c.code for c in classes]
    assert len(set(codes)) == len(codes) and "error" not in codes
    assert errors.Refused.code == "not_allowed"  # a control's refusal is a not-allowed, for scripts
    from payments.stripe.errors import ReaderUnavailable

    assert ReaderUnavailable.code == "processor_unavailable"
