"""This release's version, and the shop's shared library put on the import path."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHOP = HERE.parents[1]
if str(SHOP) not in sys.path:
    sys.path.insert(0, str(SHOP))

VERSION = (HERE / "VERSION").read_text().strip()
