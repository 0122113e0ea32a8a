"""Per cycle, the counts every comparison and dashboard rests on, kept beside the rows.

A cycle belongs to one state, so a cycle's summary is the state's figures for it:

- `cells`: the state's LEAs per (locale, size band, assessment status, stage), an LEA
  without an assessment in the cycle having status "" and stage "";
- `scores`: the compared assessments' (`COMPARED_STATUSES`) scores per (locale, size band,
  status, column, score), a column being a domain's index in the cycle's framework, or
  `domain_count` for the overall score. Scores have one decimal, so at most 1,001 values
  a column: a state of 2,200 LEAs has a few thousand entries.

Every median, mean, completion and stage count of the state dashboard, the national view,
an LEA's results page and both PDFs is added up from these counts, so their cost does not
grow with the number of LEAs that every report of a state batch compares against.

Freshness. A summary is stored with a stamp naming the rows it was built from: the
number of the cycle's assessments, the sum of their versions (every answer saved and
every status change adds one) and their last change time (a rescore changes no version
but sets it), and the number of the state's LEAs and their last change. The stamp is read
in the same query as the stored summary, so a summary older than its rows is never used:
it is rebuilt first. The stamp is taken before the rows are read, so a change landing in
between leaves the summary marked older than it is, never newer. Writers also ask for a
rebuild once they commit (`cbe_portal.figures`), and a sweep rebuilds what is stale, so
pages seldom wait for one. `recompute_scores --check` compares every summary with one
recomputed from the answers themselves.
"""

import json
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.utils import timezone

from directory.models import LEA, size_band_of

from .models import COMPARED_STATUSES, Answer, Assessment, AssessmentCycle, CycleScoreSummary
from .scores import assessment_compute, assessment_score_fields
from .scoring import INSUFFICIENT, score_median_of_counts

SUMMARY_FORMAT = 1
NO_STATUS = ""
_COMPARED = frozenset(COMPARED_STATUSES)


@dataclass(frozen=True)
class ScoreSummary:
    cycle_id: int
    domain_count: int  # columns 0 .. domain_count - 1 are domains; domain_count is overall
    cells: tuple[tuple[str, str, str, str, int], ...]  # locale, size, status, stage, LEAs
    scores: tuple[
        tuple[str, str, str, int, float, int], ...
    ]  # locale, size, status, column, score, n

    @property
    def overall_column(self) -> int:
        return self.domain_count

    @cached_property
    def _by_column(self) -> dict[int, list[tuple[str, str, str, int, float, int]]]:
        found: dict[int, list[tuple[str, str, str, int, float, int]]] = {}
        for entry in self.scores:
            found.setdefault(entry[3], []).append(entry)
        return found

    def column_scores(self, column: int) -> list[tuple[str, str, str, int, float, int]]:
        """The `scores` entries of one column (kept once worked out: a summary read stays
        in memory while it is current)."""
        return self._by_column.get(column, [])

    def compared(self, *, locale: str | None = None) -> int:
        """LEAs whose assessment is compared (submitted or accepted), optionally of one locale."""
        return sum(
            n
            for loc, _, status, _, n in self.cells
            if status in _COMPARED and (locale is None or loc == locale)
        )

    def counts(
        self,
        column: int,
        *,
        locale: str | None = None,
    ) -> Counter[float]:
        """The compared assessments' scores in `column` as {score: LEAs}, optionally of
        one locale: what `score_median_of_counts` and `score_mean_of_counts` take."""
        found: Counter[float] = Counter()
        for loc, _, _, _, score, n in self.column_scores(column):
            if locale is None or loc == locale:
                found[score] += n
        return found

    @cached_property
    def _medians(self) -> dict[tuple[int, str | None], tuple[float | None, int]]:
        return {}

    def median(self, column: int, *, locale: str | None = None) -> tuple[float | None, int]:
        """The median of the compared assessments' scores in `column` (optionally of one
        locale) and the number of LEAs it rests on. Worked out once per summary and kept
        with it: every report of a state batch asks for the same few medians, and a large
        state's column holds thousands of entries."""
        key = (column, locale)
        found = self._medians.get(key)
        if found is None:
            counts = self.counts(column, locale=locale)
            found = self._medians[key] = (score_median_of_counts(counts), counts.total())
        return found

    def values(
        self,
        column: int,
        *,
        locale: str | None = None,
        size: str | None = None,
        status: str | None = None,
    ) -> list[float]:
        """The compared assessments' scores in `column`, optionally of one locale, size
        band or status, as a list (one value per LEA) for `score_median`/`score_mean`."""
        found: list[float] = []
        for loc, band, st, col, score, n in self.scores:
            if col != column:
                continue
            if locale is not None and loc != locale:
                continue
            if size is not None and band != size:
                continue
            if status is not None and st != status:
                continue
            found.extend([score] * n)
        return found

    def as_doc(self) -> dict:
        return {
            "format": SUMMARY_FORMAT,
            "domains": self.domain_count,
            "cells": [list(cell) for cell in self.cells],
            "scores": [list(entry) for entry in self.scores],
        }

    @classmethod
    def from_doc(cls, cycle_id: int, doc: dict) -> "ScoreSummary":
        return cls(
            cycle_id=cycle_id,
            domain_count=doc["domains"],
            cells=tuple(tuple(cell) for cell in doc["cells"]),
            scores=tuple(tuple(entry) for entry in doc["scores"]),
        )


def _domain_scores(scores: dict | None, domain_count: int) -> list[float | None]:
    """The stored score of each domain, by position in the framework; None when the domain
    has insufficient evidence or the assessment was never scored."""
    domains = (scores or {}).get("domains", [])
    return [domains[i].get("score") if i < len(domains) else None for i in range(domain_count)]


def _summary_build(
    *,
    cycle: AssessmentCycle,
    leas: Iterable[tuple[int, str, int | None]],
    assessed: Iterable[tuple[int, str, str, float | None, Sequence[float | None]]],
) -> ScoreSummary:
    """The summary of `leas` (id, locale, enrollment) and their assessments in the cycle
    (LEA id, status, stage, overall score, domain scores)."""
    domain_count = len(cycle.framework.spec.domains)
    by_lea = {row[0]: row[1:] for row in assessed}
    cells: Counter[tuple[str, str, str, str]] = Counter()
    scores: Counter[tuple[str, str, str, int, float]] = Counter()
    for lea_id, locale, enrollment in leas:
        size = size_band_of(enrollment)
        row = by_lea.get(lea_id)
        if row is None:
            cells[(locale, size, NO_STATUS, "")] += 1
            continue
        status, stage, overall, domains = row
        # Never scored (no answer yet) is too little evidence for a stage, exactly like
        # an assessment scored "insufficient evidence".
        cells[(locale, size, status, stage or INSUFFICIENT)] += 1
        if status not in _COMPARED:
            continue
        for column, score in enumerate([*domains, overall]):
            if score is not None:
                scores[(locale, size, status, column, score)] += 1
    return ScoreSummary(
        cycle_id=cycle.pk,
        domain_count=domain_count,
        cells=tuple((*key, n) for key, n in sorted(cells.items())),
        scores=tuple((*key, n) for key, n in sorted(scores.items())),
    )


def _leas(cycle: AssessmentCycle):
    return LEA.objects.filter(state_id=cycle.state_id).values_list("id", "locale", "enrollment")


def _assessments(cycle: AssessmentCycle):
    return Assessment.objects.filter(cycle_id=cycle.pk, lea__state_id=cycle.state_id)


def _stamps_sql(count: int) -> str:
    assessment = Assessment._meta.db_table
    lea = LEA._meta.db_table
    cycle = AssessmentCycle._meta.db_table
    summary = CycleScoreSummary._meta.db_table
    marks = ", ".join(["%s"] * count)
    # Table names come from the models; every value is a parameter. Each table is read
    # once, grouped, through indexes that hold the columns read (cycle_id with version
    # and updated_at; state_id with updated_at).
    return (
        "SELECT c.id, COALESCE(a.n, 0), COALESCE(a.v, 0), a.t, COALESCE(l.n, 0), l.t, s.stamp "  # noqa: S608
        f"FROM {cycle} c "
        "LEFT JOIN (SELECT cycle_id, COUNT(*) AS n, SUM(version) AS v, MAX(updated_at) AS t "
        f"FROM {assessment} WHERE cycle_id IN ({marks}) GROUP BY cycle_id) a "
        "ON a.cycle_id = c.id "
        f"LEFT JOIN (SELECT state_id, COUNT(*) AS n, MAX(updated_at) AS t FROM {lea} "
        f"WHERE state_id IN (SELECT state_id FROM {cycle} WHERE id IN ({marks})) "
        "GROUP BY state_id) l ON l.state_id = c.state_id "
        f"LEFT JOIN {summary} s ON s.cycle_id = c.id "
        f"WHERE c.id IN ({marks})"
    )


def _stamps(cycle_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Per cycle: the stamp of its rows now, and the stored summary's stamp (None without
    one). One query for any number of cycles."""
    if not cycle_ids:
        return {}
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(_stamps_sql(len(cycle_ids)), list(cycle_ids) * 3)
        for cycle_id, count, versions, changed, leas, lea_changed, stored in cursor.fetchall():
            stamp = f"{SUMMARY_FORMAT}|{count}|{versions}|{changed}|{leas}|{lea_changed}"
            found[cycle_id] = (stamp, stored)
    return found


def _stored_docs(cycle_ids: Sequence[int]) -> dict[int, tuple[str, dict]]:
    """The stored summaries' stamps and documents. One query."""
    return {
        cycle_id: (stamp, json.loads(doc) if isinstance(doc, str) else doc)
        for cycle_id, stamp, doc in CycleScoreSummary.objects.filter(
            cycle_id__in=cycle_ids
        ).values_list("cycle_id", "stamp", "doc")
    }


# Summaries this process has read, by database, cycle (and its framework) and stamp: a
# current one is not read again (a large state's summary is some 100 KB of JSON). A stamp
# names the rows a summary was built from, so an entry is right for as long as its stamp
# is current, and never used after.
_READ: OrderedDict[tuple[str, int, int, str], "ScoreSummary"] = OrderedDict()
_READ_KEEP = 256


def _key(cycle: AssessmentCycle, stamp: str) -> tuple[str, int, int, str]:
    return (connection.settings_dict["NAME"], cycle.pk, cycle.framework_id, stamp)


def _remember(cycle: AssessmentCycle, stamp: str, summary: "ScoreSummary") -> None:
    _READ[_key(cycle, stamp)] = summary
    _READ.move_to_end(_key(cycle, stamp))
    while len(_READ) > _READ_KEEP:
        _READ.popitem(last=False)


def _remembered(cycle: AssessmentCycle, stamp: str) -> "ScoreSummary | None":
    return _READ.get(_key(cycle, stamp))


def cycle_score_summary_build(*, cycle: AssessmentCycle) -> ScoreSummary:
    """The cycle's summary built from the stored scores, without storing it. Two queries
    whatever the number of LEAs."""
    rows = _assessments(cycle).values_list("lea_id", "status", "stage", "overall_score", "scores")
    domain_count = len(cycle.framework.spec.domains)
    return _summary_build(
        cycle=cycle,
        leas=_leas(cycle),
        assessed=(
            (lea_id, status, stage, overall, _domain_scores(scores, domain_count))
            for lea_id, status, stage, overall, scores in rows.iterator(chunk_size=2000)
        ),
    )


def cycle_score_summary_refresh(
    *, cycle: AssessmentCycle, stamp: str | None = None
) -> ScoreSummary:
    """Build the cycle's summary from the stored scores and store it: the stamp, the two
    reads and one upsert."""
    if stamp is None:
        stamp = _stamps([cycle.pk])[cycle.pk][0]
    summary = cycle_score_summary_build(cycle=cycle)
    CycleScoreSummary.objects.bulk_create(
        [
            CycleScoreSummary(
                cycle_id=cycle.pk, stamp=stamp, doc=summary.as_doc(), built_at=timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["cycle"],
        update_fields=["stamp", "doc", "built_at"],
    )
    _remember(cycle, stamp, summary)
    return summary


def cycle_score_summary(*, cycle: AssessmentCycle) -> ScoreSummary:
    """The cycle's summary: one query when the stored one is current, else rebuilt first."""
    return cycle_score_summaries(cycles=[cycle])[cycle.pk]


# Within `one_reading()` (a page, or an export), each cycle's summary is looked up once:
# every figure on the page then rests on the same summary, and the stamps are read once.
_reading: ContextVar[dict[int, "ScoreSummary"] | None] = ContextVar("summaries", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    token = _reading.set({})
    try:
        yield
    finally:
        _reading.reset(token)


def cycle_score_summaries(*, cycles: Sequence[AssessmentCycle]) -> dict[int, ScoreSummary]:
    """The summaries of several cycles (say, a state's cycles for its trend): one query
    while they are current and this process has read them; one more to read those it
    has not; each stale one is rebuilt."""
    reading = _reading.get()
    if reading is not None:
        wanted = [cycle for cycle in cycles if cycle.pk not in reading]
        if wanted:
            reading.update(_summaries(wanted))
        return {cycle.pk: reading[cycle.pk] for cycle in cycles}
    return _summaries(cycles)


def _summaries(cycles: Sequence[AssessmentCycle]) -> dict[int, ScoreSummary]:
    stamps = _stamps([cycle.pk for cycle in cycles])
    summaries: dict[int, ScoreSummary] = {}
    unread = []
    for cycle in cycles:
        stamp, stored = stamps[cycle.pk]
        remembered = _remembered(cycle, stamp) if stored == stamp else None
        if remembered is not None:
            summaries[cycle.pk] = remembered
        elif stored == stamp:
            unread.append(cycle)
    docs = _stored_docs([cycle.pk for cycle in unread]) if unread else {}
    for cycle in cycles:
        if cycle.pk in summaries:
            continue
        stamp = stamps[cycle.pk][0]
        stored_stamp, doc = docs.get(cycle.pk, (None, None))
        if doc and stored_stamp == stamp and doc.get("format") == SUMMARY_FORMAT:
            summaries[cycle.pk] = ScoreSummary.from_doc(cycle.pk, doc)
            _remember(cycle, stamp, summaries[cycle.pk])
        else:
            summaries[cycle.pk] = cycle_score_summary_refresh(cycle=cycle, stamp=stamp)
    return summaries


def cycle_score_summary_stored(*, cycle: AssessmentCycle) -> tuple[ScoreSummary | None, bool]:
    """The stored summary (None without one) and whether it is current. Writes nothing."""
    stamp = _stamps([cycle.pk])[cycle.pk][0]
    stored_stamp, doc = _stored_docs([cycle.pk]).get(cycle.pk, (None, None))
    if not doc or doc.get("format") != SUMMARY_FORMAT:
        return None, False
    return ScoreSummary.from_doc(cycle.pk, doc), stored_stamp == stamp


def cycle_score_summary_recounted(*, cycle: AssessmentCycle) -> ScoreSummary:
    """The summary recomputed from the answers themselves (every assessment rescored), not
    from the stored scores: what `recompute_scores --check` compares the stored one with."""
    loaded = list(_assessments(cycle).select_related("cycle__framework"))
    answers: dict[int, list[tuple]] = {a.pk: [] for a in loaded}
    for assessment_id, code, rating, dont_know in (
        Answer.objects.filter(assessment__in=[a.pk for a in loaded])
        .values_list("assessment_id", "indicator__code", "rating", "dont_know")
        .iterator(chunk_size=5000)
    ):
        answers[assessment_id].append((code, rating, dont_know))
    domain_count = len(cycle.framework.spec.domains)
    assessed = []
    for assessment in loaded:
        fields = assessment_score_fields(
            assessment_compute(assessment=assessment, rows=answers[assessment.pk])
        )
        assessed.append(
            (
                assessment.lea_id,
                assessment.status,
                fields["stage"],
                fields["overall_score"],
                _domain_scores(fields["scores"], domain_count),
            )
        )
    return _summary_build(cycle=cycle, leas=_leas(cycle), assessed=assessed)
