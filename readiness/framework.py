"""The framework file: parse, validate and describe it.

A framework file is YAML (see frameworks/cbe-v1.yaml). `framework_parse` turns
text into plain data or raises FrameworkError naming the key and line of every
mistake; nothing here touches the database (loading is in services).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

RUBRIC_VALUES = (1, 2, 3, 4)
POLICY_STATUS_CODES = ("none", "exploring", "enacted", "statewide")
LEVER_GROUP_CODES = ("getting_started", "moving_forward")
STAGE_CONDITION_KEYS = {
    "engaged_any",
    "active_any",
    "engaged_getting_started",
    "active_getting_started",
    "engaged_moving_forward",
    "active_moving_forward",
}
TOP_KEYS = (
    "code",
    "version",
    "title",
    "description",
    "rubric",
    "scoring",
    "policy",
    "levers",
    "domains",
)


class FrameworkError(ValueError):
    """The file is not a valid framework. `problems` lists every mistake found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


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


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, mapping: Any, key: Any, message: str) -> None:
        line = None
        if isinstance(mapping, _Located):
            line = mapping.key_lines.get(key, mapping.line)
        at = f" (line {line})" if line else ""
        self.problems.append(f"{where}{at}: {message}")

    def mapping(self, where: str, parent: Any, key: Any) -> dict | None:
        value = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(value, dict):
            self.fail(where, parent, key, "missing, or not a mapping")
            return None
        return value

    def items(self, where: str, parent: Any, key: Any) -> list:
        value = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(value, list) or not value:
            self.fail(where, parent, key, "missing, or not a non-empty list")
            return []
        return value

    def text(self, where: str, parent: dict, key: str, *, max_length: int | None = None) -> str:
        value = parent.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}.{key}", parent, key, "missing, or not text")
            return ""
        if max_length and len(value) > max_length:
            self.fail(f"{where}.{key}", parent, key, f"longer than {max_length} characters")
        return value

    def number(
        self, where: str, parent: dict, key: str, lo: float, hi: float, *, integer: bool = False
    ) -> float | None:
        value = parent.get(key)
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            kind = "a whole number" if integer else "a number"
            self.fail(f"{where}.{key}", parent, key, f"must be {kind}")
            return None
        if not lo <= value <= hi:
            self.fail(f"{where}.{key}", parent, key, f"{value} is out of range {lo}..{hi}")
            return None
        return value


def framework_validate(data: Any) -> None:
    """Raise FrameworkError listing every problem in the parsed file."""
    c = _Checker()
    if not isinstance(data, dict):
        raise FrameworkError(["the file must hold a mapping at the top level"])
    for key in TOP_KEYS:
        if key not in data:
            c.fail(key, data, key, "missing")
    if not isinstance(data.get("code"), str) or not str(data.get("code", "")).isidentifier():
        c.fail("code", data, "code", "must be a short lowercase name such as cbe")
    c.number("version", data, "version", 1, 10_000, integer=True) if "version" in data else None

    rubric = c.mapping("rubric", data, "rubric")
    if rubric is not None:
        levels = c.items("rubric.levels", rubric, "levels")
        values = [lvl.get("value") for lvl in levels if isinstance(lvl, dict)]
        if levels and tuple(values) != RUBRIC_VALUES:
            c.fail(
                "rubric.levels", rubric, "levels", "must be exactly the levels 1, 2, 3, 4 in order"
            )
        for i, lvl in enumerate(levels):
            if isinstance(lvl, dict):
                c.text(f"rubric.levels[{i}]", lvl, "code")
                c.text(f"rubric.levels[{i}]", lvl, "label")
        c.text("rubric", rubric, "dont_know_label")

    domain_count = len(data.get("domains") or []) if isinstance(data.get("domains"), list) else 0
    scoring = c.mapping("scoring", data, "scoring")
    if scoring is not None:
        c.number("scoring", scoring, "min_answered_share", 0.01, 1)
        gap = c.number("scoring", scoring, "gap_max_rating", 1, 3, integer=True)
        strength = c.number("scoring", scoring, "strength_min_rating", 2, 4, integer=True)
        if gap is not None and strength is not None and strength <= gap:
            c.fail(
                "scoring.strength_min_rating",
                scoring,
                "strength_min_rating",
                "must be above gap_max_rating",
            )
        c.number(
            "scoring",
            scoring,
            "min_scored_domains_for_stage",
            1,
            max(domain_count, 1),
            integer=True,
        )
        _check_stages(c, "scoring.lea_stages", scoring, "lea_stages", kind="lea")

    policy = c.mapping("policy", data, "policy")
    group_sizes: dict[str, int] = {}
    lever_codes: set[str] = set()
    levers = c.items("levers", data, "levers")
    for i, lever in enumerate(levers):
        where = f"levers[{i}]"
        if not isinstance(lever, dict):
            c.fail(where, data, "levers", "must be a mapping")
            continue
        code = c.text(where, lever, "code")
        if code in lever_codes:
            c.fail(f"{where}.code", lever, "code", f"duplicate lever code {code!r}")
        lever_codes.add(code)
        c.text(where, lever, "name", max_length=200)
        c.text(where, lever, "summary")
        group = lever.get("group")
        if group not in LEVER_GROUP_CODES:
            c.fail(
                f"{where}.group", lever, "group", f"must be one of {', '.join(LEVER_GROUP_CODES)}"
            )
        else:
            group_sizes[group] = group_sizes.get(group, 0) + 1
    if policy is not None:
        statuses = c.items("policy.statuses", policy, "statuses")
        codes = tuple(s.get("code") for s in statuses if isinstance(s, dict))
        if statuses and codes != POLICY_STATUS_CODES:
            c.fail(
                "policy.statuses",
                policy,
                "statuses",
                f"must be exactly {', '.join(POLICY_STATUS_CODES)} in that order",
            )
        for i, s in enumerate(statuses):
            if isinstance(s, dict):
                c.text(f"policy.statuses[{i}]", s, "label")
                for flag in ("engaged", "active"):
                    if not isinstance(s.get(flag), bool):
                        c.fail(f"policy.statuses[{i}].{flag}", s, flag, "must be true or false")
        groups = c.items("policy.lever_groups", policy, "lever_groups")
        if (
            groups
            and tuple(g.get("code") for g in groups if isinstance(g, dict)) != LEVER_GROUP_CODES
        ):
            c.fail(
                "policy.lever_groups",
                policy,
                "lever_groups",
                f"must be exactly {', '.join(LEVER_GROUP_CODES)}",
            )
        _check_stages(
            c,
            "policy.state_stages",
            policy,
            "state_stages",
            kind="state",
            group_sizes=group_sizes,
            lever_total=len(lever_codes),
        )

    indicator_codes: set[str] = set()
    area_codes: set[str] = set()
    domain_codes: set[str] = set()
    for d, domain in enumerate(c.items("domains", data, "domains")):
        where = f"domains[{d}]"
        if not isinstance(domain, dict):
            c.fail(where, data, "domains", "must be a mapping")
            continue
        code = c.text(where, domain, "code")
        if code in domain_codes:
            c.fail(f"{where}.code", domain, "code", f"duplicate domain code {code!r}")
        domain_codes.add(code)
        c.text(where, domain, "name", max_length=200)
        for a, area in enumerate(c.items(f"{where}.areas", domain, "areas")):
            awhere = f"{where}.areas[{a}]"
            if not isinstance(area, dict):
                c.fail(awhere, domain, "areas", "must be a mapping")
                continue
            acode = c.text(awhere, area, "code")
            if acode in area_codes:
                c.fail(f"{awhere}.code", area, "code", f"duplicate area code {acode!r}")
            area_codes.add(acode)
            c.text(awhere, area, "name", max_length=200)
            for n, ind in enumerate(c.items(f"{awhere}.indicators", area, "indicators")):
                _check_indicator(
                    c, f"{awhere}.indicators[{n}]", area, ind, indicator_codes, lever_codes
                )
    if c.problems:
        raise FrameworkError(c.problems)


def _check_stages(
    c: _Checker,
    where: str,
    parent: dict,
    key: str,
    *,
    kind: str,
    group_sizes: dict | None = None,
    lever_total: int = 0,
) -> None:
    stages = c.items(where, parent, key)
    seen: set[str] = set()
    previous = -1.0
    for i, stage in enumerate(stages):
        swhere = f"{where}[{i}]"
        if not isinstance(stage, dict):
            c.fail(swhere, parent, key, "must be a mapping")
            continue
        code = c.text(swhere, stage, "code")
        if code in seen:
            c.fail(f"{swhere}.code", stage, "code", f"duplicate stage code {code!r}")
        seen.add(code)
        c.text(swhere, stage, "label")
        c.text(swhere, stage, "meaning")
        if kind == "lea":
            score = c.number(swhere, stage, "min_score", 0, 100)
            if score is None:
                continue
            if i == 0 and score != 0:
                c.fail(f"{swhere}.min_score", stage, "min_score", "the first stage must start at 0")
            if score <= previous:
                c.fail(
                    f"{swhere}.min_score",
                    stage,
                    "min_score",
                    "thresholds must rise from one stage to the next",
                )
            previous = score
        else:
            requires = stage.get("requires")
            if not isinstance(requires, dict):
                c.fail(f"{swhere}.requires", stage, "requires", "missing, or not a mapping")
                continue
            if i == 0 and requires:
                c.fail(
                    f"{swhere}.requires",
                    stage,
                    "requires",
                    "the first stage is the fallback and must require nothing",
                )
            for cond in requires:
                if cond not in STAGE_CONDITION_KEYS:
                    c.fail(
                        f"{swhere}.requires.{cond}",
                        requires,
                        cond,
                        f"unknown condition; use one of {', '.join(sorted(STAGE_CONDITION_KEYS))}",
                    )
                    continue
                group = cond.split("_", 1)[1]
                limit = lever_total if group == "any" else (group_sizes or {}).get(group, 0)
                c.number(f"{swhere}.requires", requires, cond, 1, max(limit, 1), integer=True)


def _check_indicator(
    c: _Checker, where: str, area: dict, ind: Any, codes: set[str], lever_codes: set[str]
) -> None:
    if not isinstance(ind, dict):
        c.fail(where, area, "indicators", "must be a mapping")
        return
    code = c.text(where, ind, "code", max_length=10)
    if code in codes:
        c.fail(f"{where}.code", ind, "code", f"duplicate indicator code {code!r}")
    codes.add(code)
    c.text(where, ind, "title", max_length=120)
    c.text(where, ind, "prompt")
    c.text(where, ind, "next_step")
    levels = c.mapping(f"{where}.levels", ind, "levels")
    if levels is not None:
        for value in RUBRIC_VALUES:
            text = levels.get(value, levels.get(str(value)))
            if not isinstance(text, str) or not text.strip():
                c.fail(
                    f"{where}.levels.{value}",
                    levels,
                    value,
                    f"indicator {code or '?'} has no descriptor for level {value}",
                )
        extra = [k for k in levels if str(k) not in {str(v) for v in RUBRIC_VALUES}]
        for k in extra:
            c.fail(f"{where}.levels.{k}", levels, k, "levels are 1, 2, 3 and 4 only")
    aligned = ind.get("levers")
    if not isinstance(aligned, list) or not aligned:
        c.fail(f"{where}.levers", ind, "levers", "must list at least one lever code")
        return
    for lever in aligned:
        if lever not in lever_codes:
            c.fail(
                f"{where}.levers",
                ind,
                "levers",
                f"indicator {code or '?'} is aligned to unknown lever {lever!r}",
            )


def framework_parse(text: str) -> dict:
    """Parse and validate framework YAML; return plain data (JSON-safe)."""
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


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    domain: str
    area: str
    title: str
    prompt: str
    levels: dict[str, str]
    levers: tuple[str, ...]
    next_step: str


def framework_indicators(content: Mapping) -> list[IndicatorSpec]:
    """Indicators in framework order, flattened from domains and areas."""
    result = []
    for domain in content["domains"]:
        for area in domain["areas"]:
            for ind in area["indicators"]:
                result.append(
                    IndicatorSpec(
                        code=ind["code"],
                        domain=domain["code"],
                        area=area["name"],
                        title=ind["title"],
                        prompt=ind["prompt"],
                        levels=ind["levels"],
                        levers=tuple(ind["levers"]),
                        next_step=ind["next_step"],
                    )
                )
    return result
