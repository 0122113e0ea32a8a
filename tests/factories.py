"""factory-boy factories, one for every model, and the helpers tests share to build rows.

Framework rows (FrameworkVersion, Domain, Lever, Indicator) normally come from the
shipped file, loaded once per test session (tests/conftest.py); their factories here
make small extra ones for tests that need a framework of their own.
"""

import datetime
from pathlib import Path

import factory
import yaml

from accounts.models import Role, User
from assessments.models import Answer, Assessment, AssessmentCycle, Comment
from directory.models import LEA, ImportJob, Locale, State
from frameworks.models import Domain, FrameworkVersion, Indicator, Lever
from frameworks.services import framework_load
from policies.models import LeverStatus, PolicyStatus, StatePolicyProfile
from reports.models import ReportBatch, ReportJob

DEMO_PASSWORD = "test-password-2026"
FRAMEWORK_PATH = Path(__file__).resolve().parent.parent / "frameworks" / "cbe-v1.yaml"
FRAMEWORK_V2_PATH = FRAMEWORK_PATH.with_name("cbe-v2.yaml")


def _key(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {key: data[key] for key in ("code", "version")}


_FRAMEWORK_KEY = _key(FRAMEWORK_PATH)
_FRAMEWORK_V2_KEY = _key(FRAMEWORK_V2_PATH)
STATE_ROLES = (Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE)
# A citation of the form the citation rule accepts, for active statuses given without one.
DEFAULT_CITATION = "RSA 193-C:3"


def shipped_framework() -> FrameworkVersion:
    """The row of frameworks/cbe-v1.yaml, loading the file only when it is missing."""
    fv = FrameworkVersion.objects.filter(**_FRAMEWORK_KEY).first()
    if fv is None:
        fv, _ = framework_load(path=FRAMEWORK_PATH)
    return fv


PARTICIPATION_VERSION = 901
RENAMED_DOMAIN_VERSION = 902


def framework_variant(tmp_dir: Path, *, version: int, edits=()) -> FrameworkVersion:
    """A copy of the shipped framework as another version of the same code, with each
    (old, new) text replacement of `edits` made once; loaded unless already there."""
    existing = FrameworkVersion.objects.filter(code=_FRAMEWORK_KEY["code"], version=version).first()
    if existing is not None:
        return existing
    text = FRAMEWORK_PATH.read_text(encoding="utf-8")
    text = text.replace(f"version: {_FRAMEWORK_KEY['version']}\n", f"version: {version}\n", 1)
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = Path(tmp_dir) / f"cbe-variant-{version}.yaml"
    path.write_text(text, encoding="utf-8")
    fv, _ = framework_load(path=path)
    return fv


def renamed_domain_framework(tmp_dir: Path) -> FrameworkVersion:
    """A later version in which the last domain has a new code (so it does not count as
    the same domain): version 902."""
    return framework_variant(
        tmp_dir,
        version=RENAMED_DOMAIN_VERSION,
        edits=[("  - code: equity\n    name: ", "  - code: fairness\n    name: ")],
    )


def participation_framework(tmp_dir: Path) -> FrameworkVersion:
    """A copy of the shipped framework that declares participation (`policy.participation:
    true`, so an enacted lever with nobody recorded reaches nobody), whose first indicator
    no lever governs (its gaps are local). Version 901 of the same code."""
    existing = FrameworkVersion.objects.filter(
        code=_FRAMEWORK_KEY["code"], version=PARTICIPATION_VERSION
    ).first()
    if existing is not None:
        return existing
    text = FRAMEWORK_PATH.read_text(encoding="utf-8")
    text = text.replace(
        f"version: {_FRAMEWORK_KEY['version']}\n", f"version: {PARTICIPATION_VERSION}\n", 1
    )
    text = text.replace("policy:\n  statuses:", "policy:\n  participation: true\n  statuses:", 1)
    start = text.index("domains:")
    first = text.index("levers: [", start)
    end = text.index("]", first)
    text = text[:first] + "levers: []" + text[end + 1 :]
    path = Path(tmp_dir) / "cbe-participation.yaml"
    path.write_text(text, encoding="utf-8")
    fv, _ = framework_load(path=path)
    return fv


def shipped_framework_v2() -> FrameworkVersion:
    """The row of frameworks/cbe-v2.yaml, loading the file only when it is missing."""
    fv = FrameworkVersion.objects.filter(**_FRAMEWORK_V2_KEY).first()
    if fv is None:
        fv, _ = framework_load(path=FRAMEWORK_V2_PATH)
    return fv


# --- places and people ---------------------------------------------------------------


class StateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = State
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    fips = factory.Sequence(lambda n: f"{n % 100:02d}")
    name = factory.LazyAttribute(lambda o: f"State {o.code}")


class LEAFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LEA

    leaid = factory.Sequence(lambda n: f"{9000000 + n:07d}")
    state = factory.SubFactory(StateFactory)
    state_code = factory.SelfAttribute("state.code")
    name = factory.Sequence(lambda n: f"District {n} School District")
    locale = Locale.RURAL
    locale_code = "42"
    enrollment = 1200
    school_count = 4


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.STATE_STAFF
    # State roles need a state (a check constraint); given one unless the test names it.
    state = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in STATE_ROLES),
        yes_declaration=factory.SubFactory(StateFactory),
        no_declaration=None,
    )
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# --- the framework -------------------------------------------------------------------


class FrameworkVersionFactory(factory.django.DjangoModelFactory):
    """A framework row of its own; its content is a stub, so give `content` when a test
    reads it (or use `shipped_framework()`)."""

    class Meta:
        model = FrameworkVersion

    code = factory.Sequence(lambda n: f"test-framework-{n}")
    version = 1
    title = factory.LazyAttribute(lambda o: f"Framework {o.code}")
    content = factory.LazyAttribute(lambda o: {"code": o.code, "version": o.version})
    content_hash = factory.Sequence(lambda n: f"{n:064x}")


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    framework = factory.SubFactory(FrameworkVersionFactory)
    code = factory.Sequence(lambda n: f"domain-{n}")
    name = factory.Sequence(lambda n: f"Domain {n}")
    position = factory.Sequence(lambda n: n + 1)


class LeverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lever

    framework = factory.SubFactory(FrameworkVersionFactory)
    code = factory.Sequence(lambda n: f"lever_{n}")
    name = factory.Sequence(lambda n: f"Lever {n}")
    group = Lever.Group.GETTING_STARTED
    position = factory.Sequence(lambda n: n + 1)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    domain = factory.SubFactory(DomainFactory)
    framework = factory.SelfAttribute("domain.framework")
    code = factory.Sequence(lambda n: f"T{n}")
    area = "Test area"
    title = factory.Sequence(lambda n: f"Indicator {n}")
    prompt = "How far along is the district?"
    position = factory.Sequence(lambda n: n + 1)


# --- cycles and assessments ----------------------------------------------------------


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentCycle

    state = factory.SubFactory(StateFactory)
    name = "2026-27"
    starts_on = datetime.date(2026, 8, 1)
    ends_on = datetime.date(2027, 6, 30)
    framework = factory.LazyFunction(shipped_framework)
    is_open = True


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    lea = factory.SubFactory(LEAFactory)
    cycle = factory.LazyAttribute(lambda o: CycleFactory(state=o.lea.state))


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    assessment = factory.SubFactory(AssessmentFactory)
    indicator = factory.LazyAttribute(
        lambda o: o.assessment.cycle.framework.indicators.order_by("position").first()
    )
    rating = 3


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    assessment = factory.SubFactory(AssessmentFactory)
    author = factory.SubFactory(
        UserFactory,
        role=Role.STATE_ADMIN,
        state=factory.SelfAttribute("..assessment.lea.state"),
    )
    body = "Please add evidence for the ratings of 4."


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportJob

    file = factory.django.FileField(filename="ccd_lea.csv", data=b"LEAID,LEA_NAME\n")
    original_name = "ccd_lea.csv"
    uploaded_by = factory.SubFactory(UserFactory, role=Role.NATIONAL_ADMIN)


# --- policy --------------------------------------------------------------------------


class StatePolicyProfileFactory(factory.django.DjangoModelFactory):
    """A profile; pass `statuses` to give it a row for every lever of its framework
    (see `profile_create`)."""

    class Meta:
        model = StatePolicyProfile
        skip_postgeneration_save = True

    cycle = factory.SubFactory(CycleFactory)
    state = factory.SelfAttribute("cycle.state")

    @factory.post_generation
    def statuses(obj, create, extracted, updated_by=None, **kwargs):
        if create and extracted is not None:
            lever_statuses_create(profile=obj, statuses=extracted, user=updated_by)


class LeverStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeverStatus

    profile = factory.SubFactory(StatePolicyProfileFactory)
    lever = factory.LazyAttribute(
        lambda o: o.profile.cycle.framework.levers.order_by("position").first()
    )
    status = PolicyStatus.NONE


def lever_statuses_create(*, profile, statuses: dict, user=None) -> list[LeverStatus]:
    """A status row for every lever of the profile's framework. `statuses` maps a lever
    code to a status or to (status, citation); the others are "none". An active status
    given without a citation gets DEFAULT_CITATION. Rows are saved one by one so each
    has its first history record, as rows saved through the pages do."""
    rows = []
    for lever in Lever.objects.filter(framework_id=profile.cycle.framework_id):
        value = statuses.get(lever.code, PolicyStatus.NONE)
        status, citation = value if isinstance(value, tuple) else (value, "")
        if status in (PolicyStatus.ENACTED, PolicyStatus.STATEWIDE) and not citation:
            citation = DEFAULT_CITATION
        rows.append(
            LeverStatusFactory(
                profile=profile, lever=lever, status=status, citation=citation, updated_by=user
            )
        )
    return rows


def profile_create(
    *, state, cycle, statuses: dict | None = None, user=None, stage: str = ""
) -> StatePolicyProfile:
    """A policy profile with a status row for every lever (see lever_statuses_create)."""
    return StatePolicyProfileFactory(
        state=state,
        cycle=cycle,
        stage=stage,
        statuses=statuses or {},
        statuses__updated_by=user,
    )


# --- reports -------------------------------------------------------------------------


class ReportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportBatch

    cycle = factory.SubFactory(CycleFactory)
    state = factory.SelfAttribute("cycle.state")


class ReportJobFactory(factory.django.DjangoModelFactory):
    """An LEA report job; pass kind=ReportJob.Kind.STATE and lea=None for a statewide one."""

    class Meta:
        model = ReportJob

    kind = ReportJob.Kind.LEA
    lea = factory.SubFactory(LEAFactory)
    state = factory.LazyAttribute(lambda o: o.lea.state if o.lea else StateFactory())
    cycle = factory.LazyAttribute(
        lambda o: (
            AssessmentCycle.objects.filter(state=o.state).first() or CycleFactory(state=o.state)
        )
    )
