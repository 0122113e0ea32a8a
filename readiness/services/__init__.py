"""Writes (services), one module per area. Import from the module, e.g.
`from readiness.services.frameworks import framework_load`."""

from .frameworks import framework_current, framework_load
from .users import user_add

__all__ = ["framework_current", "framework_load", "user_add"]

from .scores import assessment_list_rescore, assessment_rescore  # noqa: E402

__all__ += ["assessment_list_rescore", "assessment_rescore"]
