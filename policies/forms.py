from django import forms
from django.core.exceptions import ValidationError

from frameworks.document import Framework

from .models import CITATION_MAX_LENGTH, citation_normalize, validate_citation
from .selectors import LeverState, StateActionRow
from .services import NOTE_MAX_LENGTH, LeverEdit, StateActionEdit, citation_required_message


class LeverStatusForm(forms.Form):
    """One lever of the profile edit page. Nine of these, each prefixed with its lever
    code, are posted together in one HTML form."""

    status = forms.ChoiceField(label="Status", widget=forms.RadioSelect)
    citation = forms.CharField(
        label="Citation",
        required=False,
        help_text="Statute, rule, bill or https:// address. Needed once the lever is in force.",
        widget=forms.TextInput(
            attrs={"maxlength": CITATION_MAX_LENGTH, "autocomplete": "off", "class": "maxw-full"}
        ),
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "maxw-full height-10"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, lever: LeverState, framework: Framework, **kwargs):
        kwargs.setdefault("prefix", lever.code)
        kwargs.setdefault(
            "initial",
            {
                "status": lever.status,
                "citation": lever.citation,
                "note": lever.note,
                "version": lever.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.lever = lever
        self.framework = framework
        # Set by the view after a stale save: the version someone else saved meanwhile.
        self.conflict: LeverState | None = None
        choices = framework.status_choices
        names = ", ".join(label for _, label in choices[:-1]) + f" or {choices[-1][1]}"
        self.fields["status"].choices = choices
        self.fields["status"].error_messages.update(
            {
                "required": f"Choose a status for {lever.name}: {names}.",
                "invalid_choice": (
                    f"“%(value)s” is not a status. Choose one of the four: {names}."
                ),
            }
        )
        self.fields["version"].error_messages.update(
            {"required": "This page is out of date; reload it and make your changes again."}
        )

    def clean_citation(self) -> str:
        citation = citation_normalize(self.cleaned_data.get("citation", ""))
        validate_citation(citation)
        return citation

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if (
            status in self.framework.active_status_codes
            and not cleaned.get("citation")
            and "citation" not in self.errors
        ):
            self.add_error(
                "citation",
                ValidationError(
                    citation_required_message(self.framework, status), code="citation_required"
                ),
            )
        return cleaned

    def lever_edit(self) -> LeverEdit:
        data = self.cleaned_data
        return LeverEdit(
            lever=self.lever.code,
            status=data["status"],
            citation=data["citation"],
            note=data["note"].strip(),
            version=data["version"],
        )


def lever_forms_build(
    *, levers: list[LeverState], framework: Framework, data=None
) -> list[LeverStatusForm]:
    return [LeverStatusForm(data, lever=lever, framework=framework) for lever in levers]


class StateActionForm(forms.Form):
    """One state action of the state-actions page, prefixed with the action's code."""

    status = forms.ChoiceField(label="Status", widget=forms.RadioSelect)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "maxw-full height-10"}),
    )

    def __init__(self, *args, action: StateActionRow, choices: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("prefix", action.code)
        kwargs.setdefault("initial", {"status": action.status, "note": action.note})
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["status"].choices = choices
        self.fields["status"].error_messages.update(
            {"required": f"Choose a status for {action.name}."}
        )

    def action_edit(self) -> StateActionEdit:
        return StateActionEdit(
            action=self.action.code,
            status=self.cleaned_data["status"],
            note=self.cleaned_data["note"],
        )


def state_action_forms_build(
    *, actions: list[StateActionRow], framework: Framework, data=None
) -> list[StateActionForm]:
    state_actions = framework.state_actions
    choices = [(s.code, s.label) for s in state_actions.statuses] if state_actions else []
    return [StateActionForm(data, action=action, choices=choices) for action in actions]
