"""Build the national data set the dashboards and lists are measured on (issue 13).

The 50 states and DC with 19,400 LEAs spread over them roughly as in the CCD directory
(California about 2,200, Texas about 1,200, Hawaii 1, one state of 10 and one of 50 for
comparing small with large), three assessment cycles per state (the older two on cbe-v1,
the newest on cbe-v2), 40,805 assessments with about 1.96 million answers, statuses
mixed, a policy profile per state and cycle, and the users who look at it: one national
administrator and a state administrator and state staff member per state.

It lives in its own PostgreSQL database, `cbe_bench_national`, and is reused while it
matches: a mark on the database (its COMMENT) holds a hash of the migrations, the
framework files, the scoring modules and GENERATOR_VERSION, and the database is rebuilt
only when that hash changes (or with --force). Everything is drawn from generators
seeded with fixed strings, so two builds are identical.

How it is built: `manage.py migrate` and `manage.py load_framework` for each shipped
framework, then the rows are bulk-loaded with COPY. Stored assessment scores are
computed by the application's own functions (`assessments.scores.answer_data`,
`assessments.scoring.score_answers`, `assessments.scores.assessment_score_fields`, so a
field added there is filled too), policy stages by `assessments.scoring.state_stage`.
Afterwards `manage.py recompute_scores` and every aggregate refresh command the apps
have run over it, then VACUUM ANALYZE.

    .venv/bin/python bench/make_national.py           # build, or reuse when current
    .venv/bin/python bench/make_national.py --force   # rebuild

`national_build` does the work inside an already migrated database with the frameworks
loaded; on SQLite it writes with bulk_create instead of COPY, from the same rows
(tests/bench/test_make_national.py builds a tiny national set that way).
"""

import argparse
import datetime
import hashlib
import io
import json
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Bump when the rows this script writes change, so the next run rebuilds (the mark does
# not hash this file, so editing a comment here costs no rebuild).
GENERATOR_VERSION = 2
DB_NAME = "cbe_bench_national"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
MARK_PREFIX = "cbe national bench "
SEED = "cbe-national-bench"
UTC = datetime.UTC

# LEAs per state. Proportions follow recent CCD directory files; a few are set for the
# comparisons the benchmark makes: Nevada has 10 (the small state), Wyoming 50, Hawaii
# its single LEA. 19,400 in all.
LEA_COUNTS = {
    "AL": 199, "AK": 55, "AZ": 703, "AR": 300, "CA": 2200, "CO": 275, "CT": 201, "DE": 45,
    "DC": 60, "FL": 80, "GA": 230, "HI": 1, "ID": 185, "IL": 1053, "IN": 431, "IA": 341,
    "KS": 321, "KY": 185, "LA": 201, "ME": 281, "MD": 25, "MA": 411, "MI": 883, "MN": 562,
    "MS": 161, "MO": 571, "MT": 482, "NE": 281, "NV": 10, "NH": 300, "NJ": 703, "NM": 161,
    "NY": 1004, "NC": 331, "ND": 211, "OH": 1104, "OK": 602, "OR": 221, "PA": 802, "RI": 65,
    "SC": 101, "SD": 166, "TN": 151, "TX": 1200, "UT": 161, "VT": 341, "VA": 141, "WA": 331,
    "WV": 60, "WI": 461, "WY": 50,
}  # fmt: skip
SMALL_STATE, MID_STATE, LARGE_STATE = "NV", "WY", "CA"

# name, first day, last day, framework version; the newest is the open one.
CYCLES = (
    ("2023-24", datetime.date(2023, 8, 1), datetime.date(2024, 6, 30), 1),
    ("2024-25", datetime.date(2024, 8, 1), datetime.date(2025, 6, 30), 1),
    ("2025-26", datetime.date(2025, 8, 1), datetime.date(2026, 6, 30), 2),
)
# How many LEAs each cycle assesses, relative to one another (more every year).
CYCLE_COVERAGE = (0.62, 0.70, 0.78)
# Status shares: closed cycles are mostly reviewed, the open one is in full swing.
CLOSED_STATUSES = {"accepted": 0.86, "submitted": 0.09, "returned": 0.03, "draft": 0.02}
OPEN_STATUSES = {"draft": 0.32, "submitted": 0.24, "returned": 0.09, "accepted": 0.35}


@dataclass(frozen=True)
class Sizes:
    lea_counts: dict[str, int]
    assessments: int
    answers: int  # about: drafts are filled so that the total comes near it


NATIONAL = Sizes(lea_counts=LEA_COUNTS, assessments=40_805, answers=1_960_000)


def sizes_scaled(lea_counts: dict[str, int]) -> Sizes:
    """The national proportions (assessments and answers per LEA) for other LEA counts."""
    leas = sum(lea_counts.values())
    total = sum(NATIONAL.lea_counts.values())
    return Sizes(
        lea_counts=lea_counts,
        assessments=round(NATIONAL.assessments * leas / total),
        answers=round(NATIONAL.answers * leas / total),
    )


# --------------------------------------------------------------------------- rows

# NCES locale codes by locale, with their shares within it.
LOCALE_CODES = {
    "city": {"11": 0.25, "12": 0.3, "13": 0.45},
    "suburb": {"21": 0.5, "22": 0.3, "23": 0.2},
    "town": {"31": 0.15, "32": 0.4, "33": 0.45},
    "rural": {"41": 0.35, "42": 0.35, "43": 0.3},
}
MEDIAN_ENROLLMENT = {"city": 9000, "suburb": 4200, "town": 1500, "rural": 420}
SCHOOL_SIZE = {"city": 560, "suburb": 600, "town": 430, "rural": 220}
LOCALE_READINESS = {"city": 0.0, "suburb": 0.2, "town": 0.0, "rural": -0.15}
DOMAIN_MEANS = {"blended": 0.15, "structure": 0.0, "equity": -0.25}
DONT_KNOW_SHARE = 0.04
EVIDENCE_SHARE = 0.25
EVIDENCE = (
    "Board minutes from the spring meeting describe the change.",
    "Two schools do this; the others plan to start next year.",
    "Survey of teachers in the fall; most said it is in place.",
    "Written policy exists but is not yet followed everywhere.",
    "Pilot in grades 6-8 with a review planned for June.",
    "Coaches visit each school monthly and keep notes.",
    "Budget line approved for the next three years.",
    "No written plan yet; discussed at the leadership retreat.",
)
REGULAR = "Regular local school district"
CHARTER = "Charter agency"
SERVICE_AGENCY = "Regional education service agency"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SYLLABLES = _words(
    "Ash Bel Brad Cam Dal Elm Fair Glen Hart Hol Ken Lang Mar Mil Oak Pem Ray Rock Sand Stan "
    "Sut Wake Wal Whit Win Wood Brook Dun Gran Hamp Lynd Thorn Cedar Pine Maple Birch Willow "
    "Elk Fox Deer Iron Copper Red Clear Silver Stone Spring Lake River"
)
_ENDS = _words("ford ton field bury ham wick mont borough dale well stead by land worth ville port")
_KINDS = (
    "School District",
    "Public Schools",
    "Unified School District",
    "Community Schools",
    "County Schools",
    "Independent School District",
    "Area Schools",
)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class LeaRow:
    id: int
    state_code: str
    leaid: str
    name: str
    city: str
    agency_type: str
    locale: str
    locale_code: str
    enrollment: int | None
    school_count: int | None
    is_charter: bool
    level: float  # latent readiness on the 1-4 rubric scale
    domain_offsets: dict[str, float] = field(default_factory=dict)


def lea_rows(state_code: str, fips: str, count: int, first_id: int) -> list[LeaRow]:
    """The state's LEAs, named in LEAID order as in the CCD, with locales and enrollment."""
    rng = random.Random(f"{SEED}-leas-{state_code}")
    rural = 0.0 if state_code == "DC" else rng.uniform(0.25, 0.7)
    locales = {"city": 0.12, "suburb": (1 - rural) * 0.6, "town": 0.18, "rural": rural}
    if state_code == "DC":
        locales = {"city": 1.0}
    readiness = rng.gauss(2.45, 0.25)
    names: set[str] = set()
    rows = []
    for _ in range(count):
        locale = _pick(rng, locales)
        place = rng.choice(_SYLLABLES) + rng.choice(_ENDS)
        charter = rng.random() < (0.5 if state_code == "DC" else 0.08)
        service = not charter and rng.random() < 0.02
        if charter:
            name, agency = f"{place} {rng.choice(('Academy', 'Charter School'))}", CHARTER
            enrollment: int | None = rng.randint(80, 1500)
        elif service:
            name, agency, enrollment = f"{place} Educational Service District", SERVICE_AGENCY, None
        else:
            name, agency = f"{place} {rng.choice(_KINDS)}", REGULAR
            median = MEDIAN_ENROLLMENT[locale]
            enrollment = int(min(max(math.exp(rng.gauss(math.log(median), 0.9)), 20), 600_000))
        while name in names:
            name = f"{name} {rng.randint(2, 9)}"
        names.add(name)
        schools = (
            None
            if enrollment is None
            else max(1, round(enrollment / SCHOOL_SIZE[locale] * rng.uniform(0.8, 1.25)))
        )
        level = readiness + LOCALE_READINESS[locale] + rng.gauss(0, 0.45) + (0.3 * charter)
        rows.append(
            LeaRow(
                id=0,
                state_code=state_code,
                leaid="",
                name=name,
                city=place,
                agency_type=agency,
                locale=locale,
                locale_code=_pick(rng, LOCALE_CODES[locale]),
                enrollment=enrollment,
                school_count=schools,
                is_charter=charter,
                level=level,
                domain_offsets={d: rng.gauss(mean, 0.3) for d, mean in DOMAIN_MEANS.items()},
            )
        )
    rows.sort(key=lambda r: r.name)
    numbers = sorted(rng.sample(range(100, 99_900), count))
    for i, (row, number) in enumerate(zip(rows, numbers, strict=True)):
        row.id = first_id + i
        row.leaid = f"{fips}{number:05d}"
    return rows


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights`, whole numbers that add up to it."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass
class AssessmentPlan:
    lea: LeaRow
    cycle_index: int
    status: str
    # One byte per indicator of the framework, in its order: 0 blank, 1-4 the rating,
    # 5 "don't know". Kept this small so 40,000 plans fit in a few megabytes.
    ratings: bytes = b""


def assessment_plans(leas_by_state: dict[str, list[LeaRow]], sizes: Sizes) -> list[AssessmentPlan]:
    """Which LEA is assessed in which cycle, and with what status: `sizes.assessments` in
    all, spread over the states and cycles in proportion to LEAs x CYCLE_COVERAGE."""
    cells = [(code, c) for code in leas_by_state for c in range(len(CYCLES))]
    weights = [len(leas_by_state[code]) * CYCLE_COVERAGE[c] for code, c in cells]
    capacity = [len(leas_by_state[code]) for code, _ in cells]
    counts = [
        min(n, cap)
        for n, cap in zip(_largest_remainder(sizes.assessments, weights), capacity, strict=True)
    ]
    plans = []
    for (code, cycle_index), n in zip(cells, counts, strict=True):
        rng = random.Random(f"{SEED}-assessed-{code}-{cycle_index}")
        chosen = sorted(rng.sample(range(len(leas_by_state[code])), n))
        shares = OPEN_STATUSES if cycle_index == len(CYCLES) - 1 else CLOSED_STATUSES
        for i in chosen:
            plans.append(
                AssessmentPlan(
                    lea=leas_by_state[code][i], cycle_index=cycle_index, status=_pick(rng, shares)
                )
            )
    return plans


def ratings_fill(
    plans: list[AssessmentPlan], indicators: dict[int, Sequence[tuple[str, str]]], sizes: Sizes
) -> None:
    """Give every plan its ratings. Submitted, returned and accepted assessments answer every
    indicator; drafts answer a leading share, set so the total comes near `sizes.answers`.

    `indicators`: per cycle index, the framework's (indicator code, domain code) in order.
    """
    complete = sum(len(indicators[p.cycle_index]) for p in plans if p.status != "draft")
    draft_room = sum(len(indicators[p.cycle_index]) for p in plans if p.status == "draft")
    fill = min(1.0, max(0.0, (sizes.answers - complete) / draft_room)) if draft_room else 1.0
    tendency_rng = random.Random(f"{SEED}-tendencies")
    codes = sorted({code for codes in indicators.values() for code, _ in codes})
    tendency = {code: tendency_rng.gauss(0, 0.25) for code in codes}
    for p in plans:
        rng = random.Random(f"{SEED}-answers-{p.lea.leaid}-{p.cycle_index}")
        framework = indicators[p.cycle_index]
        answered = len(framework)
        if p.status == "draft":
            # Mean `fill`: a uniform draw stretched from the nearer end of [0, 1].
            u = rng.random()
            share = min(1.0, 2 * fill * u) if fill <= 0.5 else 1 - 2 * (1 - fill) * u
            answered = round(share * len(framework))
        level = p.lea.level + 0.12 * p.cycle_index
        values = bytearray(len(framework))
        for i, (code, domain) in enumerate(framework[:answered]):
            if rng.random() < DONT_KNOW_SHARE:
                values[i] = 5
                continue
            x = level + p.lea.domain_offsets.get(domain, 0) + tendency[code] + rng.gauss(0, 0.6)
            values[i] = min(4, max(1, round(x)))
        p.ratings = bytes(values)


def answer_tuples(ratings: bytes, codes: Sequence[str]) -> list[tuple[str, int | None, bool]]:
    """(indicator code, rating, don't know) of the answered indicators of one plan."""
    return [
        (code, None if value == 5 else value, value == 5)
        for code, value in zip(codes, ratings, strict=True)
        if value
    ]


def _evidence(assessment_id: int, position: int) -> str:
    # Deterministic without a generator per answer: a quarter of the answers carry a note.
    key = (assessment_id * 7919 + position * 104_729) % 1000
    return EVIDENCE[key % len(EVIDENCE)] if key < EVIDENCE_SHARE * 1000 else ""


# --------------------------------------------------------------------------- writing


class RowWriter:
    """Writes rows of one model: COPY on PostgreSQL, bulk_create elsewhere.

    `columns` are attribute names (`lea_id`, not `lea`); concrete fields not listed are
    written with their model default, so a column added later with a default needs no
    change here.
    """

    def __init__(self, model, columns: Sequence[str], *, use_copy: bool):
        from django.utils import timezone

        self.model = model
        self.use_copy = use_copy
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [name for name in fields if name not in columns]
        now = timezone.now()
        self.defaults = {}
        for name in missing:
            f = fields[name]
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[name] = now
            elif f.has_default() or f.null:
                self.defaults[name] = f.get_default()
            else:
                raise ValueError(f"{model.__name__}.{name} has no default: give it a value")
        self.columns = list(columns)
        self.json = {name for name, f in fields.items() if f.get_internal_type() == "JSONField"}
        self.written = 0

    def write(self, rows: Iterable[Sequence], chunk: int = 100_000) -> int:
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        return self.written

    def _flush(self, rows: list[Sequence]) -> None:
        from django.db import connection

        self.written += len(rows)
        if not self.use_copy:
            extra = self.defaults
            self.model.objects.bulk_create(
                [self.model(**dict(zip(self.columns, row, strict=True)), **extra) for row in rows],
                batch_size=2000,
            )
            return
        names = self.columns + list(self.defaults)
        constant = [self._text(name, value) for name, value in self.defaults.items()]
        buffer = io.StringIO()
        for row in rows:
            cells = [self._text(name, value) for name, value in zip(self.columns, row, strict=True)]
            buffer.write("\t".join(cells + constant))
            buffer.write("\n")
        buffer.seek(0)
        table = connection.ops.quote_name(self.model._meta.db_table)
        field_columns = {f.attname: f.column for f in self.model._meta.concrete_fields}
        column_list = ", ".join(connection.ops.quote_name(field_columns[n]) for n in names)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({column_list}) FROM STDIN", buffer)

    def _text(self, name: str, value) -> str:
        """One value in COPY's text format."""
        if value is None:
            return r"\N"
        if name in self.json:
            value = json.dumps(value)
        elif isinstance(value, bool):
            return "t" if value else "f"
        elif isinstance(value, int | float):
            return repr(value)
        elif isinstance(value, datetime.date):
            return value.isoformat()
        return (
            str(value)
            .replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


@dataclass
class BuildSummary:
    states: int = 0
    leas: int = 0
    cycles: int = 0
    assessments: int = 0
    answers: int = 0
    profiles: int = 0
    participants: int = 0
    users: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def national_build(sizes: Sizes = NATIONAL, *, use_copy: bool | None = None) -> BuildSummary:
    """Write the national data set into the current database (migrated, both shipped
    frameworks loaded, no states of the set present yet)."""
    from django.core.management.color import no_style
    from django.db import connection

    from accounts.models import Role, User
    from assessments.models import Answer, Assessment, AssessmentCycle
    from assessments.scores import answer_data, assessment_score_fields
    from assessments.scoring import score_answers, state_stage
    from directory.ccd import STATE_FIPS, STATE_NAMES
    from directory.models import LEA, State
    from frameworks.models import FrameworkVersion
    from policies.models import LeverParticipant, LeverStatus, StatePolicyProfile
    from policies.services import policy_profile_list_restage

    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    summary = BuildSummary()
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        summary.seconds[name] = now - clock
        clock = now

    versions = {
        fv.version: fv for fv in FrameworkVersion.objects.filter(code="cbe", version__in=[1, 2])
    }
    if set(versions) != {1, 2}:
        raise RuntimeError("Load frameworks/cbe-v1.yaml and cbe-v2.yaml first.")
    specs = {cycle_index: versions[v].spec for cycle_index, (*_, v) in enumerate(CYCLES)}
    indicator_ids = {v: dict(fv.indicators.values_list("code", "id")) for v, fv in versions.items()}
    levers = {v: dict(fv.levers.values_list("code", "id")) for v, fv in versions.items()}

    # States, users and cycles: a few hundred rows, through the ORM.
    codes = list(sizes.lea_counts)
    states = {
        s.code: s
        for s in State.objects.bulk_create(
            [State(code=c, fips=STATE_FIPS[c], name=STATE_NAMES[c]) for c in codes]
        )
    }
    if not all(s.pk for s in states.values()):  # backends that return no ids
        states = {s.code: s for s in State.objects.filter(code__in=codes)}
    users = [User(username="national-admin", role=Role.NATIONAL_ADMIN, first_name="Nat")]
    for c in codes:
        for role, word in ((Role.STATE_ADMIN, "admin"), (Role.STATE_STAFF, "staff")):
            users.append(
                User(
                    username=f"{c.lower()}-{word}",
                    role=role,
                    state=states[c],
                    first_name=STATE_NAMES[c].split()[0],
                    last_name=word.title(),
                    email=f"{c.lower()}-{word}@bench.example.org",
                )
            )
    for user in users:
        user.set_unusable_password()  # the benchmark signs in with force_login
    User.objects.bulk_create(users)
    user_ids = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
    )
    cycles = {}
    for c in codes:
        for i, (name, starts, ends, version) in enumerate(CYCLES):
            is_open = i == len(CYCLES) - 1
            cycles[c, i] = AssessmentCycle(
                state=states[c],
                name=name,
                starts_on=starts,
                ends_on=ends,
                framework=versions[version],
                is_open=is_open,
                assessments_due_on=starts + datetime.timedelta(days=240),
                reviews_due_on=starts + datetime.timedelta(days=280),
                closed_at=None
                if is_open
                else datetime.datetime.combine(ends, datetime.time(17), tzinfo=UTC),
            )
    AssessmentCycle.objects.bulk_create(list(cycles.values()))
    if not all(cycle.pk for cycle in cycles.values()):
        by_key = {
            (s, n): pk
            for pk, s, n in AssessmentCycle.objects.filter(state__code__in=codes).values_list(
                "pk", "state__code", "name"
            )
        }
        for (c, i), cycle in cycles.items():
            cycle.pk = by_key[c, CYCLES[i][0]]
    summary.states, summary.users, summary.cycles = len(states), len(users), len(cycles)
    lap("states, users, cycles")

    # LEAs.
    first = _next_id(LEA)
    leas_by_state = {}
    for c in codes:
        leas_by_state[c] = lea_rows(c, STATE_FIPS[c], sizes.lea_counts[c], first)
        first += sizes.lea_counts[c]
    writer = RowWriter(
        LEA,
        [
            "id", "leaid", "state_id", "state_code", "name", "agency_type", "locale",
            "locale_code", "enrollment", "school_count", "is_charter", "status", "city",
            "ccd_school_year",
        ],
        use_copy=use_copy,
    )  # fmt: skip
    summary.leas = writer.write(
        (
            r.id, r.leaid, states[r.state_code].pk, r.state_code, r.name, r.agency_type, r.locale,
            r.locale_code, r.enrollment, r.school_count, r.is_charter, "open", r.city,
            "2024-2025",
        )
        for rows in leas_by_state.values()
        for r in rows
    )  # fmt: skip
    lap("LEAs")

    # Assessments, scored by the application's own functions.
    plans = assessment_plans(leas_by_state, sizes)
    framework_indicators = {
        i: tuple((ind.code, ind.domain) for ind in spec.indicators) for i, spec in specs.items()
    }
    ratings_fill(plans, framework_indicators, sizes)
    codes_of = {i: [code for code, _ in inds] for i, inds in framework_indicators.items()}
    first = _next_id(Assessment)
    rows = []
    score_columns: list[str] | None = None
    for n, p in enumerate(plans):
        cycle = cycles[p.lea.state_code, p.cycle_index]
        spec = specs[p.cycle_index]
        result = score_answers(spec, answer_data(answer_tuples(p.ratings, codes_of[p.cycle_index])))
        scores = assessment_score_fields(result)
        scores["scored_with_id"] = cycle.framework_id
        if score_columns is None:
            score_columns = list(scores)
        rng = random.Random(f"{SEED}-when-{p.lea.leaid}-{p.cycle_index}")
        starts, ends = cycle.starts_on, cycle.ends_on
        updated = _moment(
            rng,
            starts + datetime.timedelta(days=20),
            min(ends, starts + datetime.timedelta(days=230)),
        )
        submitted = updated if p.status != "draft" else None
        accepted = (
            updated + datetime.timedelta(days=rng.randint(3, 30))
            if p.status == "accepted"
            else None
        )
        rows.append(
            (
                first + n, p.lea.id, cycle.pk, p.status,
                user_ids[f"{p.lea.state_code.lower()}-staff"], submitted, accepted,
                accepted or updated, *(scores[k] for k in score_columns),
            )
        )  # fmt: skip
    lap("scoring")
    assessment_ids = [row[0] for row in rows]
    writer = RowWriter(
        Assessment,
        [
            "id", "lea_id", "cycle_id", "status", "assignee_id", "submitted_at", "accepted_at",
            "updated_at", *(score_columns or []),
        ],
        use_copy=use_copy,
    )  # fmt: skip
    summary.assessments = writer.write(rows)
    del rows
    lap("assessments")

    # Answers, streamed from the plans.
    first = _next_id(Answer)
    writer = RowWriter(
        Answer,
        [
            "id",
            "assessment_id",
            "indicator_id",
            "rating",
            "dont_know",
            "evidence",
            "updated_by_id",
            "updated_at",
        ],
        use_copy=use_copy,
    )
    ids_of = {i: indicator_ids[CYCLES[i][3]] for i in range(len(CYCLES))}

    def answers() -> Iterator[tuple]:
        next_id = first
        moment = datetime.datetime(2025, 3, 1, 12, tzinfo=UTC)
        for assessment_id, p in zip(assessment_ids, plans, strict=True):
            ids = ids_of[p.cycle_index]
            staff = user_ids[f"{p.lea.state_code.lower()}-staff"]
            for position, (code, value) in enumerate(
                zip(codes_of[p.cycle_index], p.ratings, strict=True)
            ):
                if not value:
                    continue
                yield (
                    next_id, assessment_id, ids[code], None if value == 5 else value, value == 5,
                    _evidence(assessment_id, position), staff, moment,
                )  # fmt: skip
                next_id += 1

    with _foreign_keys_checked_after(Answer, enabled=use_copy):
        summary.answers = writer.write(answers())
    lap("answers")

    # Policy profiles: every lever of the cycle's framework, moving forward over the cycles.
    summary.profiles, summary.participants = _policy_write(
        codes=codes,
        states=states,
        cycles=cycles,
        specs=specs,
        levers={i: levers[CYCLES[i][3]] for i in range(len(CYCLES))},
        leas_by_state=leas_by_state,
        admin_ids={c: user_ids[f"{c.lower()}-admin"] for c in codes},
        use_copy=use_copy,
        stage_of=state_stage,
        models=(StatePolicyProfile, LeverStatus, LeverParticipant),
    )
    policy_profile_list_restage(profiles=StatePolicyProfile.objects.filter(state__code__in=codes))
    lap("policy profiles")

    # Explicit ids were written: move the sequences past them.
    statements = connection.ops.sequence_reset_sql(
        no_style(), [LEA, Assessment, Answer, LeverStatus, LeverParticipant]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return summary


@contextmanager
def _foreign_keys_checked_after(model, *, enabled: bool):
    """Drop the table's foreign keys for a bulk load and add them back after it.

    PostgreSQL checks a foreign key row by row during COPY (three lookups per answer,
    about two minutes for the national set); adding the constraint back checks every
    row at once with a join, in seconds. The constraints end up exactly as before.
    """
    if not enabled:
        yield
        return
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [model._meta.db_table],
        )
        constraints = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} "
                    f"{definition}"
                )


def _moment(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.datetime:
    day = start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))
    return datetime.datetime.combine(
        day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC
    )


LEVER_STEPS = ("none", "exploring", "enacted", "statewide")


def _policy_write(
    *, codes, states, cycles, specs, levers, leas_by_state, admin_ids, use_copy, stage_of, models
) -> tuple[int, int]:
    """A profile per state and cycle with every lever's status; levers advance now and then
    from one cycle to the next. An enacted lever under a framework that records who takes
    part reaches every LEA or a chosen share of them (LeverParticipant rows)."""
    Profile, Status, Participant = models
    profiles, statuses, participants = [], [], []
    lever_status_id = _next_id(Status)
    for c in codes:
        rng = random.Random(f"{SEED}-policy-{c}")
        drive = rng.uniform(0.1, 0.45)
        steps = {lever: min(3, int(rng.random() * 2.2)) for lever in levers[0]}
        for i in range(len(CYCLES)):
            spec = specs[i]
            if i:
                for lever in steps:
                    if rng.random() < drive:
                        steps[lever] = min(3, steps[lever] + 1)
            chosen = {lever: LEVER_STEPS[steps.get(lever, 0)] for lever in levers[i]}
            profile = Profile(
                state=states[c], cycle=cycles[c, i], stage=stage_of(spec, chosen), state_actions={}
            )
            profiles.append(profile)
            for lever, status in chosen.items():
                row = Status(
                    id=lever_status_id,
                    profile=profile,
                    lever_id=levers[i][lever],
                    status=status,
                    citation=f"SB {rng.randint(10, 999)} ({CYCLES[i][1].year})"
                    if status in ("enacted", "statewide")
                    else "",
                    updated_by_id=admin_ids[c],
                )
                lever_status_id += 1
                if spec.declares_participation and status == spec.partial_status_code:
                    leas = leas_by_state[c]
                    if rng.random() < 0.4:
                        row.participation, row.participant_count = "all", len(leas)
                    else:
                        picked = sorted(
                            rng.sample(
                                range(len(leas)), max(1, round(len(leas) * rng.uniform(0.05, 0.4)))
                            )
                        )
                        row.participation, row.participant_count = "listed", len(picked)
                        participants += [(row, leas[k].id) for k in picked]
                statuses.append(row)
    Profile.objects.bulk_create(profiles)
    if not all(p.pk for p in profiles):
        by_key = {
            (s, cy): pk for pk, s, cy in Profile.objects.values_list("pk", "state_id", "cycle_id")
        }
        for p in profiles:
            p.pk = by_key[p.state_id, p.cycle_id]
    for row in statuses:
        row.profile_id = row.profile.pk
    Status.objects.bulk_create(statuses, batch_size=2000)
    first = _next_id(Participant)
    writer = RowWriter(
        Participant, ["id", "lever_status_id", "lea_id", "added_by_id"], use_copy=use_copy
    )
    written = writer.write(
        (first + n, row.pk, lea_id, row.updated_by_id)
        for n, (row, lea_id) in enumerate(participants)
    )
    return len(profiles), written


# --------------------------------------------------------------------------- database


def build_mark() -> str:
    """What the database must have been built from to be reused."""
    digest = hashlib.sha256(f"generator {GENERATOR_VERSION}\n".encode())
    for path in sorted(ROOT.glob("*/migrations/[0-9]*.py")):
        digest.update(f"{path.relative_to(ROOT)}\n".encode())
    for path in [
        *sorted((ROOT / "frameworks").glob("*.yaml")),
        ROOT / "assessments" / "scoring.py",
        ROOT / "assessments" / "scores.py",
    ]:
        digest.update(path.read_bytes())
    return MARK_PREFIX + digest.hexdigest()[:16]


def _psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", *PG, "-d", database, "-tAc", sql], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def stored_mark() -> str:
    try:
        return _psql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            f"WHERE datname = '{DB_NAME}'"
        )
    except subprocess.CalledProcessError:
        return ""


def aggregate_commands() -> list[str]:
    """Management commands that refresh stored aggregates, whichever app adds them."""
    return sorted(
        path.stem
        for path in ROOT.glob("*/management/commands/*.py")
        if "aggregate" in path.stem and not path.stem.startswith("_")
    )


def _manage(*args: str, env: dict) -> None:
    started = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)
    print(f"   manage.py {' '.join(args)}: {time.monotonic() - started:.1f} s", flush=True)


def _recompute_scores(env: dict) -> None:
    """`manage.py recompute_scores` over every state, in one process per CPU (each takes
    a share of the states, balanced by LEAs): it spends most of its time waiting on
    PostgreSQL, about three minutes in one process."""
    started = time.monotonic()
    groups: list[list[str]] = [[] for _ in range(max(1, min(4, os.cpu_count() or 1)))]
    loads = [0] * len(groups)
    for code, count in sorted(LEA_COUNTS.items(), key=lambda item: -item[1]):
        i = loads.index(min(loads))
        groups[i].append(code)
        loads[i] += count
    manage = [sys.executable, str(ROOT / "manage.py"), "recompute_scores"]
    running = [
        subprocess.Popen(
            [*manage, *(arg for code in group for arg in ("--state", code))], env=env, cwd=ROOT
        )
        for group in groups
    ]
    if any(process.wait() for process in running):
        raise SystemExit("manage.py recompute_scores failed")
    print(
        f"   manage.py recompute_scores ({len(groups)} processes): "
        f"{time.monotonic() - started:.1f} s",
        flush=True,
    )


def ensure(force: bool = False) -> bool:
    """Build the database unless it is current. True when it was (re)built."""
    mark = build_mark()
    if not force and stored_mark() == mark:
        print(f"{DB_NAME} is current ({mark}); reused.", flush=True)
        return False
    started = time.monotonic()
    print(f"Building {DB_NAME} ({mark})", flush=True)
    subprocess.run(["dropdb", *PG, "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", *PG, DB_NAME], check=True)
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "cbe_portal.settings",
        "LOG_LEVEL": "WARNING",
    }
    _manage("migrate", "--noinput", "-v", "0", env=env)
    for name in ("cbe-v1.yaml", "cbe-v2.yaml"):
        _manage("load_framework", f"frameworks/{name}", env=env)
    # The rows are written in a child process with this database configured.
    subprocess.run([sys.executable, __file__, "--rows"], env=env, cwd=ROOT, check=True)
    _psql("ANALYZE", DB_NAME)  # the COPY left no statistics: plans would be blind
    _recompute_scores(env)
    for command in aggregate_commands():
        _manage(command, env=env)
    vacuum_started = time.monotonic()
    _psql("VACUUM ANALYZE", DB_NAME)
    print(f"   VACUUM ANALYZE: {time.monotonic() - vacuum_started:.1f} s", flush=True)
    _psql(f"COMMENT ON DATABASE {DB_NAME} IS '{mark}'")
    print(f"Built {DB_NAME} in {time.monotonic() - started:.0f} s.", flush=True)
    return True


def _rows_main() -> None:
    import django

    django.setup()
    summary = national_build(NATIONAL)
    print(
        f"   rows: {summary.states} states, {summary.leas:,} LEAs, {summary.cycles} cycles, "
        f"{summary.assessments:,} assessments, {summary.answers:,} answers, "
        f"{summary.profiles} policy profiles, {summary.participants:,} lever participants, "
        f"{summary.users} users",
        flush=True,
    )
    for step, seconds in summary.seconds.items():
        print(f"     {step}: {seconds:.1f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when current")
    parser.add_argument("--rows", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows:
        _rows_main()
        return 0
    ensure(force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
