from datetime import date

from django import forms

from .models import AccessEvent


class AccessLogFilterForm(forms.Form):
    """The access log page's filters (GET); an empty field means "any"."""

    username = forms.CharField(
        label="User name",
        required=False,
        max_length=150,
    )
    kind = forms.ChoiceField(
        label="What happened",
        required=False,
        choices=[("", "Anything"), *AccessEvent.Kind.choices],
        error_messages={"invalid_choice": "Choose one of the listed kinds of event."},
    )
    since = forms.DateField(
        label="From (day)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the first day as a date, for example 2026-03-31."},
    )
    until = forms.DateField(
        label="To (day, included)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the last day as a date, for example 2026-03-31."},
    )

    def clean(self):
        data = super().clean()
        since: date | None = data.get("since")
        until: date | None = data.get("until")
        if since and until and since > until:
            self.add_error("until", "The last day is before the first day. Swap them.")
        return data

    def filters(self) -> dict:
        """The valid filters, as keyword arguments of audit.selectors.access_event_filter."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
