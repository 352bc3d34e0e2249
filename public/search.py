"""What a search word matches on the public list: the reference, the public summary, and the
agencies, categories and neighbourhoods whose names (in English and in the page's language) or
usual abbreviations contain a word starting with it.

Words are matched at the start of a word, so "ICE" finds ICE incidents and not every summary
that says "police". Only public fields are ever searched."""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext

from incidents.vocabulary import AGENCIES, CATEGORIES, NEIGHBOURHOOD_CHOICES

MAX_WORDS = 8

# Names people type that the official labels do not spell out.
AGENCY_ALIASES = {
    "ice_ero": "ICE ERO Immigration and Customs Enforcement",
    "ice_hsi": "ICE HSI Immigration and Customs Enforcement Homeland Security",
    "cbp": "CBP Customs Border Protection",
    "border_patrol": "CBP Border Patrol USBP",
    "fbi": "FBI",
    "dea": "DEA",
    "atf": "ATF",
    "us_marshals": "USMS Marshals",
    "fps": "FPS Homeland Security",
    "national_guard": "Guard",
    "unknown_federal": "unknown",
}


def _folded(text: str) -> str:
    """Lower case without accents, so "policia" finds "policía"."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words_of(text: str) -> list[str]:
    return re.findall(r"\w+", _folded(text))


def _codes_matching(word: str, choices, aliases: dict | None = None) -> set[str]:
    folded = _folded(word)
    found = set()
    for code, label in choices:
        names = " ".join([label, gettext(label), (aliases or {}).get(code, "")])
        if any(w.startswith(folded) for w in _words_of(names)):
            found.add(code)
    return found


def list_holds(field: str, code: str) -> Q:
    """A JSON list column holds this code. PostgreSQL answers with jsonb containment; SQLite
    (the `make run` database) has no containment, so match the quoted code in the JSON text,
    which is exact because codes come from a fixed list."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [code]})
    return Q(**{f"{field}__icontains": f'"{code}"'})


def _word_start(word: str) -> str:
    # PostgreSQL's regular expressions mark the start of a word with \m; Python's (SQLite) with \b.
    return (r"\m" if connection.vendor == "postgresql" else r"\b") + re.escape(word)


def word_matches(word: str) -> Q:
    """Incidents that one search word finds."""
    found = Q(reference__icontains=word)
    # Quotes and brackets around a word ("(ICE)") are not part of what is looked for.
    word = re.sub(r"^\W+|\W+$", "", word)
    if not word:
        return found
    found |= Q(public_summary__iregex=_word_start(word))
    for code in _codes_matching(word, AGENCIES, AGENCY_ALIASES):
        found |= list_holds("agencies", code)
    for code in _codes_matching(word, CATEGORIES):
        found |= list_holds("categories", code)
    neighbourhoods = _codes_matching(word, NEIGHBOURHOOD_CHOICES)
    if neighbourhoods:
        found |= Q(neighbourhood__in=sorted(neighbourhoods))
    return found


def search_matches(q: str) -> Q:
    """Every word must find the incident somewhere (words narrow, as people expect)."""
    matches = Q()
    for word in q.split()[:MAX_WORDS]:
        matches &= word_matches(word)
    return matches
