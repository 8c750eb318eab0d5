"""Deterministic synthetic local SEN2 extract for any of the 153 English local authorities.

Everything this package writes is synthetic: invented people, schools and caseworkers living in the LA's
real wards, with aggregates calibrated to the LA's published SEN2 figures (DfE, Open Government Licence).

    from data.synth import generate
    generate("E06000023", seed=2026, out=Path("data/sample/E06000023"))

or `python -m data.synth --la 801 --out /tmp/x` (see `data/synth/cli.py`).
"""

from __future__ import annotations

GENERATOR_VERSION = "1.1.0"

__all__ = ["GENERATOR_VERSION", "generate", "resolve_la"]


def __getattr__(name: str):
    # Imported lazily so `data.synth.dates` and friends load without pulling in the whole generator.
    if name in ("generate", "resolve_la"):
        import importlib

        module = importlib.import_module("data.synth.extract")

        return getattr(module, name)
    raise AttributeError(name)
