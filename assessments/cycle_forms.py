"""Forms of a running cycle: set-up, the CSV of assignments and the LEA list's bulk
assignment. They read what was typed; the services decide what is allowed."""

from django import forms
from django.core.validators import FileExtensionValidator

from directory.models import Locale

from .cycle_services import LeaChoice

CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_HINT = "A .csv or .txt file of at most 2 MB."


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _csv_field(*, label: str, help_text: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        help_text=f"{help_text} {CSV_HINT}",
        validators=[
            FileExtensionValidator(
                allowed_extensions=["csv", "txt"],
                message="“%(extension)s” files cannot be read here. Choose a .csv or .txt file.",
            )
        ],
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )


def read_csv_upload(upload) -> str:
    """The uploaded file as text, or a ValidationError saying why it cannot be read."""
    if upload.size > CSV_MAX_BYTES:
        raise forms.ValidationError("This file is larger than 2 MB: split it into parts.")
    raw = upload.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "This file is not text. Save the spreadsheet as CSV first."
            ) from exc


LEA_CHOICES = [
    ("all", "Every operational LEA of the state"),
    ("filtered", "Operational LEAs of the agency types and locales ticked below"),
    ("upload", "The LEAs of an uploaded list of LEAIDs"),
]


class CycleSetupForm(forms.Form):
    state = forms.ModelChoiceField(queryset=None, label="State", empty_label=None)
    name = forms.CharField(
        label="Name of the cycle",
        max_length=40,
        help_text="For example 2027-28. Each cycle of a state has its own name.",
    )
    assessments_due_on = forms.DateField(
        label="Assessments due",
        help_text="The date by which staff submit each LEA's needs assessment.",
        widget=DateInput,
    )
    reviews_due_on = forms.DateField(
        label="Reviews due",
        help_text="The date by which administrators accept or return them; on or after "
        "the assessments' due date.",
        widget=DateInput,
    )
    leas = forms.ChoiceField(
        label="Which LEAs take part",
        choices=LEA_CHOICES,
        initial="all",
        widget=forms.RadioSelect,
    )
    agency_types = forms.MultipleChoiceField(
        label="Agency types",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to take every agency type.",
    )
    locales = forms.MultipleChoiceField(
        label="Locales",
        required=False,
        choices=[c for c in Locale.choices if c[0]],
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to take every locale.",
    )
    file = _csv_field(
        label="List of LEAIDs",
        help_text="One 7-digit NCES LEAID a line, in the first column; a header line is skipped.",
    )

    def __init__(self, *args, states, agency_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = states
        self.fields["agency_types"].choices = [(t, t) for t in agency_types]

    def clean(self):
        data = super().clean()
        if data.get("leas") == "upload" and not data.get("file"):
            self.add_error("file", "Choose the file of LEAIDs to upload.")
        if data.get("leas") == "filtered" and not (data.get("agency_types") or data.get("locales")):
            self.add_error("agency_types", "Tick at least one agency type or locale.")
        if data.get("leas") == "upload" and data.get("file"):
            try:
                data["file_text"] = read_csv_upload(data["file"])
            except forms.ValidationError as exc:
                self.add_error("file", exc)
        return data

    def lea_choice(self, leaids=None) -> LeaChoice:
        data = self.cleaned_data
        if data["leas"] == "filtered":
            return LeaChoice(
                agency_types=tuple(data["agency_types"]), locales=tuple(data["locales"])
            )
        if data["leas"] == "upload":
            return LeaChoice(leaids=leaids)
        return LeaChoice()


class AssignmentUploadForm(forms.Form):
    file = _csv_field(
        label="Assignments",
        help_text="Two columns a line: the LEA's 7-digit LEAID, then the username of the "
        "staff member it goes to. A header line is skipped.",
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            raise forms.ValidationError("Choose the file of assignments to upload.")
        return read_csv_upload(upload)


class BulkAssignForm(forms.Form):
    """The LEA list's bulk action: the ticked rows' assessments and who they go to."""

    assessments = forms.TypedMultipleChoiceField(
        label="LEAs", coerce=int, error_messages={"required": "Tick at least one LEA."}
    )
    assignee = forms.ModelChoiceField(
        queryset=None,
        label="Assign the ticked LEAs to",
        empty_label="Choose a person",
        error_messages={"required": "Choose the person to assign the ticked LEAs to."},
    )

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.username})"
        )
        # Any whole number is a candidate; the service decides which the user may assign.
        self.fields["assessments"].choices = [
            (v, v)
            for v in (self.data.getlist("assessments") if self.is_bound else [])
            if str(v).isdigit() and len(str(v)) <= 10
        ]
