"""Dates the scheduling and validation tests share."""

from datetime import date

START = date(2026, 12, 1)  # a Tuesday
