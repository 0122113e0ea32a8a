"""The one palette: text on every fill passes WCAG AA, and the colours of a family stay
apart for normal vision and as simulated for deuteranopia and protanopia."""

import pytest

from charts import palette

FAMILIES = {
    "LEA stages": (*palette.LEA_STAGES, palette.INSUFFICIENT),
    "state tiers": palette.STATE_TIERS,
    "gap kinds": (*palette.GAP_KINDS.values(), palette.NO_GAP),
}
ALL_SWATCHES = [
    *palette.LEA_STAGES,
    palette.INSUFFICIENT,
    *palette.STATE_TIERS,
    *palette.GAP_KINDS.values(),
    palette.NO_GAP,
    *palette.SERIES,
]


def test_contrast_ratio_follows_wcag_on_known_pairs():
    assert palette.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("swatch", ALL_SWATCHES, ids=lambda s: s.name)
def test_text_on_every_fill_has_aa_contrast(swatch):
    assert palette.contrast_ratio(swatch.text, swatch.fill) >= 4.5


def test_chart_ink_and_bars_read_on_white():
    for colour in (palette.INK, palette.MUTED, palette.BAR):
        assert palette.contrast_ratio(colour, "#ffffff") >= 4.5


def test_the_simulation_keeps_grey_grey_and_merges_red_with_green():
    assert palette.simulate("#808080", "deuteranopia") == "#808080"
    # A pure red and a green of like lightness, told apart by hue alone, come close.
    assert palette.distance(
        palette.simulate("#d62728", "deuteranopia"), palette.simulate("#7f7f00", "deuteranopia")
    ) < 0.5 * palette.distance("#d62728", "#7f7f00")


@pytest.mark.parametrize("vision", ["normal", "deuteranopia", "protanopia"])
@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_the_colours_of_a_family_stay_distinct(family, vision):
    assert palette.closest_pair(FAMILIES[family], vision) >= palette.MIN_DISTANCE


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_no_two_swatches_of_a_family_share_colour_and_pattern(family):
    # Never colour alone: besides the fills, patterns (or a plain fill) tell them apart
    # wherever a family has fewer swatches than patterns.
    swatches = FAMILIES[family]
    assert len({(s.fill, s.pattern) for s in swatches}) == len(swatches)
    assert len({s.pattern for s in swatches}) >= min(len(swatches), len(palette.PATTERNS))


def test_gap_opened_and_blocked_differ_in_lightness_and_pattern():
    opened, blocked = palette.GAP_KINDS["opened"], palette.GAP_KINDS["blocked"]
    assert opened.pattern != blocked.pattern
    for vision in ("deuteranopia", "protanopia"):
        a, b = (palette.simulate(s.fill, vision) for s in (opened, blocked))
        assert abs(palette.relative_luminance(a) - palette.relative_luminance(b)) > 0.15


def test_stage_swatches_cover_any_number_of_stages_from_the_ends_of_the_ramp():
    assert palette.lea_stage_swatches(4) == palette.LEA_STAGES
    five = palette.lea_stage_swatches(5)
    assert five[0] == palette.LEA_STAGES[0] and five[-1] == palette.LEA_STAGES[-1]
    assert palette.lea_stage_swatches(0) == ()
