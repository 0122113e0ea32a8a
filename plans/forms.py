"""Plan forms. They read the input; the rules (dates in order, an owner, priorities
only on gaps) are the services' (plans/services.py), whose refusals are put back on the
field they name (`form_refused`)."""

from django import forms

from .models import TEXT_MAX_LENGTH, Task
from .services import PlanError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _text(
    label: str, *, required: bool = True, rows: int = 2, help_text: str = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PrioritiesForm(forms.Form):
    priorities = forms.MultipleChoiceField(
        label="Priorities for this cycle",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priorities"].choices = [
            (c.code, f"{c.rank}. {c.code} {c.title} ({c.category_label.lower()})") for c in choices
        ]


class ObjectiveForm(VersionForm):
    statement = _text(
        "What will be true",
        help_text="Describe what people will see when this gap has closed.",
    )
    target_on = forms.DateField(label="By when", widget=DateInput)


class TaskForm(forms.Form):
    description = _text("Task")
    owner_name = forms.CharField(
        label="Owner",
        max_length=200,
        help_text="The person responsible, by name.",
        error_messages={"required": "Name the person responsible for this task."},
    )
    owner_user = forms.TypedChoiceField(
        label="Owner’s portal account (optional)", required=False, coerce=int, empty_value=None
    )
    starts_on = forms.DateField(label="Start date", widget=DateInput)
    due_on = forms.DateField(label="Due date", widget=DateInput)
    status = forms.ChoiceField(label="Status", choices=Task.Status.choices)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].choices = [("", "No portal account")] + [
            (user.pk, user.get_full_name() or user.get_username()) for user in owners
        ]


class TaskEditForm(TaskForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TaskStatusForm(VersionForm):
    status = forms.ChoiceField(label="Status", choices=Task.Status.choices)


class NoteForm(forms.Form):
    body = _text("Progress note", help_text="What happened since the last note.")
    evidence = _text(
        "Evidence (optional)",
        required=False,
        help_text="Where to find what shows it: a document, a link, data.",
    )
    noted_on = forms.DateField(label="Date", required=False, widget=DateInput)


class CommentForm(forms.Form):
    body = _text(
        "Coaching comment",
        rows=3,
        help_text="The LEA’s leaders and the state’s staff can read it.",
    )


def form_refused(form: forms.Form, exc: PlanError) -> None:
    """Show a service's refusal on the field it names (or above the form)."""
    field = exc.field if exc.field in form.fields and exc.field != "version" else None
    form.add_error(field, exc.message)
