"""Every public string is in every catalogue of the eleven languages the picker offers, each
catalogue says it is a draft awaiting the city's translators, and the finished ones are complete
(no untranslated or fuzzy message), so a page never shows a sentence in English by surprise."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.template import templatize

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = ["es", "ar", "fr", "ht", "kea", "pt_BR", "ru", "so", "vi", "zh_Hans", "zh_Hant"]
COMPLETE = CATALOGUES  # every one is translated in full
TEMPLATE_ROOTS = [Path(settings.BASE_DIR) / "public" / "templates", Path(settings.BASE_DIR) / "templates" / "public"]
CALL = re.compile(r"\b(?:n|p|np)?gettext\(((?:u?'(?:[^'\\]|\\.)*'(?:,\s*)?)+)")


def template_strings() -> set[tuple[str, str]]:
    """(template, msgid) of every translatable string of the public templates, found the way
    makemessages finds them (templatize), blocktranslate and plurals included."""
    found = set()
    for root in TEMPLATE_ROOTS:
        for template in root.rglob("*.html"):
            for match in CALL.finditer(templatize(template.read_text(encoding="utf-8"))):
                for literal in re.findall(r"u?'(?:[^'\\]|\\.)*'", match.group(1)):
                    found.add((template.name, ast.literal_eval(literal.lstrip("u"))))
    return found


def msgids(code: str) -> set[str]:
    po = (LOCALE / code / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = [e for e in po.split("\n\n") if not e.startswith("#~")]
    ids = set()
    for entry in entries:
        for text in re.findall(r'^msgid(?:_plural)? "(.*)"$', entry, flags=re.M):
            ids.add(ast.literal_eval(f'"{text}"'))
    return ids


def test_the_template_scan_finds_plain_and_block_strings():
    strings = {text for _, text in template_strings()}
    assert "Released incidents" in strings
    assert "%(counter)s incidents found" in strings and "Incident %(reference)s" in strings


@pytest.mark.parametrize("code", CATALOGUES)
def test_every_public_template_string_is_in_the_catalogue(code):
    known = msgids(code)
    missing = sorted((name, text) for name, text in template_strings() if text not in known)
    assert not missing, f"run manage.py update_public_translations; missing from {code}: {missing[:10]}"


@pytest.mark.parametrize("code", CATALOGUES)
def test_each_catalogue_says_it_is_a_draft_awaiting_the_citys_translators(code):
    head = (LOCALE / code / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "Drafted by the project, awaiting review by the city's translators." in head
    assert "Last-Translator: drafted by the project, awaiting review by the city's translators" in head


@pytest.mark.parametrize("code", COMPLETE)
def test_a_finished_catalogue_has_no_untranslated_or_fuzzy_message(code):
    po = LOCALE / code / "LC_MESSAGES" / "django.po"
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert "untranslated" not in statistics and "fuzzy" not in statistics, statistics


@pytest.mark.parametrize("code", COMPLETE)
def test_a_finished_catalogue_is_compiled_as_it_stands(code):
    """The committed .mo holds what the .po says (deployments do not run gettext)."""
    from django.utils import translation

    with translation.override(code.replace("_", "-").lower()):
        assert translation.gettext("Released incidents") != "Released incidents"
        assert translation.gettext("What the agents did") != "What the agents did"


@pytest.mark.parametrize("code", ["ht", "kea", "so"])
def test_languages_django_has_no_formats_for_write_dates_without_english_month_names(code):
    from datetime import date

    from django.utils import formats, translation

    with translation.override(code):
        assert formats.date_format(date(2026, 3, 9), "DATE_FORMAT") == "9/3/2026"
        assert formats.date_format(date(2026, 3, 1), "YEAR_MONTH_FORMAT") == "3/2026"
