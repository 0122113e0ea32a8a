"""What a writer calls once a change may have moved a cycle's figures.

The state dashboard, the national view, the results pages and the PDFs read a cycle's
figures from its summaries (`assessments.summaries`, `policies.selectors`
`cycle_lever_summary`), which are rebuilt before use whenever their rows changed. To keep
pages from waiting on that rebuild, a writer asks for it here: after its transaction
commits, `dashboards.tasks.cycle_figures_refresh` is queued *by name* (this module imports
no app, so apps low in the layering can call it), at most once per cycle every
`FIGURES_REFRESH_DELAY` seconds however many answers are saved meanwhile. If the cache or
the broker is down nothing is lost: the next page to read the figures rebuilds them, and
the sweep does the rest.

The same call moves the figures' *generation* (`figures_page`): the dashboards keep each
rendered page body in the cache under the generations of the cycles and states it shows,
so viewing an unchanged dashboard again costs a cache read, not the figures and their
drawing. A change made through the app's services shows on the next view (the generation
moves at once and again when the transaction commits, so a page drawn between the two is
never kept); a change made around them (the admin, a shell) shows once the kept body
expires, after at most `FIGURES_PAGE_SECONDS`.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .celery import app

logger = logging.getLogger(__name__)

TASK = "dashboards.tasks.cycle_figures_refresh"


def _queue(kwargs: dict, key: str) -> None:
    delay = settings.FIGURES_REFRESH_DELAY
    try:
        if cache.add(key, 1, timeout=delay):
            app.signature(TASK, kwargs=kwargs).apply_async(countdown=delay, retry=False)
    except Exception as exc:  # noqa: BLE001 - the figures are rebuilt when next read
        logger.warning(
            "could not queue a figures refresh %s (%s: %s)", kwargs, type(exc).__name__, exc
        )


def cycle_figures_changed(*, cycle_id: int) -> None:
    """The cycle's assessments or recorded levers changed (or will, once this commits)."""
    _moved([_generation_key("cycle", cycle_id), _EVERY_STATE])
    transaction.on_commit(
        partial(_queue, {"cycle_id": cycle_id}, f"figures-refresh:cycle:{cycle_id}"), robust=True
    )


def state_figures_changed(*, state_id: int) -> None:
    """The state's LEAs changed: every open cycle of the state is refreshed."""
    _moved([_generation_key("state", state_id), _EVERY_STATE])
    transaction.on_commit(
        partial(_queue, {"state_id": state_id}, f"figures-refresh:state:{state_id}"), robust=True
    )


def cycle_pages_changed(*, cycle_id: int) -> None:
    """Something a dashboard shows beside the cycle's figures changed (its plans' priorities):
    its pages are drawn afresh; the summaries need no rebuild."""
    _moved([_generation_key("cycle", cycle_id), _EVERY_STATE])


def every_figure_changed() -> None:
    """Figures may have moved anywhere (scores recomputed, summaries rebuilt)."""
    _moved([_EVERYTHING])


# --- rendered pages kept by the generation of their figures --------------------------------

_EVERY_STATE = "figures-gen:all"
_EVERYTHING = "figures-gen:everything"
_PAGE_PREFIX = "figures-page:"
_VIEW_PREFIX = "figures-view:"
_KEEP_HERE = 32
_KEPT_HERE: dict[str, tuple[float, object]] = {}  # key: (expires at, body or view)
# Moved by `pages_forgotten` (tests: ids are reused from one test's rows to the next).
_epoch = [secrets.token_hex(4)]


def _generation_key(kind: str, pk: int) -> str:
    return f"figures-gen:{kind}:{pk}"


def _set_generations(keys: list[str]) -> None:
    token = secrets.token_hex(8)
    try:
        cache.set_many(dict.fromkeys(keys, token), timeout=None)
    except Exception as exc:  # noqa: BLE001 - kept pages expire after FIGURES_PAGE_SECONDS
        logger.warning("could not move the figures generation (%s: %s)", type(exc).__name__, exc)


def _moved(keys: list[str]) -> None:
    """New generations now and again once the transaction commits: a page drawn from the
    rows before the commit is kept under the first, which the second retires."""
    _set_generations(keys)
    transaction.on_commit(partial(_set_generations, keys), robust=True)


def pages_forgotten() -> None:
    """Every page kept by this process is drawn afresh on its next view."""
    _epoch[0] = secrets.token_hex(4)
    _KEPT_HERE.clear()


def state_pages_changed(*, state_id: int) -> None:
    """The state or its list of cycles changed (a cycle opened, closed or renamed, the
    state renamed): pages that name them are drawn afresh; the summaries need no rebuild."""
    _moved([_generation_key("state", state_id), _EVERY_STATE])


def _generation_keys(
    cycle_ids: Iterable[int], state_ids: Iterable[int], every_state: bool
) -> list[str]:
    keys = [
        _EVERYTHING,
        *(_generation_key("cycle", pk) for pk in cycle_ids),
        *(_generation_key("state", pk) for pk in state_ids),
    ]
    if every_state:
        keys.append(_EVERY_STATE)
    return keys


def _hashed(prefix: str, value: object) -> str:
    return prefix + hashlib.blake2b(repr((_epoch[0], value)).encode(), digest_size=20).hexdigest()


def _read_kept(key: str) -> object:
    """The value kept under `key`, from this process's copy while it lasts."""
    kept = _KEPT_HERE.get(key)
    if kept is None or kept[0] <= time.time():
        kept = cache.get(key)
    if kept is None or kept[0] <= time.time():
        return None
    _keep_here(key, kept)
    return kept[1]


def _keep(key: str, value: object, seconds: int) -> None:
    # Kept with the time it expires, so that the copy in this process expires with it.
    kept = (time.time() + seconds, value)
    try:
        cache.set(key, kept, timeout=seconds)
    except Exception as exc:  # noqa: BLE001 - drawn again next time
        logger.warning("could not keep a page (%s: %s)", type(exc).__name__, exc)
    _keep_here(key, kept)


def _kept_body(
    keys: list[str], parts: Iterable[object], build: Callable[[], str], seconds: int
) -> tuple[list, str]:
    """The generations of `keys` as read before drawing, and the body kept under them."""
    generations = cache.get_many(keys)
    current = [generations.get(k) for k in keys]
    key = _hashed(_PAGE_PREFIX, (list(parts), current))
    body = _read_kept(key)
    if body is None:
        body = build()
        _keep(key, body, seconds)
    return current, cast(str, body)


def figures_page(
    *,
    parts: Iterable[object],
    cycle_ids: Iterable[int] = (),
    state_ids: Iterable[int] = (),
    every_state: bool = False,
    build: Callable[[], str],
) -> str:
    """The page body `build` draws, kept while the figures it rests on stay as they are.

    `parts` is everything else the body depends on (the filters, sort and page from the
    query string, what the viewer's role lets them do, the names of the state and its
    cycles); `cycle_ids` and `state_ids` are the cycles and states whose figures it shows
    (`every_state` for a page over the whole country). The cache being down only costs
    the drawing."""
    seconds = settings.FIGURES_PAGE_SECONDS
    if not seconds:
        return build()
    try:
        return _kept_body(
            _generation_keys(cycle_ids, state_ids, every_state), parts, build, seconds
        )[1]
    except Exception as exc:  # noqa: BLE001 - draw it, as if nothing were kept
        logger.warning("could not read a kept page (%s: %s)", type(exc).__name__, exc)
        return build()


@dataclass(frozen=True)
class Found:
    """What a view looked up before drawing a kept body: `frame`, the few plain values
    the page around the body shows (picklable: it is kept with the body); `parts`, what
    else the body depends on; the cycles and states whose figures it shows; `objects`,
    the rows it read, handed to the view's `build`."""

    frame: dict[str, Any]
    parts: tuple
    cycle_ids: tuple[int, ...] = ()
    state_ids: tuple[int, ...] = ()
    every_state: bool = False
    objects: tuple = field(default=(), compare=False)  # the rows `build` draws from, not kept


def figures_view(
    *,
    address: Iterable[object],
    find: Callable[[], Found],
    build: Callable[[Found], str],
) -> tuple[dict[str, Any], str]:
    """`figures_page` for a whole view, without its lookups when nothing has moved.

    `address` must decide everything `find` looks up and checks: the view, its arguments
    and query string, and the viewer's role and scope (a viewer is let in on what
    another viewer of the same role and scope was let in on). `find` reads the rows the
    page names and refuses a viewer who may not see them (Http404, PermissionDenied);
    what it found is kept beside the body with the generations it was read under, so a
    view of an unchanged page costs two cache reads, not its queries. Whatever moves
    those generations (`state_pages_changed` when a cycle opens or closes) looks the page
    up again; a change made around the app's services shows once the kept view expires."""
    seconds = settings.FIGURES_PAGE_SECONDS
    if not seconds:
        found = find()
        return found.frame, build(found)
    try:
        key = _hashed(_VIEW_PREFIX, list(address))
        kept = _read_kept(key)
        if kept is not None:
            keys, generations, frame, body = cast(tuple, kept)
            current = cache.get_many(keys)
            if [current.get(k) for k in keys] == generations:
                return frame, body
    except Exception as exc:  # noqa: BLE001 - look it up and draw it
        logger.warning("could not read a kept view (%s: %s)", type(exc).__name__, exc)
        found = find()
        return found.frame, build(found)
    found = find()
    keys = _generation_keys(found.cycle_ids, found.state_ids, found.every_state)
    try:
        generations, body = _kept_body(keys, found.parts, partial(build, found), seconds)
    except Exception as exc:  # noqa: BLE001 - draw it, as if nothing were kept
        logger.warning("could not read a kept page (%s: %s)", type(exc).__name__, exc)
        return found.frame, build(found)
    _keep(key, (keys, generations, found.frame, body), seconds)
    return found.frame, body


def _keep_here(key: str, kept: tuple[float, object]) -> None:
    """The last few bodies and views stay in this process too: a body's key names one
    generation of one page, and a view is checked against the generations it was kept
    under, so a copy is right until the shared one expires, and expires with it."""
    _KEPT_HERE[key] = kept
    now = time.time()
    for old in [k for k, (until, _) in _KEPT_HERE.items() if until <= now]:
        del _KEPT_HERE[old]
    while len(_KEPT_HERE) > _KEEP_HERE:
        del _KEPT_HERE[next(iter(_KEPT_HERE))]
