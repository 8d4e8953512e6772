"""Unit tests import the collection as `ansible_collections.ascendops.llm` (through the checkout's collection link,
made by `make setup`) and may drive the simulator (`tests/sim`) to produce outputs for every profile and fault."""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".collections"))
sys.path.insert(0, str(ROOT / "tests" / "sim"))
