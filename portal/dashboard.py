"""The staff home page is assembled from panels each app contributes for the roles it serves.

An app registers a function `(request) -> list[Panel]`; the home page shows every panel returned.
Keeping the registry here lets incidents and footage add their queues without the portal app
importing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from django.http import HttpRequest


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


_providers: list[Callable[[HttpRequest], list[Panel]]] = []


def register(provider: Callable[[HttpRequest], list[Panel]]) -> Callable[[HttpRequest], list[Panel]]:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections_for(request: HttpRequest) -> list[Panel]:
    panels: list[Panel] = []
    for provider in _providers:
        panels.extend(provider(request))
    return sorted(panels, key=lambda p: p.order)
