"""QR codes drawn with text, for a terminal: a payment link the customer scans off the cashier's screen.

Uses reportlab's own QR encoder (imported here only, when a code is drawn:
reportlab costs over 100 ms to import).  Two rows of modules share one line
of text (upper and lower half blocks), so the code stays square in a
terminal whose characters are twice as tall as they are wide.  A quiet zone
of light modules surrounds it, as scanners need.
"""

from __future__ import annotations

_QUIET = 2
_GLYPHS = {(False, False): "█", (True, False): "▄", (False, True): "▀", (True, True): " "}


def qr_text(data: str) -> str:
    """``data`` as a QR code in Unicode half blocks (dark modules show as the terminal's background)."""
    from reportlab.graphics.barcode import qrencoder

    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.make()
    size = code.getModuleCount()

    def dark(row: int, col: int) -> bool:
        inside = 0 <= row - _QUIET < size and 0 <= col - _QUIET < size
        return bool(inside and code.isDark(row - _QUIET, col - _QUIET))

    side = size + 2 * _QUIET
    lines = []
    for row in range(0, side, 2):
        # Light modules are drawn as blocks so the code reads right on a dark terminal.
        lines.append("".join(_GLYPHS[(dark(row, col), dark(row + 1, col))] for col in range(side)))
    return "\n".join(lines)


def qr_modules(text: str) -> list[list[bool]]:
    """Read a code drawn by :func:`qr_text` back into its dark modules (quiet zone removed): for tests."""
    rows: list[list[bool]] = []
    for line in text.splitlines():
        top = [ch in " ▄" for ch in line]
        bottom = [ch in " ▀" for ch in line]
        rows.extend([top, bottom])
    inner = rows[_QUIET:]
    size = len(inner[0]) - 2 * _QUIET
    return [r[_QUIET:_QUIET + size] for r in inner[:size]]
