"""Forms shared by the staff pages: the USWDS look every form gets, and the audit trail's filters."""

from __future__ import annotations

from django import forms

from .event_words import OBJECT_WORDS, action_choices


def uswds_widgets(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget the USWDS class for its kind and describe its errors to screen readers."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "usa-checkbox__input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "usa-select")
        elif isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("class", "usa-textarea")
        else:
            widget.attrs.setdefault("class", "usa-input")
        if form.is_bound and name in form.errors:
            widget.attrs["class"] += " usa-input--error"
            widget.attrs["aria-invalid"] = "true"
            described_by = [f"{form.add_prefix(name)}-error"]
            if field.help_text:
                described_by.append(f"id_{form.add_prefix(name)}_helptext")
            widget.attrs["aria-describedby"] = " ".join(described_by)
    return form


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Actor (username)", required=False, max_length=150)
    action = forms.ChoiceField(label="What happened", required=False, choices=[
        ("", "Anything"),
        ("Every event about", [("incident.", "Incidents"), ("footage.", "Footage"), ("release.", "Releases"),
                               ("auth.", "Signing in"), ("user.", "Accounts"), ("audit.", "The audit trail")]),
        ("One kind of event", action_choices()),
    ])
    object_type = forms.ChoiceField(label="About", required=False,
                                    choices=[("", "Anything"), *[(code, words) for code, (words, _) in OBJECT_WORDS.items()]])
    object_id = forms.CharField(label="Object id", required=False, max_length=64)
    outcome = forms.ChoiceField(choices=[("", "Any outcome"), ("success", "Succeeded"), ("refused", "Refused"), ("failed", "Failed")],
                                required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        uswds_widgets(self)
