from django import forms

from .models import Assessment, Locale


class LeaFilterForm(forms.Form):
    q = forms.CharField(label="Name or LEAID", required=False, max_length=100)
    locale = forms.ChoiceField(
        label="Locale",
        required=False,
        choices=[("", "Any locale")] + [c for c in Locale.choices if c[0]],
    )
    status = forms.ChoiceField(
        label="Assessment status",
        required=False,
        choices=[("", "Any status"), ("none", "Not started")] + list(Assessment.Status.choices),
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
