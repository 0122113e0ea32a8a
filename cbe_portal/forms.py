"""Form pieces shared by every app, rendered by the USWDS templates in
templates/django/forms/ (FORM_RENDERER is TemplatesSetting)."""

from django import forms
from django.forms.boundfield import BoundField


class RadioTiles(forms.RadioSelect):
    """USWDS tile radios, each option with a description under its label.

    `descriptions` maps an option's value to its description; `option_classes` adds a
    class to the wrapper of particular options (e.g. to set one apart). Option ids are
    `<field id>-<value>`, so a link or a test can name an option by its value. The
    group has no fieldset of its own: it sits in the question's fieldset."""

    template_name = "django/forms/widgets/radio_tiles.html"
    option_template_name = "django/forms/widgets/radio_tile_option.html"
    use_fieldset = False

    def __init__(self, attrs=None, choices=(), descriptions=None, option_classes=None):
        super().__init__(attrs, choices)
        self.descriptions = dict(descriptions or {})
        self.option_classes = dict(option_classes or {})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if "id" in option["attrs"] and attrs and attrs.get("id"):
            option["attrs"]["id"] = f"{attrs['id']}-{value}"
        option["description"] = self.descriptions.get(str(value), "")
        option["wrapper_class"] = self.option_classes.get(str(value), "")
        return option


class CharacterCountTextarea(forms.Textarea):
    """A textarea with the USWDS character count; the count's message (rendered by the
    field template) is the first thing the textarea is described by."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if widget_attrs.get("id"):
            described = [f"{widget_attrs['id']}-info", widget_attrs.get("aria-describedby")]
            widget_attrs["aria-describedby"] = " ".join(d for d in described if d)
        widget_attrs["class"] = " ".join(
            c for c in ("usa-character-count__field", widget_attrs.get("class")) if c
        )
        return context


class CharacterCountField(forms.CharField):
    """Text with a USWDS character count up to `max_length` (the browser counts; the form
    still checks)."""

    widget = CharacterCountTextarea
    template_name = "django/forms/character_count_field.html"

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault("template_name", self.template_name)
        super().__init__(max_length=max_length, **kwargs)


class QuestionBoundField(BoundField):
    """Field ids `<form.id_prefix>-<field name>` rather than from the prefixed name: a
    page of several question forms keeps short ids that match its anchors."""

    @property
    def auto_id(self):
        prefix = getattr(self.form, "id_prefix", "")
        return f"{prefix}-{self.name}" if prefix else super().auto_id


class QuestionForm(forms.Form):
    """A form that asks one question: rendered (templates/django/forms/question.html) as
    one fieldset whose legend is `legend` (after an optional short `number`) and whose
    hint is `hint`, then the form's errors and each field's group. `mark_optional` labels
    optional fields "(optional)"."""

    template_name = "django/forms/question.html"
    bound_field_class = QuestionBoundField
    mark_optional = True

    def __init__(self, *args, legend="", number="", hint="", id_prefix="", **kwargs):
        super().__init__(*args, **kwargs)
        self.legend = legend
        self.number = number
        self.hint = hint
        self.id_prefix = id_prefix

    @property
    def question_errors(self):
        """The form's own errors and its hidden fields' (Django's top errors)."""
        return self.get_context()["errors"]

    @property
    def hint_id(self) -> str:
        return f"{self.id_prefix}-hint" if self.id_prefix else ""

    @property
    def error_id(self) -> str:
        return f"{self.id_prefix}-error" if self.id_prefix else ""
