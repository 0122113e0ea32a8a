"""Query parameters of the API's lists of LEAs, cycles and assessments.

Strict, like every API input: a value that cannot be right (a state code that is not two
letters, a status that does not exist, `charter=maybe`) is a 400 naming the parameter. A
well-formed value that matches nothing (a state that does not exist, or one the user may
not see) gives an empty page: the reply never tells whether a row the user may not see
exists.
"""

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from cbe_portal.api import ID_MAX, IdFilter, StateCodeFilter, StrictBooleanFilter, StrictFilterSet
from directory.models import LEA, Locale

from .models import Assessment, AssessmentCycle


def _text(
    item: filters.CharFilter, *, max_length: int, description: str, strict_empty: bool = False
) -> filters.CharFilter:
    """A free-text filter, its length limits stated in the schema as the form checks them.
    An empty value means "no filter", unless `strict_empty` makes it a 400 (StrictFilterSet),
    which the schema then states as a minimum length of 1."""
    item.extra["max_length"] = max_length
    schema: dict = {"type": "string", "maxLength": max_length, "description": description}
    if strict_empty:
        item.strict_empty = True  # type: ignore[attr-defined]
        schema["minLength"] = 1
    return extend_schema_field(schema)(item)


class LeaFilterSet(StrictFilterSet):
    state = StateCodeFilter(field_name="state__code")
    locale = filters.ChoiceFilter(
        choices=[choice for choice in Locale.choices if choice[0]],
        help_text="NCES locale group.",
    )
    agency_type = _text(
        filters.CharFilter(lookup_expr="iexact"),
        max_length=100,
        description="NCES agency type, exactly as listed on the LEA (any case).",
    )
    charter = StrictBooleanFilter(
        field_name="is_charter", help_text="`true`: charter LEAs only; `false`: all others."
    )
    status = filters.ChoiceFilter(choices=LEA.Status.choices, help_text="Operational status.")
    search = _text(
        filters.CharFilter(method="filter_search"),
        max_length=100,
        description="Part of the LEA's name, or the start of its LEAID.",
    )

    class Meta:
        model = LEA
        fields = ["state", "locale", "agency_type", "charter", "status", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(leaid__startswith=value))


class CycleFilterSet(StrictFilterSet):
    state = StateCodeFilter(field_name="state__code")
    is_open = StrictBooleanFilter(help_text="`true`: cycles open for answers only.")

    class Meta:
        model = AssessmentCycle
        fields = ["state", "is_open"]


class AssessmentFilterSet(StrictFilterSet):
    state = StateCodeFilter(field_name="lea__state__code")
    cycle = IdFilter(field_name="cycle_id", help_text="The cycle's id.")
    lea = _text(
        filters.CharFilter(field_name="lea__leaid"),
        max_length=7,
        description="The LEA's NCES LEAID.",
    )
    status = filters.ChoiceFilter(choices=Assessment.Status.choices)
    assignee = _text(
        filters.CharFilter(method="filter_assignee"),
        max_length=150,
        description="`me`, or a user's username or id: the assessments assigned to them.",
        strict_empty=True,
    )

    class Meta:
        model = Assessment
        fields = ["state", "cycle", "lea", "status", "assignee"]

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        if value.isascii() and value.isdigit():
            if len(value) > len(str(ID_MAX)):
                return queryset.none()
            return queryset.filter(Q(assignee_id=int(value)) | Q(assignee__username=value))
        return queryset.filter(assignee__username=value)
