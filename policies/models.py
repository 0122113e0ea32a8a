import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from simple_history.models import HistoricalRecords

from accounts.models import User
from assessments.models import AssessmentCycle
from directory.models import LEA, State
from frameworks.models import Lever


class PolicyStatus(models.TextChoices):
    NONE = "none", "None"
    EXPLORING = "exploring", "Exploring"
    ENACTED = "enacted", "Enacted"
    STATEWIDE = "statewide", "Statewide"


class Participation(models.TextChoices):
    """Which LEAs take part in an enacted lever. Blank: not recorded."""

    ALL = "all", "Every LEA in the state"
    LISTED = "listed", "Only the LEAs chosen"


CITATION_MAX_LENGTH = 300

# --- citations ---------------------------------------------------------------
#
# A citation is either a web address or a reference to a statute, rule, bill or
# public law. The rule is deliberately permissive, because states write their codes
# in many ways, but it still asks for something a reader could look up:
#
# 1. Blank is allowed here (an enacted or statewide lever needs one; the form and
#    the service check that). Surrounding spaces are removed and runs of spaces,
#    tabs or line breaks become one space.
# 2. At most 300 characters.
# 3. Script and data links are refused: "javascript:" or "vbscript:" anywhere, "data:"
#    at the start.
# 4. Anything with "://" in it, or starting with "www.", is a web address: it must be
#    a complete http:// or https:// address (Django's URLValidator) without the
#    characters URLs may not contain (< > " \ ^ ` { | }).
# 5. Anything else is a reference, which must contain at least one letter and one
#    digit ("SB 45", "RSA 193-C:3", "20 U.S.C. § 6311", "Pub. L. 114-95") and use
#    only letters, digits, spaces and the punctuation legal citations use:
#    . , ; : ' ’ " “ ” ( ) [ ] / - – — § ¶ & # +
#    So no angle brackets, braces, backslashes, "@", "=", "?" or control characters.

_SCRIPT_SCHEMES = re.compile(r"\b(?:java|vb)script\s*:|^data\s*:", re.IGNORECASE)
_REFERENCE_PUNCTUATION = ".,;:'’\"“”()[]/-–—§¶&#+ "
_WEB = URLValidator(schemes=["http", "https"])
_URL_UNSAFE = '<>"\\^`{|}'


def citation_normalize(value: str) -> str:
    """Trim a citation and turn every run of whitespace into one space."""
    return " ".join((value or "").split())


def citation_is_url(value: str) -> bool:
    """True for a citation written as a web address (see the rule above)."""
    value = citation_normalize(value)
    return "://" in value or value.lower().startswith("www.")


def validate_citation(value: str) -> None:
    """Check a citation against the rule above; raises ValidationError with a clear message."""
    value = citation_normalize(value)
    if not value:
        return
    if len(value) > CITATION_MAX_LENGTH:
        raise ValidationError(
            "A citation can be at most %(max)d characters; this one has %(n)d.",
            code="citation_too_long",
            params={"max": CITATION_MAX_LENGTH, "n": len(value)},
        )
    if _SCRIPT_SCHEMES.search(value):
        raise ValidationError(
            "A citation cannot be a script or data link. Enter a web address starting with "
            "https:// or a reference such as “RSA 193-C:3”.",
            code="citation_script",
        )
    if citation_is_url(value):
        if value.lower().startswith("www."):
            raise ValidationError(
                "Add https:// at the start of the web address, for example https://%(value)s.",
                code="citation_url_scheme",
                params={"value": value},
            )
        scheme = value.split("://", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise ValidationError(
                "Only web pages can be cited: the address must start with https:// or http://, "
                "not %(scheme)s://.",
                code="citation_url_scheme",
                params={"scheme": scheme[:20]},
            )
        # URLValidator lets these through in a path; RFC 3986 does not.
        unsafe = sorted(set(value) & set(_URL_UNSAFE))
        if unsafe:
            raise ValidationError(
                "A web address cannot contain %(chars)s; copy the address from the browser’s "
                "address bar.",
                code="citation_url_characters",
                params={"chars": " ".join(f"“{c}”" for c in unsafe)},
            )
        try:
            _WEB(value)
        except ValidationError:
            raise ValidationError(
                "This web address is not complete. Enter the full address of the statute, rule "
                "or page, starting with https:// or http://, for example "
                "https://www.education.nh.gov/rules.",
                code="citation_url",
            ) from None
        return
    unexpected = sorted({c for c in value if not c.isalnum() and c not in _REFERENCE_PUNCTUATION})
    if unexpected:
        raise ValidationError(
            "A reference may use letters, digits, spaces and the punctuation of legal "
            "citations ( . , ; : ' \" ( ) [ ] / - § ¶ & # + ); remove %(chars)s.",
            code="citation_characters",
            params={"chars": " ".join(f"“{c}”" for c in unexpected)},
        )
    if not any(c.isalpha() for c in value) or not any(c.isdigit() for c in value):
        raise ValidationError(
            "A reference needs both letters and a number so a reader can look it up, for "
            "example “RSA 193-C:3”, “HB 1234 (2023)” or “20 U.S.C. § 6311”. You can also "
            "give a web address starting with https://.",
            code="citation_reference",
        )


class StatePolicyProfile(models.Model):
    """The state's position on the nine levers, for one assessment cycle."""

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="policy_profiles")
    cycle = models.ForeignKey(
        AssessmentCycle, on_delete=models.PROTECT, related_name="policy_profiles"
    )
    stage = models.CharField(max_length=20, blank=True)
    # The state-side duties the framework lists under `policy.state_actions` (cbe-v2):
    # {action code: {"status": status code, "note": text}}. Checked against the framework
    # by policies.services.policy_profile_state_actions_update, the only writer.
    state_actions = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state", "cycle"], name="one_profile_per_state_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.state.code} {self.cycle.name} policy profile"


class LeverStatus(models.Model):
    profile = models.ForeignKey(
        StatePolicyProfile, on_delete=models.CASCADE, related_name="lever_statuses"
    )
    lever = models.ForeignKey(Lever, on_delete=models.PROTECT, related_name="statuses")
    status = models.CharField(
        max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.NONE
    )
    citation = models.CharField(
        max_length=CITATION_MAX_LENGTH,
        blank=True,
        validators=[validate_citation],
        help_text="The statute, rule, bill or web page, e.g. “RSA 193-C:3” or an https:// address.",
    )
    note = models.TextField(max_length=2000, blank=True)
    # Who takes part while the lever is enacted (see policies.selectors.lever_reach).
    # The chosen LEAs are LeverParticipant rows; their number is kept here as well, so
    # the lever's history shows every change of who takes part.
    participation = models.CharField(
        max_length=10, choices=Participation.choices, blank=True, default=""
    )
    participant_count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["lever__position"]
        verbose_name_plural = "lever statuses"
        constraints = [
            models.UniqueConstraint(fields=["profile", "lever"], name="one_status_per_lever")
        ]

    def __str__(self) -> str:
        return f"{self.lever.code}: {self.status}"

    @property
    def citation_url(self) -> str:
        """The citation when it is a web address safe to link to, else ""."""
        return citation_link(self.citation)


class LeverParticipant(models.Model):
    """An LEA chosen as taking part in an enacted lever (participation "listed")."""

    lever_status = models.ForeignKey(
        LeverStatus, on_delete=models.CASCADE, related_name="participants"
    )
    lea = models.ForeignKey(LEA, on_delete=models.PROTECT, related_name="lever_participations")
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lever_status", "lea"], name="one_row_per_lever_lea")
        ]

    def __str__(self) -> str:
        return f"{self.lea_id} takes part in {self.lever_status_id}"


def citation_link(citation: str) -> str:
    """The citation if it is a valid http(s) address (safe to put in an href), else ""."""
    if not citation or not citation_is_url(citation):
        return ""
    try:
        _WEB(citation)
    except ValidationError:
        return ""
    return citation


class CycleLeverSummary(models.Model):
    """Per cycle (one state's cycle), how the state's LEAs' gaps stand against each lever:
    the counts `policies.selectors.state_levers_held_back` shows, built from the
    assessments' stored gap indicators and the recorded levers. `stamp` names the rows it
    was built from, so a summary older than its rows is never used (it is rebuilt first)."""

    cycle = models.OneToOneField(
        AssessmentCycle, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    stamp = models.CharField(max_length=200)
    doc = models.JSONField(default=dict)
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Lever summary of cycle {self.cycle_id}"
