"""The fixed vocabularies’ labels, marked for translation.

incidents/vocabulary.py holds them as plain English (staff pages are English only); the public
site shows them through `translated_label`, so the catalogues need the same strings as msgids.
Add a line here when a label is added there (a test checks that none is missing).
"""

from django.utils.translation import gettext, gettext_noop

LABELS = [
    gettext_noop("ICE Enforcement and Removal Operations (ERO)"),
    gettext_noop("ICE Homeland Security Investigations (HSI)"),
    gettext_noop("U.S. Customs and Border Protection (CBP)"),
    gettext_noop("U.S. Border Patrol"),
    gettext_noop("Federal Bureau of Investigation (FBI)"),
    gettext_noop("Drug Enforcement Administration (DEA)"),
    gettext_noop("Bureau of Alcohol, Tobacco, Firearms and Explosives (ATF)"),
    gettext_noop("U.S. Marshals Service"),
    gettext_noop("Federal Protective Service (FPS)"),
    gettext_noop("National Guard"),
    gettext_noop("Unknown federal agency"),
    gettext_noop("Use of force"),
    gettext_noop("Property damage"),
    gettext_noop("Attempted warrantless entry to a home or business"),
    gettext_noop("Arrest or detention"),
    gettext_noop("Courthouse detention"),
    gettext_noop("Vehicle stop"),
    gettext_noop("Alleged profiling"),
    gettext_noop("Interference with city police"),
    gettext_noop("Other"),
    gettext_noop("Sustained"),
    gettext_noop("Not sustained"),
    gettext_noop("Unfounded"),
    gettext_noop("Referred to the District Attorney"),
    gettext_noop("Referred to the Attorney General"),
    gettext_noop("Other"),
    gettext_noop("Judicial warrant (signed by a judge)"),
    gettext_noop("Administrative warrant (signed by an agency officer)"),
    gettext_noop("No warrant shown"),
    gettext_noop("Unknown"),
    gettext_noop("Block (about 100 m)"),
    gettext_noop("Neighbourhood centre"),
    gettext_noop("Exact location as recorded"),
]


def translated_label(label: str) -> str:
    return gettext(label) if label else label
