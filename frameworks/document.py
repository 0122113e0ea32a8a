"""The framework file: its schema, its checks, and the typed `Framework` every module reads.

A framework file is YAML (see frameworks/cbe-v1.yaml). `framework_parse` turns text into
plain JSON-safe data (what a FrameworkVersion row stores and hashes) or raises
FrameworkError naming the path and line of every mistake. Structure and types are checked
by the pydantic models below; the checks across parts of the file (an indicator aligned
to an unknown lever, duplicate codes, rising thresholds, stage conditions) are in
`_cross_problems`.

`framework_from_content` builds the typed, immutable `Framework` from stored content,
once per content hash. Nothing outside this module walks the raw document; nothing here
touches the database (loading is in services).
"""

import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    ValidationError,
)
from pydantic_core import PydanticCustomError

RUBRIC_VALUES = (1, 2, 3, 4)
POLICY_STATUS_CODES = ("none", "exploring", "enacted", "statewide")
# The active status that reaches only the LEAs taking part (the widest one reaches every LEA).
PARTIAL_STATUS = POLICY_STATUS_CODES[2]
LEVER_GROUP_CODES = ("getting_started", "moving_forward")
STAGE_CONDITION_KEYS = {
    "engaged_any",
    "active_any",
    "engaged_getting_started",
    "active_getting_started",
    "engaged_moving_forward",
    "active_moving_forward",
}
ALL_LEVERS = "any"
# The stage of an assessment without enough evidence for an overall score.
INSUFFICIENT = "insufficient_evidence"
INSUFFICIENT_LABEL = "Insufficient evidence"


class FrameworkError(ValueError):
    """The file is not a valid framework. `problems` lists every mistake found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


# --- YAML with line numbers ---------------------------------------------------------


class _Located(dict):
    """A mapping that remembers the line of each key (1-based) and its own line."""

    line: int = 0
    key_lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    result = _Located()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _plain(value: Any) -> Any:
    """Strip line bookkeeping and make keys JSON-safe (level keys 1..4 become strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def content_hash(content: Mapping) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- the schema ---------------------------------------------------------------------


def _text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank_text", "missing, or not text")
    return value


def _in_range(lo: float, hi: float):
    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise PydanticCustomError(
                "out_of_range",
                "{value} is out of range {lo}..{hi}",
                {"value": value, "lo": lo, "hi": hi},
            )
        return value

    return AfterValidator(check)


def _identifier(value: str) -> str:
    if not value.isidentifier():
        raise PydanticCustomError("code", "must be a short lowercase name such as cbe")
    return value


def _string_keys(value: Any) -> Any:
    # YAML reads level keys as numbers, stored JSON as strings: compare them as text.
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


Text = Annotated[str, AfterValidator(_text)]


def _number(value: Any) -> int | float:
    # Kept as written (35 stays 35, so pages show it as in the file); true/false and
    # text are not numbers.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number", "must be a number")
    return value


Number = Annotated[int | float, PlainValidator(_number)]


class _Part(BaseModel):
    # Unknown keys are ignored as they always were (e.g. `sources`); everything is read-only.
    model_config = ConfigDict(frozen=True, extra="ignore")


class RubricLevel(_Part):
    value: StrictInt
    code: Text
    label: Text


class Share(_Part):
    """What a quantity word in the level descriptors ("some", "most", "all") means, as a
    range of whole percentages of the schools, classrooms, staff or students concerned."""

    word: Text
    from_percent: Annotated[StrictInt, _in_range(0, 100)]
    to_percent: Annotated[StrictInt, _in_range(0, 100)]
    meaning: Text


class Rubric(_Part):
    levels: tuple[RubricLevel, ...] = Field(min_length=1)
    dont_know_label: Text
    # Optional (cbe-v1 has neither): how to rate when a level's descriptor bundles several
    # conditions, and what the quantity words of the descriptors mean.
    best_fit: Text | None = None
    shares: tuple[Share, ...] = ()
    shares_why: Text | None = None


class LeaStage(_Part):
    code: Text
    label: Text
    meaning: Text
    min_score: Annotated[Number, _in_range(0, 100)]
    why: Text | None = None  # why the threshold sits where it does (optional: cbe-v1 has none)


# The scoring settings a `why` may explain (besides each stage's own `why`).
SCORING_WHY_KEYS = (
    "min_answered_share",
    "gap_max_rating",
    "strength_min_rating",
    "min_scored_domains_for_stage",
    "required_areas",
    "stage_cap_domain",
)


class Scoring(_Part):
    min_answered_share: Annotated[Number, _in_range(0.01, 1)]
    gap_max_rating: Annotated[StrictInt, _in_range(1, 3)]
    strength_min_rating: Annotated[StrictInt, _in_range(2, 4)]
    min_scored_domains_for_stage: Annotated[StrictInt, _in_range(1, 10_000)]
    lea_stages: tuple[LeaStage, ...] = Field(min_length=1)
    # Optional parts of the LEA stage rule (cbe-v1 has none of them, so v1 scores as it
    # always did):
    # - required_areas: area codes that must each have at least `required_area_min_share`
    #   of their indicators rated before the LEA gets an overall score and a stage;
    # - stage_cap_domain: a domain whose own score caps the stage (the stage is never
    #   above the one that domain's score alone would reach).
    required_areas: tuple[str, ...] = ()
    required_area_min_share: Annotated[Number, _in_range(0.01, 1)] | None = None
    stage_cap_domain: str | None = None
    why: dict[str, Text] = Field(default_factory=dict)


class PolicyStatus(_Part):
    code: Text
    label: Text
    engaged: StrictBool
    active: StrictBool
    help: str = ""


class LeverGroup(_Part):
    code: Text
    label: Text
    description: str = ""


class LeverCondition(_Part):
    """A condition on lever statuses: at least `count` of the named levers are at status
    `at_least` or further along (statuses are ordered none < exploring < enacted <
    statewide). Name the levers with `levers` (codes) or `group` (a lever group code, or
    "any" for every lever). `count` defaults to all of the named levers."""

    levers: tuple[str, ...] = ()
    group: str | None = None
    at_least: Text
    count: Annotated[StrictInt, _in_range(1, 10_000)] | None = None


class StateStage(_Part):
    code: Text
    label: Text
    meaning: Text
    # cbe-v1's form: minimum counts of engaged or active levers, all of which must hold.
    requires: dict[str, StrictInt] = Field(default_factory=dict)
    # The lever-by-lever form (optional): every `requires_all` condition must hold, and at
    # least one `requires_any` condition when there are any.
    requires_all: tuple[LeverCondition, ...] = ()
    requires_any: tuple[LeverCondition, ...] = ()
    why: Text | None = None
    # The source's own definition of the tier, in our words (optional; cbe-v1 has none).
    definition: Text | None = None


class StateActionStatus(_Part):
    code: Text
    label: Text


class StateAction(_Part):
    code: Annotated[Text, AfterValidator(_identifier)]
    name: Annotated[Text, Field(max_length=200)]
    summary: Text


class StateActions(_Part):
    """State-side duties that are not levers (the state's own needs assessment, partners,
    a planning task force): recorded on the policy profile, never part of any stage."""

    description: Text
    statuses: tuple[StateActionStatus, ...] = Field(min_length=2)
    actions: tuple[StateAction, ...] = Field(min_length=1)


class Policy(_Part):
    statuses: tuple[PolicyStatus, ...] = Field(min_length=1)
    lever_groups: tuple[LeverGroup, ...] = Field(min_length=1)
    state_stages: tuple[StateStage, ...] = Field(min_length=1)
    # True when an enacted lever reaches only the LEAs recorded as taking part, so an
    # enacted lever with nobody recorded reaches nobody yet. Absent (false) in files
    # written before participation was recorded (cbe-v1, whose content is frozen):
    # there an enacted lever without a record keeps reaching every LEA.
    participation: StrictBool = False
    # Where the stages come from and how the rule relates to it (optional).
    state_stages_source: Text | None = None
    state_actions: StateActions | None = None


class Lever(_Part):
    code: Text
    group: Literal["getting_started", "moving_forward"]
    name: Annotated[Text, Field(max_length=200)]
    summary: Text
    # Optional so that files without it (cbe-v1, whose content is frozen) still load;
    # `Framework.lever_short_name` falls back to the lever's name.
    short_name: Annotated[Text, Field(max_length=20)] | None = None


class Indicator(_Part):
    code: Annotated[Text, Field(max_length=10)]
    title: Annotated[Text, Field(max_length=120)]
    prompt: Text
    next_step: Text
    levels: Annotated[dict[str, Text], BeforeValidator(_string_keys)]
    # May be empty: a district matter no state lever governs (its gaps are "local").
    levers: tuple[str, ...] = ()


class Area(_Part):
    code: Text
    name: Annotated[Text, Field(max_length=200)]
    indicators: tuple[Indicator, ...] = Field(min_length=1)


class Domain(_Part):
    code: Text
    name: Annotated[Text, Field(max_length=200)]
    summary: str = ""
    areas: tuple[Area, ...] = Field(min_length=1)


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator flattened out of its domain and area, in framework order."""

    code: str
    domain: str
    area: str  # the area's name
    title: str
    prompt: str
    levels: Mapping[str, str]  # "1".."4" -> descriptor
    levers: tuple[str, ...]
    next_step: str
    domain_name: str = ""
    area_code: str = ""


class Source(_Part):
    title: Text
    publisher: str = ""
    year: StrictInt | None = None


class Framework(_Part):
    """One framework version, typed and immutable. Build it with `framework_from_content`
    (cached per content hash) or `FrameworkVersion.spec`; never mutate it."""

    code: Annotated[str, AfterValidator(_identifier)]
    version: Annotated[StrictInt, _in_range(1, 10_000)]
    title: Text
    description: Text
    sources: tuple[Source, ...] = ()
    rubric: Rubric
    scoring: Scoring
    policy: Policy
    levers: tuple[Lever, ...] = Field(min_length=1)
    domains: tuple[Domain, ...] = Field(min_length=1)

    @property
    def label(self) -> str:
        """The short name of the version, e.g. "cbe-v1"."""
        return f"{self.code}-v{self.version}"

    # --- Part A: domains, indicators, ratings ---

    @functools.cached_property
    def indicators(self) -> tuple[IndicatorSpec, ...]:
        return tuple(
            IndicatorSpec(
                code=ind.code,
                domain=domain.code,
                area=area.name,
                title=ind.title,
                prompt=ind.prompt,
                levels=ind.levels,
                levers=ind.levers,
                next_step=ind.next_step,
                domain_name=domain.name,
                area_code=area.code,
            )
            for domain in self.domains
            for area in domain.areas
            for ind in area.indicators
        )

    @functools.cached_property
    def indicator_by_code(self) -> dict[str, IndicatorSpec]:
        return {ind.code: ind for ind in self.indicators}

    def indicator(self, code: str) -> IndicatorSpec:
        return self.indicator_by_code[code]

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(self.indicator_by_code)

    def domain_indicator_codes(self, domain: str) -> tuple[str, ...]:
        return tuple(ind.code for ind in self.indicators if ind.domain == domain)

    @property
    def domain_codes(self) -> tuple[str, ...]:
        return tuple(domain.code for domain in self.domains)

    @functools.cached_property
    def rating_labels(self) -> dict[int, str]:
        return {level.value: level.label for level in self.rubric.levels}

    def rating_label(self, value: int | None, *, dont_know: bool = False) -> str:
        """The label of a rating ("Developing"), or of "don't know"; "" for no answer."""
        if dont_know:
            return self.rubric.dont_know_label
        if value is None:
            return ""
        return self.rating_labels.get(value, str(value))

    def answer_label(self, rating: int | None, *, dont_know: bool = False) -> str:
        """An answer as listed beside others: "3 · Developing", or the don't-know label;
        "" for no answer."""
        if dont_know:
            return self.rubric.dont_know_label
        if rating is None:
            return ""
        return f"{rating} · {self.rating_labels.get(rating, '?')}"

    @property
    def dont_know_label(self) -> str:
        return self.rubric.dont_know_label

    @property
    def gap_rating_label(self) -> str:
        """The label of the highest rating that still counts as a gap."""
        return self.rating_labels.get(self.scoring.gap_max_rating, "")

    # --- LEA stages ---

    @property
    def lea_stages(self) -> tuple[LeaStage, ...]:
        return self.scoring.lea_stages

    @property
    def lea_stage_codes(self) -> tuple[str, ...]:
        return tuple(stage.code for stage in self.scoring.lea_stages)

    def lea_stage_label(self, code: str | None) -> str:
        """The label of an LEA stage code ("Insufficient evidence" for none), or the code
        itself when this version lacks it (a score kept from another version)."""
        if not code or code == INSUFFICIENT:
            return INSUFFICIENT_LABEL
        for stage in self.scoring.lea_stages:
            if stage.code == code:
                return stage.label
        return code

    @property
    def lea_stage_labels(self) -> dict[str, str]:
        """Label of every LEA stage code, "insufficient evidence" included."""
        return {INSUFFICIENT: INSUFFICIENT_LABEL} | {s.code: s.label for s in self.lea_stages}

    def lea_stage_entry(self, code: str | None) -> LeaStage | None:
        return next((stage for stage in self.scoring.lea_stages if stage.code == code), None)

    # --- Part B: levers, statuses, state stages ---

    @functools.cached_property
    def lever_by_code(self) -> dict[str, Lever]:
        return {lever.code: lever for lever in self.levers}

    def lever(self, code: str) -> Lever:
        return self.lever_by_code[code]

    @property
    def lever_codes(self) -> tuple[str, ...]:
        return tuple(self.lever_by_code)

    def lever_name(self, code: str) -> str:
        lever = self.lever_by_code.get(code)
        return lever.name if lever else code

    def lever_short_name(self, code: str) -> str:
        """A name short enough for a chart column: the file's `short_name`, else the one
        frameworks/lever-short-names.yaml gives this version, else the name cut to 14."""
        lever = self.lever_by_code[code]
        if lever.short_name:
            return lever.short_name
        return _short_names().get(self.label, {}).get(code) or lever.name[:14]

    @property
    def lever_groups(self) -> tuple[LeverGroup, ...]:
        return self.policy.lever_groups

    def lever_group(self, code: str) -> LeverGroup:
        return next(group for group in self.policy.lever_groups if group.code == code)

    def levers_in_group(self, code: str) -> tuple[Lever, ...]:
        return tuple(lever for lever in self.levers if lever.group == code)

    @property
    def statuses(self) -> tuple[PolicyStatus, ...]:
        return self.policy.statuses

    def status(self, code: str | None) -> PolicyStatus:
        """The status with this code; an unknown or missing code reads as the first ("none")."""
        for status in self.policy.statuses:
            if status.code == code:
                return status
        return self.policy.statuses[0]

    def status_label(self, code: str | None) -> str:
        for status in self.policy.statuses:
            if status.code == code:
                return status.label
        return code or ""

    @property
    def status_choices(self) -> list[tuple[str, str]]:
        return [(status.code, status.label) for status in self.policy.statuses]

    @property
    def active_status_codes(self) -> frozenset[str]:
        return frozenset(status.code for status in self.policy.statuses if status.active)

    @property
    def partial_status_code(self) -> str:
        """The active status that reaches only the LEAs taking part ("enacted")."""
        return PARTIAL_STATUS

    @property
    def declares_participation(self) -> bool:
        """Whether an enacted lever with nobody recorded as taking part reaches nobody
        (true) or, as in files without the flag, every LEA (false)."""
        return self.policy.participation

    @property
    def engaged_status_codes(self) -> frozenset[str]:
        return frozenset(status.code for status in self.policy.statuses if status.engaged)

    @property
    def state_stages(self) -> tuple[StateStage, ...]:
        return self.policy.state_stages

    @property
    def state_stage_codes(self) -> tuple[str, ...]:
        return tuple(stage.code for stage in self.policy.state_stages)

    def state_stage_label(self, code: str | None) -> str:
        """The label of a state stage code, or the code itself when this version lacks it."""
        for stage in self.policy.state_stages:
            if stage.code == code:
                return stage.label
        return code or ""

    def state_stage_entry(self, code: str | None) -> StateStage | None:
        return next((stage for stage in self.policy.state_stages if stage.code == code), None)

    def status_rank(self, code: str | None) -> int:
        """How far along a status is: its place in the file's order (none = 0); an unknown
        or missing code counts as the first."""
        for rank, status in enumerate(self.policy.statuses):
            if status.code == code:
                return rank
        return 0

    def condition_levers(self, condition: LeverCondition) -> tuple[str, ...]:
        """The lever codes a lever condition names, in framework order."""
        if condition.levers:
            return tuple(code for code in self.lever_codes if code in condition.levers)
        if condition.group == ALL_LEVERS:
            return self.lever_codes
        return tuple(lever.code for lever in self.levers if lever.group == condition.group)

    def condition_count(self, condition: LeverCondition) -> int:
        """How many of the condition's levers must be at its status: `count`, else all."""
        return condition.count or len(self.condition_levers(condition))

    def condition_words(self, condition: LeverCondition) -> str:
        """A lever condition in plain words, e.g. "credit flexibility statewide", "pilots and
        planning grants enacted or statewide", "at least 1 of the 9 levers exploring or
        further along"."""
        rank = self.status_rank(condition.at_least)
        later = [status.label.lower() for status in self.policy.statuses[rank:]]
        status = later[0] if len(later) == 1 else f"{later[0]} or further along"
        needed = self.condition_count(condition)
        if condition.group is not None:
            levers = self.condition_levers(condition)
            scope = (
                f"the {len(levers)} levers"
                if condition.group == ALL_LEVERS
                else f"the levers {self.lever_group(condition.group).label.lower()}"
            )
            return f"at least {needed} of {scope} {status}"
        names = [
            name_in_sentence(self.lever_name(code)) for code in self.condition_levers(condition)
        ]
        if len(names) == 1:
            return f"{names[0]} {status}"
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
        if needed == len(names):
            return f"{listed} all {status}"
        return f"at least {needed} of {listed} {status}"

    @property
    def state_actions(self) -> StateActions | None:
        return self.policy.state_actions

    # --- the LEA stage rule's optional parts ---

    @functools.cached_property
    def area_by_code(self) -> dict[str, Area]:
        return {area.code: area for domain in self.domains for area in domain.areas}

    def area_indicator_codes(self, area: str) -> tuple[str, ...]:
        return tuple(ind.code for ind in self.indicators if ind.area_code == area)

    def domain_name(self, code: str) -> str:
        return next((domain.name for domain in self.domains if domain.code == code), code)

    def scoring_why(self, key: str) -> str:
        """Why a scoring setting has its value, as the file says ("" when it does not)."""
        return self.scoring.why.get(key, "")


def name_in_sentence(name: str) -> str:
    """A name inside a sentence: "credit flexibility", but "CBE task force"."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


SHORT_NAMES_FILE = Path(__file__).resolve().parent.parent / "frameworks" / "lever-short-names.yaml"


@functools.cache
def _short_names() -> dict[str, dict[str, str]]:
    if not SHORT_NAMES_FILE.exists():
        return {}
    return yaml.safe_load(SHORT_NAMES_FILE.read_text(encoding="utf-8")) or {}


# --- checks across parts of the file ----------------------------------------------------

Loc = tuple[str | int, ...]


def _cross_problems(fw: Framework) -> Iterator[tuple[Loc, str]]:
    """Mistakes pydantic's per-field checks cannot see, each with the path it is at."""
    if tuple(level.value for level in fw.rubric.levels) != RUBRIC_VALUES:
        yield ("rubric", "levels"), "must be exactly the levels 1, 2, 3, 4 in order"
    expected_from = None
    for i, share in enumerate(fw.rubric.shares):
        where: Loc = ("rubric", "shares", i)
        if share.from_percent > share.to_percent:
            yield (*where, "to_percent"), "must not be below from_percent"
        if expected_from is not None and share.from_percent != expected_from:
            yield (*where, "from_percent"), f"must be {expected_from}, right after the share before"
        expected_from = share.to_percent + 1
    if fw.rubric.shares and fw.rubric.shares[-1].to_percent != 100:
        yield ("rubric", "shares"), "the last share must end at 100"

    scoring = fw.scoring
    if scoring.strength_min_rating <= scoring.gap_max_rating:
        yield ("scoring", "strength_min_rating"), "must be above gap_max_rating"
    if scoring.min_scored_domains_for_stage > len(fw.domains):
        yield (
            ("scoring", "min_scored_domains_for_stage"),
            f"{scoring.min_scored_domains_for_stage} is out of range 1..{len(fw.domains)}",
        )
    for key in scoring.why:
        if key not in SCORING_WHY_KEYS:
            yield (
                ("scoring", "why", key),
                f"unknown setting; use one of {', '.join(SCORING_WHY_KEYS)}",
            )
    area_codes = {area.code for domain in fw.domains for area in domain.areas}
    for i, area_code in enumerate(scoring.required_areas):
        if area_code not in area_codes:
            yield ("scoring", "required_areas", i), f"unknown area {area_code!r}"
    if scoring.required_areas and scoring.required_area_min_share is None:
        yield ("scoring", "required_area_min_share"), "missing: required_areas needs it"
    if scoring.stage_cap_domain is not None and scoring.stage_cap_domain not in fw.domain_codes:
        yield ("scoring", "stage_cap_domain"), f"unknown domain {scoring.stage_cap_domain!r}"
    yield from _duplicates(("scoring", "lea_stages"), fw.lea_stages, "stage")
    previous = -1.0
    for i, lea_stage in enumerate(fw.lea_stages):
        at: Loc = ("scoring", "lea_stages", i, "min_score")
        if i == 0 and lea_stage.min_score != 0:
            yield at, "the first stage must start at 0"
        if lea_stage.min_score <= previous:
            yield at, "thresholds must rise from one stage to the next"
        previous = lea_stage.min_score

    yield from _duplicates(("levers",), fw.levers, "lever")
    if tuple(status.code for status in fw.policy.statuses) != POLICY_STATUS_CODES:
        yield (
            ("policy", "statuses"),
            f"must be exactly {', '.join(POLICY_STATUS_CODES)} in that order",
        )
    if tuple(group.code for group in fw.policy.lever_groups) != LEVER_GROUP_CODES:
        yield ("policy", "lever_groups"), f"must be exactly {', '.join(LEVER_GROUP_CODES)}"
    yield from _duplicates(("policy", "state_stages"), fw.state_stages, "stage")
    sizes = {ALL_LEVERS: len(set(fw.lever_codes))}
    for lever in fw.levers:
        sizes[lever.group] = sizes.get(lever.group, 0) + 1
    for i, stage in enumerate(fw.state_stages):
        at = ("policy", "state_stages", i, "requires")
        if i == 0 and (stage.requires or stage.requires_all or stage.requires_any):
            yield at, "the first stage is the fallback and must require nothing"
        for part in ("requires_all", "requires_any"):
            for n, condition in enumerate(getattr(stage, part)):
                yield from _condition_problems(
                    fw, ("policy", "state_stages", i, part, n), condition
                )
        for cond, minimum in stage.requires.items():
            if cond not in STAGE_CONDITION_KEYS:
                yield (
                    (*at, cond),
                    f"unknown condition; use one of {', '.join(sorted(STAGE_CONDITION_KEYS))}",
                )
                continue
            limit = max(sizes.get(cond.split("_", 1)[1], 0), 1)
            if not 1 <= minimum <= limit:
                yield (*at, cond), f"{minimum} is out of range 1..{limit}"

    if fw.policy.state_actions is not None:
        actions = fw.policy.state_actions
        yield from _duplicates(("policy", "state_actions", "statuses"), actions.statuses, "status")
        yield from _duplicates(("policy", "state_actions", "actions"), actions.actions, "action")

    yield from _duplicates(("domains",), fw.domains, "domain")
    areas = [((d, a), area) for d, dom in enumerate(fw.domains) for a, area in enumerate(dom.areas)]
    seen: set[str] = set()
    for (d, a), area in areas:
        if area.code in seen:
            yield ("domains", d, "areas", a, "code"), f"duplicate area code {area.code!r}"
        seen.add(area.code)
    seen = set()
    known_levers = set(fw.lever_codes)
    expected = [str(v) for v in RUBRIC_VALUES]
    for (d, a), area in areas:
        for n, ind in enumerate(area.indicators):
            at = ("domains", d, "areas", a, "indicators", n)
            if ind.code in seen:
                yield (*at, "code"), f"duplicate indicator code {ind.code!r}"
            seen.add(ind.code)
            for value in expected:
                if value not in ind.levels:
                    yield (
                        (*at, "levels", value),
                        f"indicator {ind.code} has no descriptor for level {value}",
                    )
            for key in ind.levels:
                if key not in expected:
                    yield (*at, "levels", key), "levels are 1, 2, 3 and 4 only"
            for lever_code in ind.levers:
                if lever_code not in known_levers:
                    yield (
                        (*at, "levers"),
                        f"indicator {ind.code} is aligned to unknown lever {lever_code!r}",
                    )


def _condition_problems(
    fw: Framework, at: Loc, condition: LeverCondition
) -> Iterator[tuple[Loc, str]]:
    if bool(condition.levers) == (condition.group is not None):
        yield at, "name the levers either with `levers` or with `group`, not both or neither"
        return
    known = set(fw.lever_codes)
    for n, code in enumerate(condition.levers):
        if code not in known:
            yield (*at, "levers", n), f"unknown lever {code!r}"
    if len(set(condition.levers)) != len(condition.levers):
        yield (*at, "levers"), "a lever is named twice"
    groups = {group.code for group in fw.lever_groups} | {ALL_LEVERS}
    if condition.group is not None and condition.group not in groups:
        yield (*at, "group"), f"unknown lever group; use one of {', '.join(sorted(groups))}"
        return
    if condition.at_least not in POLICY_STATUS_CODES:
        yield (
            (*at, "at_least"),
            f"unknown status; use one of {', '.join(POLICY_STATUS_CODES)}",
        )
    size = len(fw.condition_levers(condition))
    if condition.group is not None and condition.count is None:
        yield (*at, "count"), "missing: say how many levers of the group must be at the status"
    elif condition.count is not None and not 1 <= condition.count <= size:
        yield (*at, "count"), f"{condition.count} is out of range 1..{size}"


def _duplicates(at: Loc, items, kind: str) -> Iterator[tuple[Loc, str]]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.code in seen:
            yield (*at, i, "code"), f"duplicate {kind} code {item.code!r}"
        seen.add(item.code)


# --- naming each mistake's path and line -------------------------------------------------

# Pydantic's wording for the mistakes a framework author makes most, in the file's terms.
_MESSAGES = {
    "missing": "missing",
    "string_type": "missing, or not text",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "dict_type": "missing, or not a mapping",
    "model_type": "missing, or not a mapping",
    "model_attributes_type": "missing, or not a mapping",
    "tuple_type": "missing, or not a non-empty list",
    "list_type": "missing, or not a non-empty list",
}


def _message(error: Mapping) -> str:
    kind = error["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "too_short" and error["loc"] and isinstance(error["loc"][-1], str):
        return "missing, or not a non-empty list"
    if kind == "string_too_long":
        return f"longer than {error['ctx']['max_length']} characters"
    if kind == "literal_error":
        return f"must be one of {error['ctx']['expected']}"
    return error["msg"]


def _where(loc: Loc) -> str:
    where = ""
    for part in loc:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where


def _line(data: Any, loc: Loc) -> int | None:
    """The line of the deepest key on `loc` that the file has (its parent's when missing)."""
    line = data.line if isinstance(data, _Located) else None
    node = data
    for part in loc:
        if isinstance(node, _Located):
            key = next((k for k in node if k == part or str(k) == str(part)), None)
            if key is None:
                break
            line = node.key_lines.get(key, line)
            node = node[key]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            if isinstance(node, _Located):
                line = node.line
        else:
            break
    return line


def _problem(data: Any, loc: Loc, message: str) -> str:
    line = _line(data, loc)
    at = f" (line {line})" if line else ""
    return f"{_where(loc) or 'the file'}{at}: {message}"


def framework_validate(data: Any) -> Framework:
    """The typed framework of parsed file data; raise FrameworkError listing every problem."""
    if not isinstance(data, dict):
        raise FrameworkError(["the file must hold a mapping at the top level"])
    try:
        fw = Framework.model_validate(data)
    except ValidationError as exc:
        problems = [
            _problem(data, err["loc"], _message(err)) for err in exc.errors(include_url=False)
        ]
        raise FrameworkError(list(dict.fromkeys(problems))) from None
    problems = [_problem(data, loc, message) for loc, message in _cross_problems(fw)]
    if problems:
        raise FrameworkError(problems)
    return fw


def framework_parse(text: str) -> dict:
    """Parse and validate framework YAML; return plain data (JSON-safe), as stored."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" at line {mark.line + 1}" if mark else ""
        raise FrameworkError([f"not valid YAML{line}: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise FrameworkError([f"not valid YAML: {exc}"]) from None
    framework_validate(data)
    return _plain(data)


# --- one typed object per content hash ------------------------------------------------------


_BY_HASH: dict[str, Framework] = {}


def framework_from_content(content: Mapping, *, digest: str | None = None) -> Framework:
    """The typed framework of stored content, built once per content hash.

    The content was checked when it was loaded; it is typed again here (not re-checked
    across parts) so every version ever stored still reads. Pass the row's stored hash as
    `digest` to skip hashing the content again.
    """
    digest = digest or content_hash(content)
    framework = _BY_HASH.get(digest)
    if framework is None:
        framework = Framework.model_validate(content)
        if len(_BY_HASH) >= 32:
            _BY_HASH.clear()
        _BY_HASH[digest] = framework
    return framework


def framework_cached(digest: str) -> Framework | None:
    """The framework already built for this content hash, if any (no database read)."""
    return _BY_HASH.get(digest)


def framework_indicators(content: Mapping | Framework) -> tuple[IndicatorSpec, ...]:
    """Indicators in framework order, flattened from domains and areas."""
    if isinstance(content, Framework):
        return content.indicators
    return framework_from_content(content).indicators
