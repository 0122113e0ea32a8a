"""Loading framework files into the database."""

from pathlib import Path

from django.db import transaction

from cbe_portal.figures import every_figure_changed

from .document import (
    Framework,
    FrameworkError,
    content_hash,
    framework_from_content,
    framework_parse,
)
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
    framework = framework_from_content(content, digest=digest)
    existing = (
        FrameworkVersion.objects.select_for_update()
        .filter(code=framework.code, version=framework.version)
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
        existing.content, existing.content_hash, existing.title = content, digest, framework.title
        existing.save(update_fields=["content", "content_hash", "title", "loaded_at"])
        fv, outcome = existing, "updated"
    else:
        fv = FrameworkVersion.objects.create(
            code=framework.code,
            version=framework.version,
            title=framework.title,
            content=content,
            content_hash=digest,
        )
        outcome = "created"
    _framework_rows_sync(fv=fv, framework=framework)
    every_figure_changed()  # the national view shows the newest version's levers
    return fv, outcome


def _framework_rows_sync(*, fv: FrameworkVersion, framework: Framework) -> None:
    """Mirror the file's domains, levers and indicators as rows, matched on code."""
    levers = {}
    for pos, spec in enumerate(framework.levers, start=1):
        levers[spec.code], _ = Lever.objects.update_or_create(
            framework=fv,
            code=spec.code,
            defaults={
                "name": spec.name,
                "group": spec.group,
                "summary": spec.summary,
                "position": pos,
            },
        )
    domains = {}
    for dpos, dspec in enumerate(framework.domains, start=1):
        domain, _ = Domain.objects.update_or_create(
            framework=fv, code=dspec.code, defaults={"name": dspec.name, "position": dpos}
        )
        domains[dspec.code] = domain
    indicator_codes = []
    for position, ispec in enumerate(framework.indicators, start=1):
        indicator, _ = Indicator.objects.update_or_create(
            framework=fv,
            code=ispec.code,
            defaults={
                "domain": domains[ispec.domain],
                "area": ispec.area,
                "title": ispec.title,
                "prompt": ispec.prompt,
                "position": position,
            },
        )
        indicator.levers.set([levers[c] for c in ispec.levers])
        indicator_codes.append(ispec.code)
    Indicator.objects.filter(framework=fv).exclude(code__in=indicator_codes).delete()
    Domain.objects.filter(framework=fv).exclude(code__in=domains).delete()
    Lever.objects.filter(framework=fv).exclude(code__in=levers).delete()


def framework_current() -> FrameworkVersion | None:
    """The newest framework version, without its content: read it typed through
    `FrameworkVersion.spec`, which keeps it in memory."""
    return FrameworkVersion.objects.defer("content").order_by("-version", "-pk").first()
