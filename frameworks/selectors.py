"""Reads of framework versions."""

from .document import Framework, framework_from_content
from .models import FrameworkVersion


def framework_specs_by_id(*, ids) -> dict[int, Framework]:
    """The typed framework of each version id, in exactly one query."""
    rows = FrameworkVersion.objects.filter(id__in=set(ids)).values_list(
        "id", "content", "content_hash"
    )
    return {pk: framework_from_content(content, digest=digest) for pk, content, digest in rows}


def framework_version_list() -> list[FrameworkVersion]:
    """Every loaded framework version, newest first, without their content (read it typed
    through `FrameworkVersion.spec`)."""
    return list(FrameworkVersion.objects.defer("content").order_by("-version", "-pk"))


def framework_for_new_cycles() -> FrameworkVersion | None:
    """The version a new assessment cycle is scored with unless another is chosen: the
    newest loaded one (cbe-v2 once it is loaded)."""
    return FrameworkVersion.objects.defer("content").order_by("-version", "-pk").first()
