from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MaxLengthValidator

from cbe_portal.forms import CharacterCountField, CharacterCountTextarea, QuestionForm, RadioTiles
from directory.models import Locale

from .models import EVIDENCE_MAX_LENGTH, Assessment
from .selectors import LEA_SORTS

DONT_KNOW = "dont_know"


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
        choices=[("", "Any status"), ("none", "Not started")]
        + list(Assessment.Status.choices)
        + [
            ("not_started", "Draft with no answer yet"),
            ("in_progress", "In progress (some answers given)"),
            ("overdue", "Overdue (past its due date, not submitted)"),
        ],
    )
    mine = forms.BooleanField(label="Only LEAs assigned to me", required=False)
    # Set by the links of the workload page and the column headings; kept as hidden fields.
    cycle = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
    )
    assignee = forms.RegexField(
        required=False, regex=r"^(none|[0-9]{1,10})\Z", widget=forms.HiddenInput
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(f"{d}{k}", k) for k in LEA_SORTS for d in ("", "-")],
        widget=forms.HiddenInput,
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}

    def narrowing(self) -> dict:
        """The filters that narrow the list (the sort order does not)."""
        return {k: v for k, v in self.filters().items() if k != "sort"}


def _note_too_long(length: int) -> str:
    return (
        f"This note is {length:,} characters long; the limit is {EVIDENCE_MAX_LENGTH:,}. "
        "Shorten it to save."
    )


class AnswerForm(QuestionForm):
    """One indicator's answer, as the page posts it (autosave, or the domain's save
    button with prefix=<indicator code>). `choice` is a rubric level, "dont_know" or
    empty; which levels exist is checked against the framework by the service.

    To show an indicator, pass `options` ((value, label, description) of each rubric
    level and "don't know") and the question (legend, number, hint, id_prefix): it
    renders as one fieldset through the shared form templates."""

    choice = forms.CharField(
        label="",
        required=False,
        max_length=20,
        widget=RadioTiles(option_classes={DONT_KNOW: "cbe-level--dont-know"}),
    )
    evidence = CharacterCountField(
        label="Evidence note",
        required=False,
        max_length=EVIDENCE_MAX_LENGTH,
        help_text="What supports this rating: documents, data, what you observed.",
        widget=CharacterCountTextarea(attrs={"rows": 3}),
        error_messages={"max_length": "Too long"},
    )
    version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput(attrs={"data-role": "version"}),
        error_messages={"required": "Missing version"},
    )

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Say how long the note is, not just that it is too long (clean_evidence); keep
        # the other validators, such as the one refusing a NUL character.
        evidence = self.fields["evidence"]
        evidence.validators = [
            v for v in evidence.validators if not isinstance(v, MaxLengthValidator)
        ]
        widget = self.fields["choice"].widget
        widget.attrs.pop("maxlength", None)  # the length limit is the server's, not a radio's
        widget.choices = [(value, label) for value, label, _ in options]
        widget.descriptions = {value: description for value, _, description in options}

    def clean_choice(self) -> str:
        choice = self.cleaned_data["choice"].strip()
        if choice and choice != DONT_KNOW and not choice.isdigit():
            raise forms.ValidationError(f"{choice!r} is not a rating.")
        return choice

    def clean_evidence(self) -> str:
        # Browsers send line breaks as CRLF; store them as LF.
        text = self.cleaned_data["evidence"].replace("\r\n", "\n")
        if len(text) > EVIDENCE_MAX_LENGTH:
            raise forms.ValidationError(_note_too_long(len(text)))
        return text

    @property
    def rating(self) -> int | None:
        choice = self.cleaned_data["choice"]
        return int(choice) if choice and choice != DONT_KNOW else None

    @property
    def dont_know(self) -> bool:
        return self.cleaned_data["choice"] == DONT_KNOW

    def first_error(self) -> str:
        for field, errors in self.errors.items():
            if field in ("evidence", NON_FIELD_ERRORS):
                return errors[0]
            return f"{field}: {errors[0]}"
        return ""


class VersionForm(forms.Form):
    """A workflow step (submit, accept, return) names the version of the assessment the
    user saw."""

    version = forms.IntegerField(min_value=1)


class ReviewForm(VersionForm):
    """Accept or return; a return needs at least one note (checked by the service)."""

    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("return", "Return")])
    note = forms.CharField(
        label="Note on the whole assessment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional when accepting. When returning, say what needs to change here "
        "or next to the indicators below.",
    )

    def __init__(self, *args, indicator_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_codes = list(indicator_codes)

    def indicator_notes(self) -> dict[str, str]:
        return {
            code: (self.data.get(f"note-{code}") or "").replace("\r\n", "\n").strip()
            for code in self.indicator_codes
            if (self.data.get(f"note-{code}") or "").strip()
        }


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {EVIDENCE_MAX_LENGTH:,} characters. Everyone who can open this "
        "assessment can read it.",
    )
    indicator = forms.ChoiceField(label="About", required=False)

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "The whole assessment")] + [
            (spec.code, f"{spec.code} {spec.title}") for spec in indicators
        ]

    def clean_body(self) -> str:
        text = self.cleaned_data["body"].replace("\r\n", "\n")
        if len(text) > EVIDENCE_MAX_LENGTH:
            raise forms.ValidationError(_note_too_long(len(text)))
        return text


class DistrictRatingForm(QuestionForm):
    """The district's rating of one indicator, as the district's-view page posts it
    (prefix=<indicator code>). An empty level means "not rated by the district"; which
    levels exist is checked against the framework by the service."""

    level = forms.CharField(
        label="",
        required=False,
        max_length=2,
        widget=RadioTiles(),
    )
    note = CharacterCountField(
        label="The district's note",
        required=False,
        max_length=EVIDENCE_MAX_LENGTH,
        help_text="Why the district sees it this way: what you know that the rating may miss.",
        widget=CharacterCountTextarea(attrs={"rows": 3}),
        error_messages={"max_length": "Too long"},
    )
    version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput(),
        error_messages={"required": "Missing version"},
    )

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].validators = []
        widget = self.fields["level"].widget
        widget.attrs.pop("maxlength", None)
        widget.choices = [(value, label) for value, label, _ in options]
        widget.descriptions = {value: description for value, _, description in options}

    def clean_level(self) -> int | None:
        level = self.cleaned_data["level"].strip()
        if level and not level.isdigit():
            raise forms.ValidationError(f"{level!r} is not a level.")
        return int(level) if level else None

    def clean_note(self) -> str:
        text = self.cleaned_data["note"].replace("\r\n", "\n")
        if len(text) > EVIDENCE_MAX_LENGTH:
            raise forms.ValidationError(_note_too_long(len(text)))
        return text

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("level") is None and (cleaned.get("note") or "").strip():
            self.add_error("level", "Choose the district's level to go with the note.")
        return cleaned

    def first_error(self) -> str:
        for field, errors in self.errors.items():
            if field == "level":
                return f"Level: {errors[0]}"
            if field in ("note", NON_FIELD_ERRORS):
                return errors[0]
            return f"{field}: {errors[0]}"
        return ""
