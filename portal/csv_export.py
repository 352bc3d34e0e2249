"""CSV streamed row by row, every cell neutralised against spreadsheet formula injection, since the
content was typed by people we do not control."""

from __future__ import annotations

import csv
from typing import Iterable, Iterator


class _Echo:
    def write(self, value: str) -> str:
        return value


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def stream_csv(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
