"""Targets and local baselines, set by each area, kept out of the catalogue.

Where they come from, first match wins:
  1. `SEND_TARGETS`: a YAML file, or a folder of `<area_code>.yaml` files;
  2. `indicators/targets/<area_code>.yaml` shipped with the product (the sample area's).

File shape:

    area_code: E06000023
    set_by: SEND partnership board, March 2025
    targets:
      ehcp_issued_20wk:
        target: 60          # in the indicator's unit
        tolerance: 5        # amber when missed by no more than this
        baseline: 17.6      # the local baseline the target was set against
        baseline_period: "2024"
        note: Recovery plan milestone
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from data.settings import settings

TARGETS_DIR = Path(__file__).resolve().parent / "targets"


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    target: float | None = None
    tolerance: float = Field(default=0.0, ge=0)
    baseline: float | None = None
    baseline_period: str | None = None
    note: str = ""


class AreaTargets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    area_code: str
    set_by: str = ""
    targets: dict[str, Target] = Field(default_factory=dict)


class TargetsError(ValueError):
    pass


def targets_path(area_code: str) -> Path | None:
    configured = settings().targets
    if configured:
        path = configured
        if path.is_dir():
            path = path / f"{area_code}.yaml"
        return path if path.is_file() else None
    path = TARGETS_DIR / f"{area_code}.yaml"
    return path if path.is_file() else None


def load_targets(area_code: str, known_ids: set[str] | None = None) -> AreaTargets:
    """The area's targets (empty when it has set none). Unknown indicator ids are an error."""
    path = targets_path(area_code)
    if path is None:
        return AreaTargets(area_code=area_code)
    try:
        parsed = AreaTargets.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise TargetsError(f"{path}: {exc}") from exc
    if parsed.area_code != area_code:
        return AreaTargets(area_code=area_code)  # a single configured file for another area
    if known_ids is not None:
        unknown = sorted(set(parsed.targets) - known_ids)
        if unknown:
            raise TargetsError(f"{path}: target(s) for unknown indicator(s) {unknown}")
    return parsed
