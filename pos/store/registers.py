"""The store's registers: numbered 1 to 99 (a drawer, a shift and a session each name one)."""

from __future__ import annotations

from pos.base.errors import InvalidInput


def check_register(register: int) -> int:
    if not 1 <= int(register) <= 99:
        raise InvalidInput(f"Register {register} does not exist: registers are numbered 1 to 99.")
    return int(register)
