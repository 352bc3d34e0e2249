"""The public search form: one set of filters shared by the list page, the exports and the API,
so every way of asking gets the same answer and the same error messages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.vocabulary import AGENCIES, CATEGORIES, NEIGHBOURHOOD_CHOICES

SORT_CHOICES = [
    ("", _("Newest release first")),
    ("newest", _("Newest incident first")),
    ("oldest", _("Oldest incident first")),
    ("neighbourhood", _("Neighbourhood")),
]
def _translated(choices):
    # The vocabulary's labels are plain English; their msgids live in public/vocabulary_labels.py.
    return [(key, _(label)) for key, label in choices]


FOOTAGE_CHOICES = [("", _("With or without video")), ("yes", _("Only with video")), ("no", _("Only without video"))]


class USWDSForm(forms.Form):
    """Gives each widget its USWDS class and ties its hint to it for screen readers (errors are
    announced by their role="alert" in public/form_field.html)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "usa-select" if isinstance(field.widget, forms.Select) else "usa-input"
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"


class IncidentSearchForm(USWDSForm):
    q = forms.CharField(label=_("Search words"), required=False, max_length=200, strip=True)
    date_from = forms.DateField(label=_("From date"), required=False, help_text=_("For example: 2026-01-31"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To date"), required=False, help_text=_("For example: 2026-12-31"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    neighbourhood = forms.ChoiceField(label=_("Neighbourhood"), required=False, choices=[("", _("Any neighbourhood")), *NEIGHBOURHOOD_CHOICES])
    agency = forms.ChoiceField(label=_("Agency"), required=False, choices=[("", _("Any agency")), *_translated(AGENCIES)])
    category = forms.ChoiceField(label=_("Type of incident"), required=False, choices=[("", _("Any type")), *_translated(CATEGORIES)])
    has_footage = forms.ChoiceField(label=_("Video"), required=False, choices=FOOTAGE_CHOICES)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned

    def filters(self) -> dict:
        """Keyword arguments for `filter_public_incidents`; call only when the form is valid."""
        data = self.cleaned_data
        footage = {"yes": True, "no": False}.get(data.get("has_footage") or "")
        return {
            "q": data.get("q") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "neighbourhood": data.get("neighbourhood") or "",
            "agency": data.get("agency") or "",
            "category": data.get("category") or "",
            "has_footage": footage,
            "sort": data.get("sort") or "",
        }


class VerifyForm(USWDSForm):
    release = forms.TypedChoiceField(
        label=_("Which released file (optional)"),
        coerce=int,
        choices=(),
        required=False,
        empty_value=None,
        help_text=_("Leave this empty and the city finds the file from its fingerprint."),
    )
    file = forms.FileField(label=_("The file you downloaded"), required=False)
    sha256 = forms.RegexField(
        label=_("Or its SHA-256 fingerprint"),
        required=False,
        regex=r"^\s*[0-9a-fA-F]{64}\s*$",
        help_text=_("64 letters and numbers. Your computer can make it, for example with: sha256sum FILE"),
        error_messages={"invalid": _("A SHA-256 fingerprint is exactly 64 letters (a to f) and numbers.")},
    )

    def __init__(self, *args, release_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["release"].choices = [("", _("Find it from the fingerprint")), *release_choices]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("sha256") and not self.has_error("sha256"):
            self.add_error("file", _("Choose the file you downloaded, or type its SHA-256 fingerprint."))
        if cleaned.get("sha256"):
            cleaned["sha256"] = cleaned["sha256"].strip().lower()
        return cleaned
