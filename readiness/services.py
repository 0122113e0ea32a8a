"""Writes for states, LEAs, frameworks, users and assessments."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from .framework import FrameworkError, content_hash, framework_parse
from .models import (
    LEA,
    Assessment,
    Domain,
    FrameworkVersion,
    Indicator,
    Lever,
    Role,
    State,
    User,
)


@transaction.atomic
def framework_load(*, path: Path | str) -> tuple[FrameworkVersion, str]:
    """Validate and load a framework file. Returns the version and what happened.

    A version already used by an assessment cycle with assessments is immutable: loading
    it again is accepted only when the content is identical, so every past score
    can be recomputed exactly.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FrameworkError([f"cannot read {path}: {exc.strerror}"]) from None
    content = framework_parse(text)
    digest = content_hash(content)
    existing = (
        FrameworkVersion.objects.select_for_update()
        .filter(code=content["code"], version=content["version"])
        .first()
    )
    if existing is not None:
        if existing.content_hash == digest:
            return existing, "unchanged"
        if Assessment.objects.filter(cycle__framework=existing).exists():
            raise FrameworkError(
                [
                    f"{existing.label} is already used by assessments and its content differs; "
                    "publish the change as a new version number instead"
                ]
            )
        existing.content, existing.content_hash, existing.title = content, digest, content["title"]
        existing.save(update_fields=["content", "content_hash", "title", "loaded_at"])
        fv, outcome = existing, "updated"
    else:
        fv = FrameworkVersion.objects.create(
            code=content["code"],
            version=content["version"],
            title=content["title"],
            content=content,
            content_hash=digest,
        )
        outcome = "created"
    _framework_rows_sync(fv=fv, content=content)
    return fv, outcome


def _framework_rows_sync(*, fv: FrameworkVersion, content: dict) -> None:
    """Mirror the file's domains, levers and indicators as rows, matched on code."""
    levers = {}
    for pos, spec in enumerate(content["levers"], start=1):
        levers[spec["code"]], _ = Lever.objects.update_or_create(
            framework=fv,
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "group": spec["group"],
                "summary": spec["summary"],
                "position": pos,
            },
        )
    domains = {}
    position = 0
    indicator_codes = []
    for dpos, dspec in enumerate(content["domains"], start=1):
        domain, _ = Domain.objects.update_or_create(
            framework=fv, code=dspec["code"], defaults={"name": dspec["name"], "position": dpos}
        )
        domains[dspec["code"]] = domain
        for area in dspec["areas"]:
            for ispec in area["indicators"]:
                position += 1
                indicator, _ = Indicator.objects.update_or_create(
                    framework=fv,
                    code=ispec["code"],
                    defaults={
                        "domain": domain,
                        "area": area["name"],
                        "title": ispec["title"],
                        "prompt": ispec["prompt"],
                        "position": position,
                    },
                )
                indicator.levers.set([levers[c] for c in ispec["levers"]])
                indicator_codes.append(ispec["code"])
    Indicator.objects.filter(framework=fv).exclude(code__in=indicator_codes).delete()
    Domain.objects.filter(framework=fv).exclude(code__in=domains).delete()
    Lever.objects.filter(framework=fv).exclude(code__in=levers).delete()


def framework_current() -> FrameworkVersion | None:
    return FrameworkVersion.objects.order_by("-version").first()


def user_add(
    *,
    username: str,
    password: str,
    role: str,
    state_code: str | None = None,
    leaid: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user with a role and the state or LEA the role belongs to."""
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}; use one of {', '.join(Role.values)}.")
    state = lea = None
    if role == Role.DISTRICT_LEADER:
        if not leaid:
            raise ValidationError("A district leader needs --lea with the LEA's 7-digit LEAID.")
        lea = LEA.objects.select_related("state").filter(leaid=leaid).first()
        if lea is None:
            raise ValidationError(f"No LEA with LEAID {leaid}.")
        state = lea.state
    elif role in (Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE):
        if not state_code:
            raise ValidationError(f"A {Role(role).label.lower()} needs --state with a USPS code.")
        state = State.objects.filter(code=state_code.upper()).first()
        if state is None:
            raise ValidationError(f"No state with code {state_code.upper()}.")
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"A user named {username!r} already exists.")
    user = User(
        username=username,
        role=role,
        state=state,
        lea=lea,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.NATIONAL_ADMIN,
        is_superuser=role == Role.NATIONAL_ADMIN,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user
