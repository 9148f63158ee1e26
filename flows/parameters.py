"""The parameters of a refresh, validated by Pydantic (Prefect validates a flow's parameters against them
before the run starts, so a bad backfill request fails at once with the field named)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extractors.cordis.settings import PROGRAMMES

Source = Literal["cordis", "vlaio"]


class BackfillParameters(BaseModel):
    """What a data engineer asks of a backfill (every field optional: the defaults are a normal refresh)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[Source] | None = Field(default=None, description="Sources to refresh (default: all)")
    programmes: list[str] | None = Field(
        default=None, description="CORDIS programmes: HORIZON, H2020, FP7 (default: CORDIS_PROGRAMMES)"
    )
    window_start: date | None = Field(
        default=None, description="Only CORDIS projects whose period ends on or after this date"
    )
    window_end: date | None = Field(
        default=None, description="Only CORDIS projects whose period starts on or before this date"
    )
    from_raw: bool = Field(
        default=False, description="Rebuild from the raw landing zone's snapshot, without any HTTP request"
    )
    snapshot: date | None = Field(
        default=None, description="With from_raw: the landing date to rebuild from (default: the latest)"
    )
    accept_drift: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Who accepts a volume drop larger than the gate allows (kept in the ledger with the time)",
    )

    @field_validator("programmes")
    @classmethod
    def _known_programmes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        upper = [p.strip().upper() for p in value]
        unknown = sorted(set(upper) - set(PROGRAMMES))
        if unknown:
            raise ValueError(f"unknown programmes {unknown}; expected some of {sorted(PROGRAMMES)}")
        return upper

    @model_validator(mode="after")
    def _coherent(self) -> BackfillParameters:
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValueError(f"window_end {self.window_end} is before window_start {self.window_start}")
        if self.snapshot is not None and not self.from_raw:
            raise ValueError("snapshot is only meaningful with from_raw=true")
        return self
