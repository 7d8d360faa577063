"""The day and its close: shifts, the close, the Z report and its per-person sections, numbered signed closings, the closing key, witnesses, archives, days closed ahead, the store's own check.
May use: every package of pos/ but pos.opening.
"""
