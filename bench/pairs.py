"""What the benchmarks share: interleaved pairs, the machine, and their docs sections.

A figure is only worth something beside a baseline measured in the same run, and on a
shared two-CPU machine the load swings within seconds. So a figure and its baseline are
measured in interleaved pairs (A, B, A, B ...) and the result is the median of the
pairwise ratios A_i / B_i: a load swing moves both halves of a pair alike.
"""

import os
import platform
import statistics
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_DOC = ROOT / "docs" / "benchmarks.md"


def interleaved(
    measure_a: Callable[[], float], measure_b: Callable[[], float], *, pairs: int
) -> dict:
    """Run B, A, B, A ... `pairs` times (the baseline first, so neither side always runs
    right after a warm-up); returns both series and the median of the ratios A/B."""
    a_values, b_values = [], []
    for _ in range(pairs):
        b_values.append(measure_b())
        a_values.append(measure_a())
    return pair_summary(a_values, b_values)


def pair_summary(a_values: list[float], b_values: list[float]) -> dict:
    ratios = [a / b for a, b in zip(a_values, b_values, strict=True) if b > 0]
    return {
        "a": a_values,
        "b": b_values,
        "ratios": ratios,
        "ratio": statistics.median(ratios) if ratios else float("nan"),
        "ratio_range": (min(ratios), max(ratios)) if ratios else (float("nan"),) * 2,
    }


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{model or platform.processor() or 'unknown CPU'}, {os.cpu_count()} CPUs, "
        f"{mem:.0f} GB RAM, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def run_line() -> str:
    return f"Run on {date.today().isoformat()} · {machine()}"


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"


def write_section(title: str, body: str, doc: Path = BENCHMARKS_DOC) -> None:
    """Replace the section `## <title>` of the doc (up to the next `## ` heading) with
    `body`, or append it; every other section is left as it was."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    heading = f"## {title}\n"
    section = f"{heading}\n{body.strip()}\n"
    lines = text.splitlines(keepends=True)
    try:
        start = lines.index(heading)
    except ValueError:
        doc.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    doc.write_text("".join(lines[:start]) + section + ("\n" + tail if tail else ""))
