"""The one palette of the portal's charts, pages and PDFs.

Three families of colours, each a `Swatch` (a fill, the text colour that reads on it, and
a pattern so that no category is told apart by colour alone):

- `LEA_STAGES`: the readiness stages of an LEA, lowest first, plus `INSUFFICIENT` for an
  LEA without a stage. A light-to-dark ramp that also turns from yellow through green to
  blue, so neighbours differ in lightness (what every kind of colour vision sees) as well
  as in hue.
- `STATE_TIERS`: the state's policy tiers, lowest first: a second ramp (sand to purple)
  so a tier is never mistaken for an LEA stage when both sit on one page.
- `GAP_KINDS`: the four kinds of gap (opened, available to join, blocked, local) and
  `NO_GAP`. "Opened" is a hatched mid green and "blocked" a cross-hatched dark vermillion:
  apart in lightness and pattern, not only in hue (the red/green pair is the one that
  deuteranopes and protanopes confuse).

How the choices are checked (tests/charts/test_palette.py):
- every swatch's text colour has at least 4.5:1 contrast (WCAG 2 AA for normal text)
  with its fill, using the WCAG relative-luminance formula below;
- the swatches within a family stay apart (CIE76 colour difference at least
  `MIN_DISTANCE`) for normal vision and as simulated for deuteranopia and protanopia with
  the Machado, Oliveira and Fernandes (2009) matrices at full severity, applied to linear
  RGB.

Colours are hex strings, given to SVG as presentation attributes (fill="...") and to
CSS as classes, never as inline styles (the Content-Security-Policy forbids them).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

INK = "#1b1b1b"
WHITE = "#ffffff"
MUTED = "#565c65"  # secondary text on white, 7:1
GRID = "#dfe1e2"
BAR = "#005ea2"  # a plain bar (one series) on white, 7:1

# Patterns drawn over a fill (charts/patterns.html): "" is a plain fill.
PATTERNS = ("", "dots", "hatch", "cross", "dash")

# Smallest CIE76 difference between two swatches of one family, for every vision
# simulated. 20 is about where two flat areas read as different colours at a glance
# rather than on close comparison.
MIN_DISTANCE = 20.0


@dataclass(frozen=True)
class Swatch:
    fill: str
    pattern: str = ""
    name: str = ""  # a stable class suffix for CSS (cbe-swatch--<name>)

    @property
    def text(self) -> str:
        """INK or white, whichever has more contrast with the fill."""
        return max((INK, WHITE), key=lambda colour: contrast_ratio(colour, self.fill))

    @property
    def pattern_stroke(self) -> str:
        return self.text


LEA_STAGES = (
    Swatch("#fee391", "", "stage-1"),
    Swatch("#8fd19e", "dots", "stage-2"),
    Swatch("#2c8fc1", "hatch", "stage-3"),
    Swatch("#162e51", "cross", "stage-4"),
)
INSUFFICIENT = Swatch("#dfe1e2", "dash", "insufficient")

STATE_TIERS = (
    Swatch("#f2e6d0", "", "tier-1"),
    Swatch("#d9a6c9", "dots", "tier-2"),
    Swatch("#9a5ea8", "hatch", "tier-3"),
    Swatch("#4a1c5c", "cross", "tier-4"),
)

GAP_KINDS = {
    "opened": Swatch("#3fae6a", "hatch", "opened"),
    "available": Swatch("#8ecae6", "dots", "available"),
    "blocked": Swatch("#9d3a10", "cross", "blocked"),
    "local": Swatch("#f2d98a", "dash", "local"),
}
NO_GAP = Swatch("#f0f0f0", "", "no-gap")

# Other categorical series (statuses of an assessment, ...): light to dark.
SERIES = (
    Swatch("#f0f0f0", "", "series-1"),
    Swatch("#97d4ea", "dots", "series-2"),
    Swatch("#2c8fc1", "hatch", "series-3"),
    Swatch("#162e51", "", "series-4"),
    Swatch("#e8a33d", "cross", "series-5"),
    Swatch("#7a3e9d", "dash", "series-6"),
)


def lea_stage_swatches(count: int) -> tuple[Swatch, ...]:
    """Swatches for a framework's `count` LEA stages, lowest first: the palette's when it
    has four, else spread over the ramp (first and last always its ends)."""
    if count <= 0:
        return ()
    if count == 1:
        return (LEA_STAGES[-1],)
    last = len(LEA_STAGES) - 1
    return tuple(LEA_STAGES[round(i * last / (count - 1))] for i in range(count))


def state_tier_swatches(count: int) -> tuple[Swatch, ...]:
    if count <= 0:
        return ()
    last = len(STATE_TIERS) - 1
    return tuple(STATE_TIERS[round(i * last / max(count - 1, 1))] for i in range(count))


# --- contrast (WCAG 2) ------------------------------------------------------------------


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _gamma(channel: float) -> float:
    channel = min(max(channel, 0.0), 1.0)
    return 12.92 * channel if channel <= 0.0031308 else 1.055 * channel ** (1 / 2.4) - 0.055


@lru_cache(maxsize=512)  # a few dozen colours, asked for once per chart segment
def relative_luminance(hex_colour: str) -> float:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# --- colour-vision simulation (Machado et al. 2009, severity 1.0, linear RGB) -----------

CVD_MATRICES = {
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
}


def simulate(hex_colour: str, vision: str) -> str:
    """The colour as seen with `vision` ("normal" or a key of CVD_MATRICES)."""
    if vision == "normal":
        return hex_colour
    linear = [_linear(c) for c in _rgb(hex_colour)]
    seen = [sum(m * c for m, c in zip(row, linear, strict=True)) for row in CVD_MATRICES[vision]]
    return "#" + "".join(f"{round(_gamma(c) * 255):02x}" for c in seen)


def _lab(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def distance(a: str, b: str) -> float:
    """CIE76 colour difference (Euclidean distance in CIELAB)."""
    la, lb = _lab(a), _lab(b)
    return sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5


def closest_pair(swatches: Sequence[Swatch], vision: str) -> float:
    """The smallest difference between two swatches as seen with `vision`."""
    seen = [simulate(s.fill, vision) for s in swatches]
    return min(
        (distance(a, b) for i, a in enumerate(seen) for b in seen[i + 1 :]),
        default=float("inf"),
    )
