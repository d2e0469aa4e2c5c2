"""tests/gen/kinds_load.py — the kinds list (placeholder until the load kinds are written)."""
from kinds import KINDS_CALC
KINDS = KINDS_CALC
