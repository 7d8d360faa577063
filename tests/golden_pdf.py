"""What a golden PDF shows, in a form no reportlab release changes: page size, and each line of text with its place.

The golden PDFs in ``tests/golden`` are compared byte for byte only with the
reportlab release that made them (``tests/golden/reportlab-version.txt``):
another release may write the same page with other bytes (4.0.9 to 4.4.4 wrote
another producer comment; a later one may reorder objects or round otherwise).
What the page *shows* does not depend on the release, and is compared always:
:func:`layout` reads it back with pypdf's content-stream parser (not its
text-extraction heuristics, which change between pypdf releases) and gives
the page size and, for every text drawn, its text, font, size, origin and
angle, in points.  Each golden PDF has that form beside it as JSON
(``receipt-sale-80.pdf.json``), compared with :func:`differences`.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

# Points are written with two decimals; a release may round its numbers
# otherwise, so positions and sizes agree within 0.05 pt (0.02 mm).
TOLERANCE_PT = 0.05

_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Matrix = tuple[float, float, float, float, float, float]


def _times(m: Matrix, n: Matrix) -> Matrix:
    """The affine product m x n (PDF order: m is applied first)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _text(operand: Any) -> str:
    if isinstance(operand, bytes):
        return operand.decode("cp1252", "replace")
    return str(operand)


def layout(data: bytes) -> dict[str, Any]:
    """{"pages": [{"size": [w, h], "lines": [[text, font, size, x, y, angle], ...]}, ...]} of a PDF."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(data))
    pages = []
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        fonts = fonts.get_object() if hasattr(fonts, "get_object") else fonts
        ctm: Matrix = _IDENTITY
        tm: Matrix = _IDENTITY
        tlm: Matrix = _IDENTITY
        font, size, leading = "", 0.0, 0.0
        stack: list[tuple[Matrix, str, float, float]] = []
        lines: list[list[Any]] = []
        moved = True  # whether the text position moved since the last text shown

        def show(text: str) -> None:
            nonlocal moved
            if not moved and lines:
                lines[-1][0] += text  # more text on the same line, drawn right after
                return
            m = _times(tm, ctm)
            angle = round(math.degrees(math.atan2(m[1], m[0])), 1) + 0.0
            lines.append([text, font, round(size, 2), round(m[4], 2), round(m[5], 2), angle])
            moved = False

        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            op = operator.decode("latin-1")
            values = [float(v) if isinstance(v, (int, float)) else v for v in operands]
            if op == "q":
                stack.append((ctm, font, size, leading))
            elif op == "Q" and stack:
                ctm, font, size, leading = stack.pop()
            elif op == "cm":
                ctm = _times(tuple(values), ctm)  # type: ignore[arg-type]
            elif op == "BT":
                tm = tlm = _IDENTITY
                moved = True
            elif op == "Tf":
                entry = fonts.get(values[0])
                base = entry.get_object().get("/BaseFont", values[0]) if entry is not None else values[0]
                font, size = str(base).lstrip("/"), float(values[1])
            elif op == "TL":
                leading = float(values[0])
            elif op == "Tm":
                tm = tlm = tuple(values)  # type: ignore[assignment]
                moved = True
            elif op in ("Td", "TD", "T*", "'", '"'):
                if op == "TD":
                    leading = -float(values[1])
                dx, dy = (float(values[0]), float(values[1])) if op in ("Td", "TD") else (0.0, -leading)
                tm = tlm = _times((1.0, 0.0, 0.0, 1.0, dx, dy), tlm)
                moved = True
                if op in ("'", '"'):
                    show(_text(values[-1]))
            elif op == "Tj":
                show(_text(values[0]))
            elif op == "TJ":
                show("".join(_text(part) for part in values[0] if isinstance(part, (str, bytes))))
        box = page.mediabox
        pages.append({"size": [round(float(box.width), 2), round(float(box.height), 2)], "lines": lines})
    return {"pages": pages}


def dump(shown: dict[str, Any]) -> str:
    """The layout as JSON with one text line per line of the file, so that a change reads as a short diff."""
    parts = []
    for page in shown["pages"]:
        lines = ",\n".join("    " + json.dumps(line, ensure_ascii=False) for line in page["lines"])
        parts.append(f'  {{"size": {json.dumps(page["size"])}, "lines": [\n{lines}\n  ]}}')
    return '{"pages": [\n' + ",\n".join(parts) + "\n]}\n"


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """What differs between two layouts: text and fonts exactly, sizes and places within TOLERANCE_PT."""
    found: list[str] = []
    if len(expected["pages"]) != len(actual["pages"]):
        return [f"{len(actual['pages'])} pages, golden {len(expected['pages'])}"]
    for number, (want, got) in enumerate(zip(expected["pages"], actual["pages"]), start=1):
        if any(abs(w - g) > TOLERANCE_PT for w, g in zip(want["size"], got["size"])):
            found.append(f"page {number}: size {got['size']} pt, golden {want['size']}")
        if len(want["lines"]) != len(got["lines"]):
            found.append(f"page {number}: {len(got['lines'])} text lines, golden {len(want['lines'])}")
        for index, (w, g) in enumerate(zip(want["lines"], got["lines"]), start=1):
            same = w[:2] == g[:2] and all(abs(a - b) <= TOLERANCE_PT for a, b in zip(w[2:5], g[2:5])) \
                and abs(w[5] - g[5]) <= 0.1
            if not same:
                found.append(f"page {number} line {index}: {g}, golden {w}")
    return found
