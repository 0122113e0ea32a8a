from django import forms

from assessments.models import Assessment

from .selectors import (
    LOCALES,
    NO_ASSESSMENT,
    NOT_REPORTED,
    SIZE_BANDS,
    DashboardFilters,
)


class DashboardFilterForm(forms.Form):
    """The state dashboard's GET filters. An invalid value is ignored (shown unfiltered)
    rather than refused: these are bookmarks and shared links."""

    cycle = forms.TypedChoiceField(label="Assessment cycle", required=False, coerce=int)
    locale = forms.ChoiceField(
        label="Locale",
        required=False,
        choices=[("", "Any locale")] + [(code or NOT_REPORTED, label) for code, label in LOCALES],
    )
    size = forms.ChoiceField(
        label="Size (enrollment)",
        required=False,
        choices=[("", "Any size"), *SIZE_BANDS],
    )
    status = forms.ChoiceField(
        label="Assessment status",
        required=False,
        choices=[("", "Any status"), (NO_ASSESSMENT, "No assessment")]
        + list(Assessment.Status.choices),
    )

    def __init__(self, *args, cycles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [(c.pk, c.name) for c in cycles]

    def filters(self) -> DashboardFilters:
        if not self.is_bound:
            return DashboardFilters()
        self.is_valid()
        data = self.cleaned_data
        return DashboardFilters(
            locale=data.get("locale") or "",
            size_band=data.get("size") or "",
            status=data.get("status") or "",
        )


class NationalFilterForm(forms.Form):
    cycle = forms.ChoiceField(label="Assessment cycle", required=False)

    def __init__(self, *args, cycle_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [("", "Each state’s latest cycle")] + [
            (name, name) for name in cycle_names
        ]

    def cycle_name(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return self.cleaned_data["cycle"]
