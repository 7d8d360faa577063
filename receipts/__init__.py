"""Receipt and report renderers (PDF and thermal-printer text)."""
