"""Tenders: one payment interface and one module per way of paying."""
