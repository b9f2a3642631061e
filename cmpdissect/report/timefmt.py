"""Times and durations as every report format writes them."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_time(epoch: float | None) -> str:
    """Capture time as ISO 8601 UTC with milliseconds."""
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"
