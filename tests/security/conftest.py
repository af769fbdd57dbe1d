"""Fixtures of the security suites (contract fuzzing, authorisation matrix, hostile input)."""

from __future__ import annotations

import sys
from pathlib import Path

# The suites share support.py; --import-mode=importlib does not put this folder on sys.path itself.
sys.path.insert(0, str(Path(__file__).resolve().parent))
