"""Forms for the staff pages. They parse and present input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from portal.forms import uswds_widgets
from portal.roles import Role

from . import vocabulary as v
from .models import FUTURE_GRACE, NARRATIVE_MAX, REQUIRED_TO_SUBMIT, TEXT_MAX, Incident, IncidentState, Outcome
from .services import EDITABLE_FIELDS, MAX_PEOPLE

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "usa-input"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(forms.ModelForm):
    agencies = forms.MultipleChoiceField(choices=v.AGENCIES, widget=forms.CheckboxSelectMultiple, required=False,
                                         label="Federal agencies involved")
    categories = forms.MultipleChoiceField(choices=v.CATEGORIES, widget=forms.CheckboxSelectMultiple, required=False,
                                           label="What happened (choose all that apply)")

    class Meta:
        model = Incident
        fields = EDITABLE_FIELDS
        widgets = {
            "occurred_start": DATETIME_WIDGET,
            "occurred_end": DATETIME_WIDGET,
            "narrative": forms.Textarea(attrs={"rows": 8, "maxlength": NARRATIVE_MAX}),
            "injuries": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
            "property_damage": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
            "public_summary": forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        }
        help_texts = {
            "address": "Street address, or the nearest intersection.",
            "latitude": "Optional. Decimal degrees, for example 41.4993.",
            "longitude": "Optional. Decimal degrees, for example -81.6944.",
            "public_summary": "Written for the public: no names, no contact details.",
            "narrative": "Private. Say what you saw and heard, in order.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_start"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        self.fields["occurred_end"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        self.fields["neighbourhood"].choices = [("", "- Select -"), *v.NEIGHBOURHOOD_CHOICES]
        self.fields["source"].choices = [("", "- Select -"), *v.SOURCES]
        latest = timezone.localtime(timezone.now() + FUTURE_GRACE).strftime("%Y-%m-%dT%H:%M")
        for name in ("occurred_start", "occurred_end"):
            self.fields[name].widget.attrs["max"] = latest
        # A draft may be saved half-filled, so these are not `required`; but the person filing sees which ones submission needs.
        for name in REQUIRED_TO_SUBMIT:
            self.fields[name].required_to_submit = True
            if not isinstance(self.fields[name].widget, forms.CheckboxSelectMultiple):
                self.fields[name].widget.attrs["aria-required"] = "true"
        uswds_widgets(self)

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}


class PersonForm(forms.Form):
    role = forms.ChoiceField(choices=[("", "- Select -"), *v.PERSON_ROLES], required=False)
    name = forms.CharField(max_length=200, required=False)
    contact = forms.CharField(max_length=300, required=False, label="Phone, email or address")
    preferred_language = forms.CharField(max_length=50, required=False)
    notes = forms.CharField(max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        uswds_widgets(self)

    def clean(self):
        data = super().clean()
        if any(data.get(k) for k in ("name", "contact", "preferred_language", "notes")) and not data.get("role"):
            self.add_error("role", "Say how this person was involved.")
        return data

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(k) for k in ("role", "name", "contact", "preferred_language", "notes"))


PersonFormSet = forms.formset_factory(PersonForm, extra=2, max_num=MAX_PEOPLE, validate_max=True, absolute_max=MAX_PEOPLE)


def people_rows(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.is_blank()]


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(choices=[("", "- Select -"), *Outcome.choices], required=False)


class AssignForm(forms.Form):
    prefix = "assign"  # several forms share the case page; prefixes keep their ids apart
    investigator = forms.ModelChoiceField(queryset=User.objects.none(), empty_label="- Select -")
    reason = forms.CharField(required=False, max_length=2000, label="Note (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigator"].queryset = User.objects.filter(groups__name=Role.INVESTIGATOR.value, is_active=True).order_by("username")
        self.fields["investigator"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        uswds_widgets(self)


class NoteForm(forms.Form):
    prefix = "note"  # several forms share the case page; prefixes keep their ids apart
    text = forms.CharField(label="Note", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        uswds_widgets(self)


class FindingForm(forms.Form):
    prefix = "finding"  # several forms share the case page; prefixes keep their ids apart
    text = forms.CharField(label="Findings", max_length=NARRATIVE_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    outcome = forms.ChoiceField(label="Proposed outcome", choices=[("", "- Select -"), *Outcome.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        uswds_widgets(self)


class PublicSummaryForm(forms.Form):
    prefix = "summary"  # several forms share the case page; prefixes keep their ids apart
    public_summary = forms.CharField(label="Public summary", max_length=TEXT_MAX, required=False,
                                     widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        uswds_widgets(self)


class PublishForm(forms.Form):
    prefix = "publish"  # several forms share the case page; prefixes keep their ids apart
    precision = forms.ChoiceField(label="Location shown to the public", choices=v.PUBLIC_LOCATION_PRECISIONS, initial="block")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        uswds_widgets(self)


class IncidentFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    state = forms.ChoiceField(choices=[("", "Any state"), *IncidentState.choices], required=False)
    agency = forms.ChoiceField(choices=[("", "Any agency"), *v.AGENCIES], required=False)
    category = forms.ChoiceField(choices=[("", "Any category"), *v.CATEGORIES], required=False)
    neighbourhood = forms.ChoiceField(choices=[("", "Any neighbourhood"), *v.NEIGHBOURHOOD_CHOICES], required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Anyone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(groups__name=Role.INVESTIGATOR.value).order_by("username")
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        uswds_widgets(self)
