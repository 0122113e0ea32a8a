from django import forms

from .models import NotificationKind


class TokenConfirmForm(forms.Form):
    """Asks a person to confirm that scripts using their current API token will stop
    working (before it is replaced or revoked)."""

    confirm = forms.BooleanField(
        label="I understand that scripts using my current token will stop working",
        error_messages={"required": "Tick the box to confirm, or go back to your settings."},
    )


class TokenShownForm(forms.Form):
    """Not for sending: shows a new token's key once, in a read-only field the person can
    select and copy, with the same markup as every other field."""

    key = forms.CharField(
        label="Your new API token",
        help_text="40 letters and digits. Select it all and copy it.",
        required=False,
        widget=forms.TextInput(
            attrs={
                "readonly": True,
                "class": "font-mono-sm cbe-token-key",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )


class NotificationPreferencesForm(forms.Form):
    """Which kinds of email a person gets; every kind is ticked until they untick it."""

    kinds_on = forms.MultipleChoiceField(
        label="Email me when",
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick what you do not want. The due and overdue reminders come together "
        "in at most one email a day.",
    )
