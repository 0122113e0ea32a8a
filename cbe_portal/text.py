"""Which characters the portal refuses in text it is sent."""

import unicodedata

from django.core.exceptions import ValidationError

# Tab, line feed and carriage return are ordinary text; every other control character is
# refused. NUL in particular cannot be stored in PostgreSQL at all.
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def control_character(text: str) -> str | None:
    """The first control character in `text` other than tab and line breaks, or None."""
    for char in text:
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) == "Cc":
            return char
    return None


def control_characters_refuse(value: str) -> None:
    """A validator: refuses text with a control character other than tab and line breaks."""
    char = control_character(value) if isinstance(value, str) else None
    if char is not None:
        raise ValidationError(control_character_message("This text", char))


def control_character_message(name: str, char: str) -> str:
    code = f"U+{ord(char):04X}" + (" NUL" if char == "\x00" else "")
    return (
        f"{name} contains a control character ({code}), which the portal does not accept. "
        "Remove it and send again."
    )
