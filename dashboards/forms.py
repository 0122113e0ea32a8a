"""The dashboards' filters, parsed in one place.

`DashboardFilterForm` reads locale, size band and status for the state dashboard page,
its CSV exports and its API alike; `StateDashboardForm` adds the page's cycle menu. The
page and the exports ignore an invalid value (a stale bookmark shows everything); the
API refuses it (`filters(strict=True)` raises, and DRF answers 400).
"""

from django import forms
from django.core.exceptions import ValidationError

from assessments.models import Assessment
from plans.selectors import PLAN_STATUS_CHOICES

from .selectors import (
    LOCALES,
    NO_ASSESSMENT,
    NOT_REPORTED,
    SIZE_BANDS,
    DashboardFilters,
)


class DashboardFilterForm(forms.Form):
    """The state dashboard's GET filters; an empty value means "any"."""

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

    FILTER_FIELDS = ("locale", "size", "status")

    def filters(self, *, strict: bool = False) -> DashboardFilters:
        """The filters asked for. An invalid value is dropped, or with `strict` raises
        ValidationError naming each bad field."""
        if not self.is_bound:
            return DashboardFilters()
        if not self.is_valid():
            bad = {name: e for name, e in self.errors.items() if name in self.FILTER_FIELDS}
            if strict and bad:
                raise ValidationError(bad)
        data = self.cleaned_data
        return DashboardFilters(
            locale=data.get("locale") or "",
            size_band=data.get("size") or "",
            status=data.get("status") or "",
        )

    @classmethod
    def filter_choices(cls) -> dict[str, list[str]]:
        """Each filter's accepted values (for the API schema)."""
        return {
            name: [code for code, _ in cls.base_fields[name].choices if code]
            for name in cls.FILTER_FIELDS
        }


class StateDashboardForm(DashboardFilterForm):
    """The filter form on the state dashboard page: the filters and the cycle menu."""

    cycle = forms.TypedChoiceField(label="Assessment cycle", required=False, coerce=int)

    field_order = ["cycle", "locale", "size", "status"]

    def __init__(self, *args, cycles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [(c.pk, c.name) for c in cycles]


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


class PlanStatusFilterForm(forms.Form):
    """The state view of plans: LEAs by their plan's status (an invalid value shows all)."""

    plan_status = forms.ChoiceField(label="Plan status", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_status"].choices = [("", "Any status"), *PLAN_STATUS_CHOICES]

    def status(self) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["plan_status"]
        return ""
