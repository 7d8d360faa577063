"""People: staff, PINs, roles, permissions, approvals, limits, sign-ins, recovery, and tries counted per place.
May use: pos.base, pos.store.
"""
