from django import forms
from django.core.exceptions import ValidationError

from frameworks.document import Framework

from .models import CITATION_MAX_LENGTH, Participation, citation_normalize, validate_citation
from .selectors import SIMULATE_RECORDED, SIMULATED_PARTICIPATION, LeverState, StateActionRow
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


# --- who takes part in an enacted lever ----------------------------------------------------


class ParticipationForm(forms.Form):
    """Every LEA, or the LEAs ticked in the list (the state's LEAs, by name)."""

    participation = forms.ChoiceField(
        label="Which LEAs take part?",
        choices=Participation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose every LEA or only the LEAs ticked below."},
    )
    leas = forms.MultipleChoiceField(
        label="LEAs taking part",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick each LEA that takes part. Only used when “only the LEAs chosen” is picked.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, leas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leas"].choices = leas
        self.fields["leas"].error_messages["invalid_choice"] = (
            "“%(value)s” is not an LEA of this state."
        )
        self.fields["version"].error_messages["required"] = (
            "This page is out of date; reload it and make your changes again."
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("participation") == Participation.LISTED and not cleaned.get("leas"):
            self.add_error(
                "leas",
                ValidationError(
                    "Tick at least one LEA, or choose every LEA.", code="no_lea_chosen"
                ),
            )
        return cleaned


class ParticipationUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file of the LEAs taking part",
        help_text="A CSV file whose first line names its columns, one of them LEAID; then "
        "one LEA a line, by its 7-digit NCES LEAID. Other columns are ignored. The list "
        "replaces the one recorded now.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Choose a CSV file to load."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- the what-if simulator -----------------------------------------------------------------


class SimulationForm(forms.Form):
    """A status for each lever and, for an enacted lever, who would take part. Read from
    the query string (the simulator stores nothing); a field `<lever>` and `<lever>-part`
    per lever, starting from the recorded values."""

    def __init__(self, *args, framework: Framework, initial_statuses: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.framework = framework
        enacted = framework.status_label(framework.partial_status_code).lower()
        for lever in framework.levers:
            self.fields[lever.code] = forms.ChoiceField(
                label=lever.name,
                choices=framework.status_choices,
                initial=initial_statuses.get(lever.code, framework.statuses[0].code),
                required=False,  # a lever left out of the query counts as "none"
                error_messages={"invalid_choice": f"“%(value)s” is not a status of {lever.name}."},
            )
            self.fields[f"{lever.code}-part"] = forms.ChoiceField(
                label=f"If {enacted}, who takes part in {lever.name}",
                choices=SIMULATED_PARTICIPATION,
                initial=SIMULATE_RECORDED,
                required=False,
                error_messages={"invalid_choice": f"“%(value)s” is not a choice for {lever.name}."},
            )

    def clean(self):
        cleaned = super().clean()
        # Every parameter must name a lever of the framework (or its participation).
        known = set(self.fields)
        for key in self.data:
            if key not in known:
                lever = key.removesuffix("-part")
                self.add_error(
                    None,
                    ValidationError(
                        f"“{lever}” is not a lever of {self.framework.label}.",
                        code="unknown_lever",
                    ),
                )
        return cleaned

    def rows(self):
        """(status field, participation field) per lever, grouped as the framework groups
        them: [(group, [(status, part), ...]), ...]."""
        return [
            (
                group,
                [
                    (self[lever.code], self[f"{lever.code}-part"])
                    for lever in self.framework.levers_in_group(group.code)
                ],
            )
            for group in self.framework.lever_groups
        ]

    def statuses(self) -> dict[str, str]:
        none = self.framework.statuses[0].code
        return {
            lever.code: self.cleaned_data.get(lever.code) or none for lever in self.framework.levers
        }

    def participation(self) -> dict[str, str]:
        return {
            lever.code: self.cleaned_data.get(f"{lever.code}-part") or SIMULATE_RECORDED
            for lever in self.framework.levers
        }


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
