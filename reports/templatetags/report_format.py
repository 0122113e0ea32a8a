"""Number formatting shared by the report pages and PDFs."""

from django import template

register = template.Library()


@register.filter
def score(value, missing="—"):
    """A score to one decimal, or `missing` when there is none (never a zero)."""
    if value is None or value == "":
        return missing
    return f"{float(value):.1f}"


@register.filter
def signed(value, missing="—"):
    """A change with its sign (+4.2, −3.1, 0.0), or `missing`."""
    if value is None or value == "":
        return missing
    value = float(value)
    if value > 0:
        return f"+{value:.1f}"
    if value < 0:
        return f"−{abs(value):.1f}"
    return "0.0"
