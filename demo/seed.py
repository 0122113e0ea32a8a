"""A realistic, invented demo data set: three states, ~190 LEAs, two cycles, users of every role.

Everything is drawn from `random.Random` generators seeded with fixed strings, so the demo
is identical on every run. Names, notes and citations are invented for demonstration; they
describe no real district.

The plan (what to create) is computed by plain functions; `demo_seed` writes it in one
transaction with bulk inserts, and `demo_reset` removes it again.
"""

import datetime
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from accounts.models import Role, User
from accounts.services import user_add
from assessments.models import Answer, Assessment, AssessmentCycle, Comment
from assessments.scores import assessment_list_rescore
from assessments.scoring import state_stage
from assessments.services import cycle_create
from directory.models import LEA, State
from frameworks.document import Framework
from frameworks.models import FrameworkVersion, Indicator, Lever
from frameworks.selectors import framework_for_new_cycles
from frameworks.services import framework_load
from plans.models import CoachingComment, Objective, Plan, ProgressNote, Task
from policies.models import (
    LeverParticipant,
    LeverStatus,
    Participation,
    PolicyStatus,
    StatePolicyProfile,
)
from policies.services import policy_profile_list_restage
from reports.models import ReportBatch, ReportJob

SEED = "cbe-demo-2026"
# Shown on the login table and in the docs: a demo password is meant to be known.
DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105
# Both shipped versions are loaded; the current cycle is opened with the newest (cbe-v2, the
# default for new cycles) and the prior one keeps cbe-v1, so the demo shows a framework
# change and the rules of both.
FRAMEWORK_FILES = tuple(
    Path(settings.BASE_DIR) / "frameworks" / name for name in ("cbe-v1.yaml", "cbe-v2.yaml")
)
PRIOR_FRAMEWORK_FILE = FRAMEWORK_FILES[0]
UTC = datetime.UTC

PRIOR_CYCLE = "2025-26"
CURRENT_CYCLE = "2026-27"
CYCLES = (
    # name, starts, ends, open
    (PRIOR_CYCLE, datetime.date(2025, 8, 1), datetime.date(2026, 6, 30), False),
    (CURRENT_CYCLE, datetime.date(2026, 8, 1), datetime.date(2027, 6, 30), True),
)


@dataclass(frozen=True)
class StateSpec:
    code: str
    fips: str
    name: str
    lea_count: int
    # Mean latent readiness (on the 1-4 rubric scale) in the current cycle.
    readiness: float


STATES = (
    StateSpec("NH", "33", "New Hampshire", 60, 2.75),
    StateSpec("MI", "26", "Michigan", 90, 2.45),
    StateSpec("AK", "02", "Alaska", 40, 2.05),
)
DEMO_STATE_CODES = tuple(s.code for s in STATES)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    state_code: str | None
    first_name: str
    last_name: str


DISTRICT_LEADER_USERNAME = "district-leader"
DEMO_USERS = (
    DemoUser("admin", Role.NATIONAL_ADMIN, None, "Rosa", "Delgado"),
    DemoUser("nh-admin", Role.STATE_ADMIN, "NH", "Martin", "Ayers"),
    DemoUser("nh-staff", Role.STATE_STAFF, "NH", "Priya", "Castellano"),
    DemoUser("nh-taskforce", Role.TASK_FORCE, "NH", "Gordon", "Lapointe"),
    DemoUser(DISTRICT_LEADER_USERNAME, Role.DISTRICT_LEADER, "NH", "Helen", "Marchetti"),
    DemoUser("mi-admin", Role.STATE_ADMIN, "MI", "Darnell", "Fisher"),
    DemoUser("mi-staff", Role.STATE_STAFF, "MI", "Katie", "Olejnik"),
    DemoUser("ak-admin", Role.STATE_ADMIN, "AK", "Samuel", "Nakamura"),
    DemoUser("ak-staff", Role.STATE_STAFF, "AK", "Irene", "Sorensen"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)


# --------------------------------------------------------------------------- LEAs


@dataclass
class LeaPlan:
    leaid: str
    name: str
    city: str
    agency_type: str
    locale: str
    locale_code: str
    enrollment: int | None
    school_count: int
    is_charter: bool = False
    # Latent readiness in the current cycle (1-4 scale) and per-domain offsets.
    level: float = 2.5
    domain_offsets: dict[str, float] = field(default_factory=dict)

    @property
    def is_assessed(self) -> bool:
        """Supervisory unions run no schools of their own, so the state does not assess them."""
        return self.enrollment is not None


REGULAR = "Regular local school district"
COMPONENT = "Local school district that is a component of a supervisory union"
SUPERVISORY_UNION = "Supervisory union"
CHARTER = "Charter agency"
STATE_OPERATED = "State-operated agency"


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    """Word lists written as one string, to keep the long lists of name parts compact."""
    return tuple(word.strip() for word in text.split(sep))


_NH_STARTS = _words(
    "Ash Bel Brad Cam Dal Elm Fair Glen Hart Hol Ken Lang Mar Mil Oak Pem Ray Rock Sand "
    "Stan Sut Wake Wal Whit Win Wood Brook Dun Gran Hamp Lynd Thorn"
)
_NH_ENDS = _words("ford ton field bury ham wick mont borough dale well stead by land worth")
_NH_PREFIXES = ("North ", "East ", "West ", "South ", "New ")
_MI_FIRSTS = _words(
    "Tamarack, Pine, Maple, Birch, Willow, Elk, Beaver, Crystal, Silver, Clear, Fox, Deer, "
    "Heron, Otter, Walnut, Sturgeon, Iron, Copper, Loon, Stony, Red Oak, Sumac, Trillium, "
    "Kingfisher",
    sep=",",
)
_MI_SECONDS = _words(
    "Lake Rapids Creek Harbor Hills Haven Point Falls Ridge River Park Valley Grove Springs "
    "Lakes Shores"
)
_AK_FIRSTS = _words(
    "Copper Raven Spruce Glacier Kelp Eagle Caribou Salmon Moose Tern Alder Fireweed "
    "Tidewater Willow Cottonwood Ptarmigan Otter Halibut Wolf Crane Lynx Tundra"
)
_AK_SECONDS = _words(
    "Bay Inlet Point River Pass Sound Flats Lake Creek Island Cove Ridge Harbor Narrows Valley"
)
_CHARTER_FIRSTS = _words(
    "Great Lakes, Cedar Ridge, Riverbend, Summit, Keystone, Northstar, Lakeside, Pathways, "
    "Horizon, Compass, Trailhead, Meridian, Granite Ridge, Lighthouse, Evergreen, Open Door",
    sep=",",
)
_MI_CHARTER_SUFFIXES = _words(
    "Academy, Preparatory Academy, STEM Academy, Public School Academy, Arts Academy",
    sep=",",
)
_NH_CHARTER_SUFFIXES = _words(
    "Charter School, Community Charter School, Academy Public Charter School",
    sep=",",
)

# Median enrollment by locale before the state factor; spread is log-normal.
_MEDIAN_ENROLLMENT = {"city": 11000, "suburb": 4000, "town": 1400, "rural": 450}
_STATE_SIZE_FACTOR = {"NH": 0.55, "MI": 1.0, "AK": 0.45}
# Typical students per school, to derive a school count consistent with enrollment.
_SCHOOL_SIZE = {"city": 560, "suburb": 600, "town": 430, "rural": 210}
_LOCALE_READINESS = {"city": 0.0, "suburb": 0.2, "town": 0.0, "rural": -0.15}
DOMAIN_MEANS = {"blended": 0.15, "structure": 0.0, "equity": -0.25}


def _place_names(rng: random.Random, state_code: str, count: int) -> list[str]:
    if state_code == "NH":
        roots = [s + e for s in _NH_STARTS for e in _NH_ENDS if s[-1] != e[0]]
        rng.shuffle(roots)
        names = [(rng.choice(_NH_PREFIXES) + r) if rng.random() < 0.12 else r for r in roots]
    else:
        firsts, seconds = (
            (_MI_FIRSTS, _MI_SECONDS) if state_code == "MI" else (_AK_FIRSTS, _AK_SECONDS)
        )
        names = [f"{a} {b}" for a in firsts for b in seconds]
        rng.shuffle(names)
        if state_code == "MI":
            # A share of Michigan places get New England style one-word names.
            singles = [s + e for s in _NH_STARTS for e in _NH_ENDS if s[-1] != e[0]]
            rng.shuffle(singles)
            names = [n for pair in zip(names, singles, strict=False) for n in pair]
    unique = list(dict.fromkeys(names))
    return unique[:count]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _locale_code(rng: random.Random, state_code: str, locale: str, enrollment: int | None) -> str:
    size = enrollment or 0
    if locale == "city":
        return "11" if size >= 25000 else "12" if size >= 8000 else "13"
    if locale == "suburb":
        return "21" if size >= 10000 else "22" if size >= 4000 else "23"
    if locale == "town":
        weights = (
            {"31": 0.1, "32": 0.3, "33": 0.6}
            if state_code == "AK"
            else {"31": 0.3, "32": 0.4, "33": 0.3}
        )
        return _pick(rng, weights)
    weights = (
        {"41": 0.05, "42": 0.2, "43": 0.75}
        if state_code == "AK"
        else {"41": 0.4, "42": 0.35, "43": 0.25}
    )
    return _pick(rng, weights)


def _enrollment(rng: random.Random, state_code: str, locale: str) -> int:
    median = _MEDIAN_ENROLLMENT[locale] * _STATE_SIZE_FACTOR[state_code]
    if state_code == "AK" and locale == "rural":
        median = 160
    value = math.exp(rng.gauss(math.log(median), 0.75))
    return int(min(max(value, 40), 50000))


def _school_count(rng: random.Random, state_code: str, locale: str, enrollment: int) -> int:
    per_school = _SCHOOL_SIZE[locale] * (0.45 if state_code == "AK" and locale == "rural" else 1)
    return max(1, round(enrollment / per_school * rng.uniform(0.8, 1.25)))


def _lea_kinds(spec: StateSpec) -> list[tuple[str, dict[str, float]]]:
    """(kind, locale weights) for every LEA of the state; the first is the largest city."""
    n = spec.lea_count
    if spec.code == "NH":
        kinds = [("city", {"city": 1})]
        kinds += [("charter", {"city": 0.5, "suburb": 0.3, "town": 0.2})] * 4
        kinds += [("sau", {"town": 0.5, "rural": 0.5})] * 3
        kinds += [("coop", {"town": 0.3, "rural": 0.7})] * 6
        rest = {"city": 0.05, "suburb": 0.22, "town": 0.2, "rural": 0.53}
    elif spec.code == "MI":
        kinds = [("city", {"city": 1})] + [("charter", {"city": 0.6, "suburb": 0.4})] * 8
        rest = {"city": 0.1, "suburb": 0.35, "town": 0.2, "rural": 0.35}
    else:
        kinds = [("city", {"city": 1}), ("borough", {"suburb": 1})]
        kinds += [("state_operated", {"town": 1})]
        kinds += [("borough", {"town": 0.5, "rural": 0.5})] * 9
        kinds += [("city_sd", {"town": 0.6, "rural": 0.4})] * 10
        rest = {"rural": 1.0}
        return kinds + [("reaa", rest)] * (n - len(kinds))
    return kinds + [("district", rest)] * (n - len(kinds))


def _lea_name(rng: random.Random, state_code: str, kind: str, place: str) -> tuple[str, str]:
    """The LEA's name and agency type."""
    if kind == "charter":
        suffixes = _NH_CHARTER_SUFFIXES if state_code == "NH" else _MI_CHARTER_SUFFIXES
        return f"{rng.choice(_CHARTER_FIRSTS)} {rng.choice(suffixes)}", CHARTER
    if state_code == "NH":
        if kind == "sau":
            return f"{place} Area Supervisory Union", SUPERVISORY_UNION
        if kind == "coop":
            label = rng.choice(("Cooperative School District", "Regional School District"))
            return f"{place} {label}", COMPONENT
        return f"{place} School District", REGULAR if kind == "city" else COMPONENT
    if state_code == "MI":
        label = (
            "Public Schools"
            if kind == "city"
            else _pick(
                rng,
                {
                    "Public Schools": 0.35,
                    "Community Schools": 0.3,
                    "Area Schools": 0.15,
                    "Consolidated Schools": 0.05,
                    "Community School District": 0.1,
                    "School District": 0.05,
                },
            )
        )
        return f"{place} {label}", REGULAR
    if kind == "state_operated":
        return f"{place} Residential School", STATE_OPERATED
    if kind == "borough":
        return f"{place} Borough School District", REGULAR
    if kind == "city_sd":
        return f"{place} City School District", REGULAR
    if kind == "reaa":
        return f"{place} {rng.choice(('School District', 'Area School District'))}", REGULAR
    return f"{place} School District", REGULAR


def lea_plans(spec: StateSpec) -> list[LeaPlan]:
    """The state's LEAs, sorted by name, with LEAIDs ascending in name order as in the CCD."""
    rng = random.Random(f"{SEED}-leas-{spec.code}")
    kinds = _lea_kinds(spec)
    places = _place_names(rng, spec.code, len(kinds))
    plans, used_names = [], set()
    forced_size = {"NH": 12800, "MI": 48500, "AK": 43100}
    member_towns = rng.sample(places[len(places) // 4 :], sum(k == "sau" for k, _ in kinds))
    for i, ((kind, locale_weights), place) in enumerate(zip(kinds, places, strict=True)):
        locale = _pick(rng, locale_weights)
        if kind == "sau":
            # Named after one of its member towns, as supervisory unions usually are.
            place = member_towns.pop()
        name, agency_type = _lea_name(rng, spec.code, kind, place)
        while name in used_names:
            name = f"{place} {name}" if kind == "charter" else f"{name} {rng.randint(2, 9)}"
        used_names.add(name)
        city = rng.choice(places[: len(places) // 3]) if kind == "charter" else place
        if kind == "sau":
            enrollment, schools = None, 0
        elif kind == "charter":
            enrollment = rng.randint(80, 900)
            schools = 1 if enrollment < 600 else 2
        elif kind == "state_operated":
            enrollment, schools = rng.randint(250, 450), 1
        else:
            enrollment = forced_size[spec.code] if i == 0 else _enrollment(rng, spec.code, locale)
            if kind == "borough":
                # Boroughs cover large areas, so even rural ones gather a few hundred students.
                enrollment = (
                    rng.randint(15000, 20000)
                    if locale == "suburb"
                    else _enrollment(rng, spec.code, "town")
                )
            schools = _school_count(rng, spec.code, locale, enrollment)
            if agency_type == COMPONENT and enrollment >= 3000:
                # Larger New Hampshire districts run their own administrative unit.
                agency_type = REGULAR
        level = spec.readiness + _LOCALE_READINESS[locale] + rng.gauss(0, 0.45)
        if kind == "charter":
            level += 0.3
        plans.append(
            LeaPlan(
                leaid="",
                name=name,
                city=city,
                agency_type=agency_type,
                locale=locale,
                locale_code=_locale_code(rng, spec.code, locale, enrollment),
                enrollment=enrollment,
                school_count=schools,
                is_charter=kind == "charter",
                level=level,
                domain_offsets={d: rng.gauss(0, 0.3) for d in DOMAIN_MEANS},
            )
        )
    plans.sort(key=lambda p: p.name)
    numbers = sorted(rng.sample(range(100, 99900), len(plans)))
    for plan, number in zip(plans, numbers, strict=True):
        plan.leaid = f"{spec.fips}{number:05d}"
    return plans


# --------------------------------------------------------------------------- answers

# How an indicator departs from the district's level, by locale ("*" for every locale).
INDICATOR_TENDENCIES = {
    "BL-01": {"*": 0.35},
    "BL-02": {"rural": -0.9, "town": -0.4, "city": -0.2, "suburb": 0.3},
    "BL-03": {"rural": -0.45, "town": -0.15},
    "BL-13": {"*": 0.3},
    "BL-14": {"rural": -0.5, "town": -0.2},
    "BL-15": {"rural": -0.35, "city": 0.3},
    "EQ-05": {"*": -0.2},
    "EQ-07": {"*": -0.35},
    "EQ-08": {"rural": 0.25, "city": -0.25},
    # cbe-v2's new and rewritten indicators
    "BL-17": {"rural": -0.3, "suburb": 0.2},
    "CS-19": {"*": -0.3},
    "CS-21": {"*": -0.4},
    "EQ-15": {"*": -0.2},
    "EQ-16": {"*": -0.35},
}
# State policy leaves a mark on the indicators its levers touch.
STATE_TENDENCIES = {
    "NH": {"CS-11": 0.4, "CS-20": 0.4, "CS-21": 0.3, "CS-12": 0.3, "CS-13": 0.55, "BL-11": 0.3},
    "MI": {"BL-12": 0.25, "CS-13": -0.1},
    "AK": {"CS-13": -0.25, "BL-07": 0.2, "BL-14": 0.3},
}
DONT_KNOW_SHARE = {"blended": 0.03, "structure": 0.05, "equity": 0.07}
EVIDENCE_SHARE = 0.3

# Evidence notes: (for ratings 1-2, for ratings 3-4). Placeholders are filled per answer.
EVIDENCE_NOTES = {
    "BL-01": (
        "Devices are on shared carts in most buildings; only {grades} is one-to-one.",
        "Every student has an assigned device; the refresh is budgeted every four years.",
    ),
    "BL-02": (
        "About {low_pct}% of families report reliable home internet; hotspots run out each fall.",
        "Family survey in {month} found {high_pct}% of students connected at home; "
        "hotspots loaned to the rest.",
    ),
    "BL-03": (
        "One part-time technician for all buildings; the network slows when classes stream video.",
        "Bandwidth upgraded in {year}; the help desk answers tickets within a day.",
    ),
    "BL-04": (
        "No blended-learning training beyond a single in-service day.",
        "{n} teachers finished a station-rotation course; coaches visit classrooms monthly.",
    ),
    "BL-05": (
        "Student-centered practice comes up in PD, but there is no sustained training.",
        "Year-long cohort on competency-based teaching, with {n} teachers enrolled.",
    ),
    "BL-06": (
        "Teachers get benchmark results but have little time to act on them.",
        "Data meetings every two weeks; teams regroup students based on the results.",
    ),
    "BL-07": (
        "Each school picked its own platform; families juggle several logins.",
        "One learning management system from K-12 with single sign-on since {year}.",
    ),
    "BL-08": (
        "Progress on competencies lives in individual teacher gradebooks.",
        "Competency tracker in use in {grades}; students can see their own progress.",
    ),
    "BL-09": (
        "Teachers find their own online content; nothing is reviewed centrally.",
        "The curriculum office keeps a reviewed library of digital content by unit.",
    ),
    "BL-10": (
        "No process yet for choosing or reviewing open materials.",
        "Open materials adopted for {grades} math; a teacher committee reviews them each spring.",
    ),
    "BL-11": (
        "A few teachers use performance tasks, each with their own rubric.",
        "Common rubrics for writing and science tasks, scored together each {month}.",
    ),
    "BL-12": (
        "Credit comes only from seat-time courses; requests for outside learning are rare.",
        "Board policy allows credit for internships and online courses; {n} students "
        "used it last year.",
    ),
    "BL-13": (
        "The continuity plan dates from the pandemic and has not been revised.",
        "Continuity-of-learning plan updated in {month} {year} and shared with staff.",
    ),
    "BL-14": (
        "Moving to remote learning would take at least a week to organize.",
        "Practised a remote day in {month}; most classes were running by mid-morning.",
    ),
    "BL-15": (
        "No outside partners yet; a university partnership is being discussed.",
        "Working with the regional service center and a community college on the transition.",
    ),
    "BL-16": (
        "Planning has involved administrators only so far.",
        "Parent, student and teacher forums held in {month}; the feedback changed the "
        "rollout plan.",
    ),
    "CS-01": (
        "Decisions sit with the superintendent and principals.",
        "A design team of teachers, students and principals meets monthly and sets priorities.",
    ),
    "CS-02": (
        "Principals have had no training specific to competency-based learning.",
        "All principals joined a leadership cohort on competency-based systems in {year}.",
    ),
    "CS-03": (
        "The district vision predates this work and does not mention it.",
        "Vision drafted through community forums in {year}; adopted by the board.",
    ),
    "CS-04": (
        "A graduate profile has been discussed but not drafted.",
        "Board adopted a graduate profile in {month}; course revisions now refer to it.",
    ),
    "CS-05": (
        "Staff meetings are mostly announcements, with little shared learning time.",
        "Weekly team time is protected for looking at student work together.",
    ),
    "CS-06": (
        "Mistakes still cost points; retakes are allowed in some classes only.",
        "Revision and reassessment are routine; students talk about 'not yet' rather than failing.",
    ),
    "CS-07": (
        "Proficiency means different things from one teacher to the next.",
        "Proficiency scales written for every course in {grades}.",
    ),
    "CS-08": (
        "No calibration sessions held yet.",
        "Teachers double-score samples each quarter and track how often they agree.",
    ),
    "CS-09": (
        "Goal setting happens once a year in advisory.",
        "Students keep learning plans and review their goals with an adviser every few weeks.",
    ),
    "CS-10": (
        "Students have few choices in how they show what they learned.",
        "Project options in most courses; a student panel advises the board.",
    ),
    "CS-11": (
        "Letter grades with averaging; no standards-based reporting.",
        "Standards-based report cards in {grades} since {year}.",
    ),
    "CS-12": (
        "All students move through the calendar together.",
        "Students move on once they show mastery; pacing guides are flexible.",
    ),
    "CS-13": (
        "Credits still rest on seat time and passing grades.",
        "High school credit is awarded on demonstrated competencies in every course.",
    ),
    "CS-14": (
        "Help for struggling students depends on after-school availability.",
        "Daily intervention block; students get help within a week of a missed target.",
    ),
    "CS-15": (
        "Students not yet proficient at the end of the term usually fail the course.",
        "Students keep working on unmet competencies into the next term without "
        "repeating the course.",
    ),
    "CS-16": (
        "Adaptive software is licensed but rarely used.",
        "Adaptive practice assigned from each student's latest assessment results.",
    ),
    "CS-17": (
        "Most assessments are recall-level quizzes and tests.",
        "Every course includes at least one task that asks for analysis or design.",
    ),
    "CS-18": (
        "Few chances to apply learning outside the classroom.",
        "Grade 12 capstone projects with community partners are required.",
    ),
    "EQ-01": (
        "Extended projects happen in honors and gifted classes only.",
        "Every student completes at least two extended projects a year.",
    ),
    "EQ-02": (
        "Challenging projects mostly go to students who are already ahead.",
        "Project access is reviewed by student group each semester; gaps have narrowed.",
    ),
    "EQ-03": (
        "Students who finish early usually get more of the same work.",
        "Extension tasks are prepared for every unit so early finishers go deeper.",
    ),
    "EQ-04": (
        "Flexible pacing exists only in the online credit-recovery program.",
        "Students in {grades} can move at their own pace within each course.",
    ),
    "EQ-05": (
        "Students are still grouped and named as advanced or remedial.",
        "Groups are named by their current focus, not by ability, in every school.",
    ),
    "EQ-06": (
        "Tracking starts in grade 6 for math and English.",
        "Groups change every few weeks based on recent evidence.",
    ),
    "EQ-07": (
        "Pacing data is not broken out by student group.",
        "Pacing is reviewed by student group each quarter and reported to the board.",
    ),
    "EQ-08": (
        "Schedules and staffing are set centrally for every school.",
        "Schools set their own redesign priorities within a district framework.",
    ),
    "EQ-09": (
        "The central office mainly checks compliance.",
        "Central office staff work as coaches; schools rate their support each spring.",
    ),
    "EQ-10": (
        "The plan rolls out to every school at once next fall.",
        "Rollout staged by readiness: {n} schools this year, the rest later.",
    ),
    "EQ-11": (
        "Proficiency decisions rest mostly on unit tests.",
        "Teachers combine tasks, observations and tests before marking a competency met.",
    ),
    "EQ-12": (
        "Tools are bought school by school with no review of fit.",
        "A short rubric checks new digital tools for fit with competency tracking.",
    ),
    "EQ-13": (
        "The improvement plan uses state test scores only.",
        "The improvement plan tracks attendance, competency progress and surveys twice a year.",
    ),
    "EQ-14": (
        "Families get report cards but find progress on competencies hard to follow.",
        "A family portal shows progress on each competency; conferences are student-led.",
    ),
    # cbe-v2's new and rewritten indicators
    "BL-17": (
        "No list of the apps that hold student data; agreements signed school by school.",
        "Every app holding student data is listed with a signed privacy agreement.",
    ),
    "CS-19": (
        "Coaching is paid from a grant that ends in {year}.",
        "Coaching and release time are in the general fund for the next three years.",
    ),
    "CS-20": (
        "Letter grades with averaging; no reporting by standard.",
        "Report cards show each standard separately from work habits in {grades}.",
    ),
    "CS-21": (
        "Students move on with the calendar even when a unit was not mastered.",
        "Students move on once they show proficiency; support plans for the rest.",
    ),
    "CS-22": (
        "Honor roll and class rank are still published; retakes depend on the teacher.",
        "A district retake rule since {year}; growth awards replaced the honor roll.",
    ),
    "CS-23": (
        "The vision was written by the board in {year} with no outside input.",
        "Students, families, staff and community wrote the vision; reviewed in {month}.",
    ),
    "EQ-15": (
        "Progress walls in several schools rank students by level reached.",
        "A yearly walk-through found no displays or awards ranking students by speed.",
    ),
    "EQ-16": (
        "Progress rates are not broken out by student group.",
        "Progress by student group is reviewed each term; each gap has a named owner.",
    ),
    "EQ-17": (
        "Schools have never been asked to rate central office support.",
        "Principals rate each department every spring; two processes changed this year.",
    ),
}
GENERIC_NOTES = (
    ("Practice varies a lot between buildings.", "In place in every building; reviewed yearly."),
    (
        "Discussed at the leadership retreat; no plan yet.",
        "Part of the strategic plan since {year}; progress reported to the board.",
    ),
)
DONT_KNOW_NOTES = (
    "Need to check with the technology director.",
    "Not sure; will ask the curriculum office.",
    "Principals gave different answers; following up.",
    "No data yet for this school year.",
    "Waiting on the family survey results in {month}.",
)
RETURN_NOTES = (
    "Please add a note on what this rating rests on; a policy, a date or a document is enough.",
    "A 4 here is not matched by the evidence note. Can you confirm it or lower the rating?",
    "Could someone in the district answer this instead of don't know? It affects the domain score.",
    "Does this apply to every school or only the high school? Please say in the note.",
    "This is well below last year's accepted rating. Did something change?",
)
RETURN_SUMMARY = (
    "Returned for a few clarifications; see the notes on the indicators. "
    "Resubmit once they are addressed."
)
LEADER_COMMENT = "Thank you. Our board will go over the report at its December meeting."
_MONTHS = _words("September October November December January February March April May")
_GRADES = _words(
    "grades K-5, grades 6-8, grades 9-12, grades K-8, the middle school, the high school",
    sep=",",
)


@dataclass(frozen=True)
class IndicatorRef:
    id: int
    code: str
    domain: str


@dataclass
class AnswerPlan:
    indicator: IndicatorRef
    rating: int | None
    dont_know: bool
    evidence: str


def _note(rng: random.Random, template: str, *, year: int) -> str:
    return template.format(
        month=rng.choice(_MONTHS),
        year=rng.randint(year - 4, year),
        n=rng.randint(3, 14),
        grades=rng.choice(_GRADES),
        low_pct=rng.randrange(40, 75, 5),
        high_pct=rng.randrange(85, 99),
    )


def answer_plans(
    rng: random.Random,
    *,
    state_code: str,
    lea: LeaPlan,
    indicators: list[IndicatorRef],
    level: float,
    share: float,
    year: int,
) -> list[AnswerPlan]:
    """Answers for the first `share` of the indicators (staff work domain by domain)."""
    count = len(indicators) if share >= 1 else round(len(indicators) * share)
    chosen = indicators[:count]
    if share < 1:
        # A few skipped to come back to later.
        chosen = [i for i in chosen if rng.random() > 0.08]
    result = []
    for ind in chosen:
        if rng.random() < DONT_KNOW_SHARE.get(ind.domain, 0.05):
            note = _note(rng, rng.choice(DONT_KNOW_NOTES), year=year) if rng.random() < 0.5 else ""
            result.append(AnswerPlan(ind, None, True, note))
            continue
        tendency = INDICATOR_TENDENCIES.get(ind.code, {})
        value = (
            level
            + DOMAIN_MEANS.get(ind.domain, 0)
            + lea.domain_offsets.get(ind.domain, 0)
            + tendency.get("*", 0)
            + tendency.get(lea.locale, 0)
            + STATE_TENDENCIES[state_code].get(ind.code, 0)
            + rng.gauss(0, 0.55)
        )
        rating = min(4, max(1, round(value)))
        evidence = ""
        if rng.random() < EVIDENCE_SHARE:
            low, high = EVIDENCE_NOTES.get(ind.code) or rng.choice(GENERIC_NOTES)
            evidence = _note(rng, low if rating <= 2 else high, year=year)
        result.append(AnswerPlan(ind, rating, False, evidence))
    return result


# --------------------------------------------------------------------------- policy

# (lever code, status, citation, note); levers not listed have no activity in the cycle.
POLICY_PLANS: dict[tuple[str, str], list[tuple[str, str, str, str]]] = {
    ("AK", PRIOR_CYCLE): [],
    ("AK", CURRENT_CYCLE): [
        (
            "task_force",
            "exploring",
            "https://education.alaska.gov/",
            "The state board chartered a working group on personalized learning; its report is "
            "due in spring 2027.",
        ),
        (
            "credit_flexibility",
            "exploring",
            "4 AAC 06.075 (proposed amendment)",
            "Draft rule on credit by demonstrated mastery is out for public comment.",
        ),
    ],
    ("MI", PRIOR_CYCLE): [
        (
            "task_force",
            "exploring",
            "https://www.michigan.gov/mde",
            "A legislative study committee held hearings on competency-based credit.",
        ),
        (
            "pilots_grants",
            "enacted",
            "MCL 388.1622 (demonstration grants)",
            "Twelve districts received planning grants for competency-based pilots.",
        ),
        (
            "multiple_pathways",
            "exploring",
            "House Bill 4410 (not passed)",
            "A bill to widen dual enrollment and work-based credit stalled in committee.",
        ),
        (
            "assessment_redesign",
            "exploring",
            "https://www.michigan.gov/mde",
            "The department is studying through-year assessment designs.",
        ),
    ],
    ("MI", CURRENT_CYCLE): [
        (
            "task_force",
            "enacted",
            "Executive Directive 2026-3",
            "A standing council on competency-based learning reports to the state board.",
        ),
        (
            "credit_flexibility",
            "enacted",
            "Mich. Admin. Code R 340.1792",
            "Seat-time waivers let approved districts award credit on demonstrated mastery.",
        ),
        (
            "pilots_grants",
            "enacted",
            "MCL 388.1622 (demonstration grants)",
            "The pilot grant program was renewed and extended to 20 districts.",
        ),
        (
            "multiple_pathways",
            "exploring",
            "House Bill 4410 (reintroduced)",
            "The pathways bill was reintroduced with work-based learning credit.",
        ),
        (
            "assessment_redesign",
            "exploring",
            "https://www.michigan.gov/mde",
            "Through-year assessment field test planned in three regions.",
        ),
        (
            "local_capacity",
            "enacted",
            "MCL 380.1526 (educator learning)",
            "Regional coaching network funded for districts in the pilot program.",
        ),
    ],
    ("NH", PRIOR_CYCLE): [
        (
            "task_force",
            "enacted",
            "RSA 193-E:3-b",
            "A commission on competency-based learning reports to the legislature every year.",
        ),
        (
            "credit_flexibility",
            "statewide",
            "N.H. Code Admin. R. Ed 306.27",
            "Every high school awards credit on demonstrated competency.",
        ),
        (
            "pilots_grants",
            "enacted",
            "https://www.education.nh.gov/",
            "Innovation grants fund planning time in a dozen districts.",
        ),
        (
            "multiple_pathways",
            "statewide",
            "N.H. Code Admin. R. Ed 306.27(d)",
            "Extended learning opportunities count toward graduation in every district.",
        ),
        (
            "proficiency_diplomas",
            "exploring",
            "House Bill 1120 (interim study)",
            "Legislators are studying a diploma based on graduate competencies.",
        ),
        (
            "assessment_redesign",
            "enacted",
            "RSA 193-C:3",
            "Districts in the performance assessment pilot use local tasks in place of some "
            "state tests.",
        ),
        (
            "next_gen_accountability",
            "exploring",
            "https://www.education.nh.gov/",
            "The department is consulting on adding competency measures to school ratings.",
        ),
    ],
    ("NH", CURRENT_CYCLE): [
        (
            "task_force",
            "enacted",
            "RSA 193-E:3-b",
            "The commission's 2026 report recommends a competency-based diploma.",
        ),
        (
            "credit_flexibility",
            "statewide",
            "N.H. Code Admin. R. Ed 306.27",
            "Every high school awards credit on demonstrated competency.",
        ),
        (
            "innovation_zones",
            "exploring",
            "Senate Bill 214 (in committee)",
            "A bill would let groups of districts seek waivers as innovation zones.",
        ),
        (
            "pilots_grants",
            "enacted",
            "https://www.education.nh.gov/",
            "Innovation grants continue, now with a cohort of rural districts.",
        ),
        (
            "multiple_pathways",
            "statewide",
            "N.H. Code Admin. R. Ed 306.27(d)",
            "Extended learning opportunities count toward graduation in every district.",
        ),
        (
            "proficiency_diplomas",
            "statewide",
            "RSA 193-C:3-a",
            "Every district awards the diploma on graduate competencies from the class of 2027.",
        ),
        (
            "assessment_redesign",
            "enacted",
            "RSA 193-C:3",
            "The performance assessment pilot added eight districts this year.",
        ),
        (
            "next_gen_accountability",
            "exploring",
            "https://www.education.nh.gov/",
            "A draft accountability model with competency measures is out for comment.",
        ),
        (
            "local_capacity",
            "statewide",
            "https://www.education.nh.gov/",
            "State-funded coaches and a peer network are open to every district.",
        ),
    ],
}

# State actions (cbe-v2) recorded in the current cycle: (action code, status, note).
STATE_ACTION_PLANS: dict[str, list[tuple[str, str, str]]] = {
    "NH": [
        ("needs_assessment", "done", "Readiness survey of every district closed in March."),
        ("vision_partners", "under_way", "A university and the regional centers lead it."),
        ("planning_task_force", "done", "Its near-term plan was adopted by the state board."),
    ],
    "MI": [
        ("needs_assessment", "under_way", "Regional service agencies are collecting answers."),
    ],
    "AK": [],
}


def policy_stage(framework: Framework, statuses: dict[str, str]) -> str:
    """The state stage the framework's rule gives for lever statuses (lever code -> status)."""
    return state_stage(framework, statuses)


# --------------------------------------------------------------------------- assessments

STATUS_SHARES = (
    # status in the current cycle (None = not started), share of assessed LEAs
    (None, 0.1),
    (Assessment.Status.ACCEPTED, 0.26),
    (Assessment.Status.SUBMITTED, 0.18),
    (Assessment.Status.RETURNED, 0.08),
)
PRIOR_ACCEPTED_SHARE = 0.6


@dataclass
class AssessmentPlan:
    lea: LeaPlan
    cycle_name: str
    status: str
    answers: list[AnswerPlan]
    submitted_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    updated_at: datetime.datetime
    return_notes: list[tuple[IndicatorRef | None, str]] = field(default_factory=list)
    returned_at: datetime.datetime | None = None


def _moment(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.datetime:
    day = start + datetime.timedelta(days=rng.randint(0, (end - start).days))
    # Office hours on the US East Coast, expressed in UTC.
    return datetime.datetime(
        day.year, day.month, day.day, rng.randint(13, 21), rng.randint(0, 59), tzinfo=UTC
    )


def _current_statuses(rng: random.Random, count: int) -> list[str | None]:
    statuses: list[str | None] = []
    for status, share in STATUS_SHARES:
        statuses += [status] * max(1, round(count * share))
    statuses += [Assessment.Status.DRAFT] * (count - len(statuses))
    rng.shuffle(statuses)
    return statuses


def district_leader_lea(plans: list[LeaPlan]) -> LeaPlan:
    """A mid-sized regular district: the demo district leader's own LEA."""
    regular = [p for p in plans if p.agency_type in (REGULAR, COMPONENT) and p.enrollment]
    mid = [p for p in regular if 1500 <= p.enrollment <= 6000]
    return (mid or regular)[0]


def assessment_plans(
    spec: StateSpec, leas: list[LeaPlan], indicators: dict[str, list[IndicatorRef]]
) -> list[AssessmentPlan]:
    """The assessments of one state; `indicators` are those of each cycle's framework."""
    rng = random.Random(f"{SEED}-assessments-{spec.code}")
    assessed = [p for p in leas if p.is_assessed]
    statuses = dict(
        zip((p.leaid for p in assessed), _current_statuses(rng, len(assessed)), strict=True)
    )
    prior = {p.leaid for p in assessed if rng.random() < PRIOR_ACCEPTED_SHARE}
    if spec.code == "NH":
        # The district leader sees a finished report with a change since last cycle.
        leader = district_leader_lea(leas)
        statuses[leader.leaid] = Assessment.Status.ACCEPTED
        prior.add(leader.leaid)
    plans = []
    for lea in assessed:
        if lea.leaid in prior:
            submitted = _moment(rng, datetime.date(2026, 2, 2), datetime.date(2026, 5, 15))
            accepted = submitted + datetime.timedelta(days=rng.randint(5, 30), hours=1)
            level = lea.level - rng.uniform(0.15, 0.65)
            plans.append(
                AssessmentPlan(
                    lea,
                    PRIOR_CYCLE,
                    Assessment.Status.ACCEPTED,
                    answer_plans(
                        rng,
                        state_code=spec.code,
                        lea=lea,
                        indicators=indicators[PRIOR_CYCLE],
                        level=level,
                        share=1,
                        year=2025,
                    ),
                    submitted,
                    accepted,
                    accepted,
                )
            )
        status = statuses[lea.leaid]
        if status is None:
            continue
        submitted = accepted = returned = None
        if status == Assessment.Status.DRAFT:
            share = rng.uniform(0.15, 0.6) if rng.random() < 0.55 else rng.uniform(0.85, 0.98)
            updated = _moment(rng, datetime.date(2026, 9, 1), datetime.date(2026, 11, 20))
        else:
            share = 1
            submitted = _moment(rng, datetime.date(2026, 9, 14), datetime.date(2026, 11, 6))
            updated = submitted
            if status == Assessment.Status.ACCEPTED:
                accepted = updated = submitted + datetime.timedelta(
                    days=rng.randint(3, 12), hours=2
                )
            elif status == Assessment.Status.RETURNED:
                returned = updated = submitted + datetime.timedelta(days=rng.randint(2, 9), hours=3)
        answers = answer_plans(
            rng,
            state_code=spec.code,
            lea=lea,
            indicators=indicators[CURRENT_CYCLE],
            level=lea.level,
            share=share,
            year=2026,
        )
        plan = AssessmentPlan(
            lea, CURRENT_CYCLE, status, answers, submitted, accepted, updated, returned_at=returned
        )
        if status == Assessment.Status.RETURNED:
            plan.return_notes = _return_notes(rng, answers)
        plans.append(plan)
    return plans


def _return_notes(rng: random.Random, answers: list[AnswerPlan]) -> list:
    """The reviewer's notes: on doubtful answers first, then a summary on the assessment."""
    doubtful = [a for a in answers if a.dont_know or (a.rating == 4 and not a.evidence)]
    others = [a for a in answers if a not in doubtful]
    rng.shuffle(doubtful)
    rng.shuffle(others)
    picked = (doubtful + others)[: rng.randint(2, 4)]
    notes = []
    for answer in sorted(picked, key=lambda a: a.indicator.code):
        if answer.dont_know:
            body = RETURN_NOTES[2]
        elif answer.rating == 4 and not answer.evidence:
            body = RETURN_NOTES[rng.choice((0, 1))]
        elif not answer.evidence:
            body = RETURN_NOTES[0]
        else:
            body = RETURN_NOTES[3]
        notes.append((answer.indicator, body))
    return notes + [(None, RETURN_SUMMARY)]


# --------------------------------------------------------------------------- writing


@dataclass
class Login:
    username: str
    role: str
    place: str
    password: str = DEMO_PASSWORD


def demo_presence() -> str:
    """Why the demo counts as present ("" when it is not)."""
    if User.objects.filter(username__in=DEMO_USERNAMES).exists():
        return "demo users already exist"
    if LEA.objects.filter(state__code__in=DEMO_STATE_CODES).exists():
        return f"LEAs already exist in {', '.join(DEMO_STATE_CODES)}"
    if AssessmentCycle.objects.filter(state__code__in=DEMO_STATE_CODES).exists():
        return f"assessment cycles already exist in {', '.join(DEMO_STATE_CODES)}"
    return ""


def demo_logins() -> list[Login]:
    users = User.objects.filter(username__in=DEMO_USERNAMES).select_related("state", "lea")
    by_name = {u.username: u for u in users}
    logins = []
    for username in DEMO_USERNAMES:
        user = by_name.get(username)
        if user is None:
            continue
        place = (
            f"{user.lea.name} ({user.lea.leaid})"
            if user.lea
            else user.state.name
            if user.state
            else "All states"
        )
        logins.append(Login(username, user.get_role_display(), place))
    return logins


def frameworks_ensure() -> dict[str, FrameworkVersion]:
    """Load both shipped framework versions (a version already loaded is left as it is)
    and say which one each demo cycle uses: the prior cycle cbe-v1, the current cycle
    the default for new cycles."""
    loaded = {path: framework_load(path=path)[0] for path in FRAMEWORK_FILES}
    prior = loaded[PRIOR_FRAMEWORK_FILE]
    current = framework_for_new_cycles()
    assert current is not None  # just loaded
    return {PRIOR_CYCLE: prior, CURRENT_CYCLE: current}


@transaction.atomic
def demo_reset() -> None:
    """Delete the demo states with everything under them, and the demo users."""
    states = State.objects.filter(code__in=DEMO_STATE_CODES)
    leas = LEA.objects.filter(state__in=states)
    assessments = Assessment.objects.filter(lea__in=leas)
    assessment_ids = list(assessments.values_list("id", flat=True))
    profile_ids = list(
        StatePolicyProfile.objects.filter(state__in=states).values_list("id", flat=True)
    )
    Plan.objects.filter(lea__in=leas).delete()  # with its objectives, tasks, notes, comments
    for job in ReportJob.objects.filter(state__in=states).exclude(file=""):
        job.file.delete(save=False)
    ReportJob.objects.filter(state__in=states).delete()
    ReportBatch.objects.filter(state__in=states).delete()
    Comment.objects.filter(assessment_id__in=assessment_ids).delete()
    Answer.objects.filter(assessment_id__in=assessment_ids).delete()
    assessments.delete()
    LeverStatus.objects.filter(profile_id__in=profile_ids).delete()
    StatePolicyProfile.objects.filter(id__in=profile_ids).delete()
    AssessmentCycle.objects.filter(state__in=states).delete()
    User.objects.filter(
        Q(username__in=DEMO_USERNAMES) | Q(state__in=states) | Q(lea__in=leas)
    ).delete()
    leas.delete()
    states.delete()
    # The rows are gone; their history (including what the deletes above recorded) goes too.
    Answer.history.filter(assessment_id__in=assessment_ids).delete()
    Assessment.history.filter(id__in=assessment_ids).delete()
    LeverStatus.history.filter(profile_id__in=profile_ids).delete()


@dataclass
class SeedSummary:
    states: int
    leas: int
    assessments: dict[str, int]
    answers: int
    policy_stages: list[tuple[str, str, str]]


@transaction.atomic
def demo_seed() -> SeedSummary:
    """Create the demo data. The caller checks `demo_presence()` first."""
    frameworks = frameworks_ensure()
    indicators = {
        cycle_name: [
            IndicatorRef(i.id, i.code, i.domain.code)
            for i in Indicator.objects.filter(framework=fv)
            .select_related("domain")
            .order_by("position")
        ]
        for cycle_name, fv in frameworks.items()
    }
    levers = {
        cycle_name: {lever.code: lever for lever in Lever.objects.filter(framework=fv)}
        for cycle_name, fv in frameworks.items()
    }

    states, plans_by_state = {}, {}
    for spec in STATES:
        states[spec.code], _ = State.objects.update_or_create(
            code=spec.code, defaults={"fips": spec.fips, "name": spec.name}
        )
        plans_by_state[spec.code] = lea_plans(spec)
    lea_rows = LEA.objects.bulk_create(
        [
            LEA(
                state=states[code],
                state_code=code,
                leaid=p.leaid,
                name=p.name,
                city=p.city,
                agency_type=p.agency_type,
                locale=p.locale,
                locale_code=p.locale_code,
                enrollment=p.enrollment,
                school_count=p.school_count,
                is_charter=p.is_charter,
            )
            for code, plans in plans_by_state.items()
            for p in plans
        ]
    )
    lea_ids = {lea.leaid: lea.id for lea in lea_rows}

    users = {}
    for demo_user in DEMO_USERS:
        leaid = None
        if demo_user.role == Role.DISTRICT_LEADER:
            leaid = district_leader_lea(plans_by_state[demo_user.state_code]).leaid
        users[demo_user.username] = user_add(
            username=demo_user.username,
            password=DEMO_PASSWORD,
            role=demo_user.role,
            state_code=demo_user.state_code,
            leaid=leaid,
            first_name=demo_user.first_name,
            last_name=demo_user.last_name,
            email=f"{demo_user.username}@demo.example.org",
        )

    cycles = {}
    for code, state in states.items():
        for name, starts, ends, is_open in CYCLES:
            cycles[code, name] = cycle_create(
                state=state,
                name=name,
                starts_on=starts,
                ends_on=ends,
                # the current cycle takes the default for new cycles, as any new cycle does
                framework=frameworks[name] if name == PRIOR_CYCLE else None,
                is_open=is_open,
            )

    plans = [
        a for spec in STATES for a in assessment_plans(spec, plans_by_state[spec.code], indicators)
    ]
    staff = {code: users[f"{code.lower()}-staff"] for code in states}
    reviewer = {code: users[f"{code.lower()}-admin"] for code in states}
    state_of = {p.leaid: code for code, ps in plans_by_state.items() for p in ps}
    assessments = []
    for p in plans:
        code = state_of[p.lea.leaid]
        assessment = Assessment(
            lea_id=lea_ids[p.lea.leaid],
            cycle=cycles[code, p.cycle_name],
            status=p.status,
            assignee=staff[code],
            answered_count=len(p.answers),
            submitted_at=p.submitted_at,
            accepted_at=p.accepted_at,
        )
        reviewed = p.status in (Assessment.Status.ACCEPTED, Assessment.Status.RETURNED)
        _history_stamp(
            assessment, who=reviewer[code] if reviewed else staff[code], when=p.updated_at
        )
        assessments.append(assessment)
    Assessment.objects.bulk_create(assessments)
    _history_write(Assessment, assessments)

    answers, comments = [], []
    for plan, assessment in zip(plans, assessments, strict=True):
        code = state_of[plan.lea.leaid]
        for a in plan.answers:
            answer = Answer(
                assessment=assessment,
                indicator_id=a.indicator.id,
                rating=a.rating,
                dont_know=a.dont_know,
                evidence=a.evidence,
                updated_by=staff[code],
            )
            _history_stamp(answer, who=staff[code], when=plan.submitted_at or plan.updated_at)
            answers.append(answer)
        comments += [
            Comment(
                assessment=assessment,
                indicator_id=ind.id if ind else None,
                author=reviewer[code],
                body=body,
                is_return_note=True,
            )
            for ind, body in plan.return_notes
        ]
    Answer.objects.bulk_create(answers, batch_size=2000)
    _history_write(Answer, answers)
    leader = users[DISTRICT_LEADER_USERNAME]
    leader_assessment = next(
        a
        for p, a in zip(plans, assessments, strict=True)
        if a.lea_id == leader.lea_id and p.cycle_name == CURRENT_CYCLE
    )
    comments.append(Comment(assessment=leader_assessment, author=leader, body=LEADER_COMMENT))
    Comment.objects.bulk_create(comments)
    _timestamps_set(plans=plans, assessments=assessments, leader_assessment=leader_assessment)

    stages = _policy_profiles_create(
        states=states, cycles=cycles, levers=levers, reviewer=reviewer, frameworks=frameworks
    )

    # Stored scores and stages are derived data, computed by the same services as live edits.
    policy_profile_list_restage(
        profiles=StatePolicyProfile.objects.filter(state__in=list(states.values()))
    )
    assessment_list_rescore(assessments=Assessment.objects.all())
    _improvement_plans_create(states=states, cycles=cycles, users=users)

    by_status: dict[str, int] = {}
    for p in plans:
        key = f"{p.cycle_name} {p.status}"
        by_status[key] = by_status.get(key, 0) + 1
    return SeedSummary(
        states=len(states),
        leas=len(lea_rows),
        assessments=by_status,
        answers=len(answers),
        policy_stages=stages,
    )


DEMO_CHANGE_REASON = "Demo data"


def _history_stamp(obj, *, who: User, when: datetime.datetime) -> None:
    """Who made the row and when, for its history record (bulk_history_create reads these)."""
    obj._history_user = who
    obj._history_date = when


def _history_write(model, objs: list) -> None:
    """bulk_create bypasses django-simple-history, so record each row's creation here.

    Costs about 0.6 s for the ~12,000 answers: worth it, so history pages are not empty.
    """
    for obj in objs:
        if hasattr(obj, "updated_at"):
            obj.updated_at = obj._history_date
    model.history.bulk_history_create(
        objs, batch_size=2000, default_change_reason=DEMO_CHANGE_REASON
    )


def _timestamps_set(
    *, plans: list[AssessmentPlan], assessments: list[Assessment], leader_assessment: Assessment
) -> None:
    """Spread "last updated" over the cycle; inserts would stamp every row with now.

    QuerySet.update does not apply auto_now, so the planned moments stick.
    """
    for plan, assessment in zip(plans, assessments, strict=True):
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=plan.updated_at)
        Answer.objects.filter(assessment=assessment).update(
            updated_at=plan.submitted_at or plan.updated_at
        )
        if plan.returned_at:
            Comment.objects.filter(assessment=assessment).update(created_at=plan.returned_at)
    accepted_at = leader_assessment.accepted_at or leader_assessment.updated_at
    Comment.objects.filter(assessment=leader_assessment, is_return_note=False).update(
        created_at=accepted_at + datetime.timedelta(days=2)
    )


def _participants_create(*, statuses: list[LeverStatus], frameworks, reviewer) -> None:
    """Under a framework that records who takes part in an enacted lever, the second
    enacted lever of each profile reaches every LEA and each other one a fixed third of
    the state's LEAs, so the demo shows all four kinds of gap."""
    leas_by_state: dict[int, list[int]] = {}
    participants: list[LeverParticipant] = []
    enacted_before: dict[int, int] = {}
    for row in statuses:
        profile = row.profile
        spec = profile.cycle.framework.spec
        if not spec.declares_participation or row.status != spec.partial_status_code:
            continue
        if profile.state_id not in leas_by_state:
            leas_by_state[profile.state_id] = list(
                LEA.objects.filter(state_id=profile.state_id)
                .order_by("leaid")
                .values_list("pk", flat=True)
            )
        leas = leas_by_state[profile.state_id]
        enacted_before[profile.pk] = enacted_before.get(profile.pk, 0) + 1
        if enacted_before[profile.pk] == 2:
            row.participation, row.participant_count = Participation.ALL, len(leas)
        else:
            chosen = leas[len(row.lever.code) % 3 :: 3]
            row.participation, row.participant_count = Participation.LISTED, len(chosen)
            participants += [
                LeverParticipant(
                    lever_status=row, lea_id=lea_id, added_by=reviewer[profile.state.code]
                )
                for lea_id in chosen
            ]
        LeverStatus.objects.filter(pk=row.pk).update(
            participation=row.participation, participant_count=row.participant_count
        )
    LeverParticipant.objects.bulk_create(participants)


def _policy_profiles_create(*, states, cycles, levers, reviewer, frameworks) -> list:
    """One profile per state and cycle with a status on every lever of the cycle's
    framework, and the state actions of the current cycle; returns the stages."""
    stages, statuses, moments = [], [], {}
    for (code, cycle_name), entries in POLICY_PLANS.items():
        cycle = cycles[code, cycle_name]
        framework = frameworks[cycle_name].spec
        actions = {}
        if framework.state_actions is not None and cycle_name == CURRENT_CYCLE:
            actions = {
                action: {"status": status, "note": note}
                for action, status, note in STATE_ACTION_PLANS.get(code, [])
            }
        profile = StatePolicyProfile.objects.create(
            state=states[code], cycle=cycle, state_actions=actions
        )
        moments[profile.pk] = datetime.datetime.combine(
            cycle.starts_on + datetime.timedelta(days=40), datetime.time(15, 30), tzinfo=UTC
        )
        listed = {
            lever_code: (status, citation, note) for lever_code, status, citation, note in entries
        }
        for lever_code, lever in levers[cycle_name].items():
            status, citation, note = listed.get(lever_code, (PolicyStatus.NONE, "", ""))
            lever_status = LeverStatus(
                profile=profile,
                lever=lever,
                status=status,
                citation=citation,
                note=note,
                updated_by=reviewer[code],
            )
            _history_stamp(lever_status, who=reviewer[code], when=moments[profile.pk])
            statuses.append(lever_status)
        stage = policy_stage(framework, {c: s for c, (s, _, _) in listed.items()})
        stages.append((code, cycle_name, stage))
    LeverStatus.objects.bulk_create(statuses)
    _participants_create(statuses=statuses, frameworks=frameworks, reviewer=reviewer)
    _history_write(LeverStatus, statuses)
    for profile_id, moment in moments.items():
        StatePolicyProfile.objects.filter(pk=profile_id).update(updated_at=moment)
        LeverStatus.objects.filter(profile_id=profile_id).update(updated_at=moment)
    return stages


# --- improvement plans -------------------------------------------------------------------

PLAN_LEAS_PER_STATE = 4
DEMO_TASKS = (
    ("Take stock of what the LEA already does for this indicator", "Curriculum office"),
    (
        "Visit two LEAs that rate higher here and write down what to borrow",
        "Assistant superintendent",
    ),
    ("Draft the change with a team of teachers and try it in one school", "Lead principal"),
)
DEMO_NOTES = (
    "First meeting held; notes shared with the team.",
    "Half the schools have sent their inventory.",
)
DEMO_COACHING = "A good first step. Say how you will know it worked, and by when."


def _improvement_plans_create(*, states, cycles, users) -> None:
    """Plans for a few LEAs of each state in the prior cycle (so the current cycle shows
    how planned gaps moved) and one for the demo district leader's LEA in the current
    cycle: two to three priorities from each LEA's gaps, tasks with owners and dates,
    progress notes and a coaching comment. Bulk inserts, in a fixed order."""
    rng = random.Random(f"{SEED}-plans")
    leader = users[DISTRICT_LEADER_USERNAME]
    chosen: list[tuple[Assessment, User, User]] = []
    for code in states:
        prior = (
            Assessment.objects.filter(
                cycle=cycles[code, PRIOR_CYCLE],
                status__in=(Assessment.Status.ACCEPTED, Assessment.Status.SUBMITTED),
            )
            .select_related("cycle__framework")
            .order_by("lea__name")
        )
        staff = users[f"{code.lower()}-staff"]
        chosen += [(a, staff, staff) for a in prior[:PLAN_LEAS_PER_STATE]]
    current = (
        Assessment.objects.filter(lea_id=leader.lea_id, cycle__name=CURRENT_CYCLE)
        .select_related("cycle__framework", "lea__state")
        .first()
    )
    if current is not None:
        code = current.lea.state.code
        chosen.append((current, leader, users[f"{code.lower()}-staff"]))
    now = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    for assessment, author, coach in chosen:
        gap_max = assessment.cycle.framework.spec.scoring.gap_max_rating
        gaps = list(
            Answer.objects.filter(assessment=assessment, rating__lte=gap_max)
            .order_by("indicator__position")
            .values_list("indicator_id", flat=True)
        )
        if not gaps:
            continue
        plan = Plan.objects.create(
            lea_id=assessment.lea_id,
            cycle=assessment.cycle,
            status=rng.choice([Plan.Status.DRAFT, Plan.Status.SUBMITTED, Plan.Status.REVIEWED]),
            created_by=author,
            last_activity_at=now - datetime.timedelta(days=rng.randint(0, 40)),
        )
        start = assessment.cycle.starts_on + datetime.timedelta(days=45)
        objectives = Objective.objects.bulk_create(
            Objective(
                plan=plan,
                indicator_id=indicator_id,
                statement="Every school does this in a way we can show with evidence",
                target_on=assessment.cycle.ends_on,
            )
            for indicator_id in sorted(rng.sample(gaps, min(len(gaps), rng.randint(2, 3))))
        )
        tasks = Task.objects.bulk_create(
            Task(
                objective=objective,
                description=description,
                owner_name=owner,
                starts_on=start + datetime.timedelta(days=30 * i),
                due_on=start + datetime.timedelta(days=30 * i + 60),
                status=rng.choice(list(Task.Status.values)),
            )
            for objective in objectives
            for i, (description, owner) in enumerate(DEMO_TASKS[: rng.randint(1, 3)])
        )
        ProgressNote.objects.bulk_create(
            ProgressNote(
                task=task,
                noted_on=task.starts_on + datetime.timedelta(days=14),
                body=rng.choice(DEMO_NOTES),
                author=author,
            )
            for task in tasks
            if task.status != Task.Status.NOT_STARTED
        )
        CoachingComment.objects.create(objective=objectives[0], author=coach, body=DEMO_COACHING)
