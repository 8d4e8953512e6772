"""Unit tests import the collection as `ansible_collections.ascendops.llm` (through the checkout's collection link,
made by `make setup`). They read verbatim outputs (tests/fixtures/reference), never the simulator package."""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".collections"))
