import datetime

import factory

from accounts.models import Role, User
from assessments.models import Assessment, AssessmentCycle
from directory.models import LEA, Locale, State

DEMO_PASSWORD = "test-password-2026"


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
    name = factory.Sequence(lambda n: f"District {n} School District")
    locale = Locale.RURAL
    locale_code = "42"
    enrollment = 1200
    school_count = 4


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentCycle

    state = factory.SubFactory(StateFactory)
    name = "2026-27"
    starts_on = datetime.date(2026, 8, 1)
    ends_on = datetime.date(2027, 6, 30)
    is_open = True


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    lea = factory.SubFactory(LEAFactory)
    cycle = factory.LazyAttribute(lambda o: CycleFactory(state=o.lea.state))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.STATE_STAFF
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()
