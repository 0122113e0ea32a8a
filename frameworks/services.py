"""Loading framework files into the database."""

from pathlib import Path

from django.db import transaction

from .document import FrameworkError, content_hash, framework_parse
from .models import Domain, FrameworkVersion, Indicator, Lever


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
        # Through the reverse relations, so that frameworks need not import assessments.
        if existing.cycles.filter(assessments__isnull=False).exists():
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
    """The newest framework version, without its content: read that through
    `access.selectors.framework_content`, which keeps it in memory."""
    return FrameworkVersion.objects.defer("content").order_by("-version", "-pk").first()
