"""Write a synthetic CCD LEA directory file shaped like the national one NCES publishes.

About 19,400 LEAs of the 50 states and DC, spread over the states roughly as in the real
file, with the real file's columns (about 60) and its quirks: UTF-8 with a BOM, CRLF line
ends, state names in capitals, quoted names with commas, double spaces, grade codes like
"04", a website column that sometimes holds a street address. The data are invented.

    python bench/make_ccd_file.py /tmp/ccd_bench.csv [--rows 19400] [--year 2022-2023]
        [--churn 0.1]

``--churn`` makes a "next year" file from the same seed: that share of LEAs gets a new name,
type or status, one in ten of that share disappears (closed by the import) and as many new
LEAs appear.
"""

import argparse
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.ccd import STATE_FIPS, STATE_NAMES  # noqa: E402 - after the path is set

# Rough LEA counts per state in recent CCD directory files (only their proportions matter).
WEIGHTS = {
    "AL": 200, "AK": 55, "AZ": 700, "AR": 300, "CA": 2250, "CO": 275, "CT": 200, "DE": 45,
    "DC": 70, "FL": 80, "GA": 230, "HI": 2, "ID": 185, "IL": 1050, "IN": 430, "IA": 340,
    "KS": 320, "KY": 185, "LA": 200, "ME": 280, "MD": 25, "MA": 410, "MI": 880, "MN": 560,
    "MS": 160, "MO": 570, "MT": 480, "NE": 280, "NV": 25, "NH": 300, "NJ": 700, "NM": 160,
    "NY": 1000, "NC": 330, "ND": 210, "OH": 1100, "OK": 600, "OR": 220, "PA": 800, "RI": 65,
    "SC": 100, "SD": 165, "TN": 150, "TX": 1220, "UT": 160, "VT": 340, "VA": 140, "WA": 330,
    "WV": 60, "WI": 460, "WY": 60,
}  # fmt: skip

COLUMNS = [
    "SCHOOL_YEAR", "FIPST", "STATENAME", "ST", "LEA_NAME", "STATE_AGENCY_NO", "UNION",
    "ST_LEAID", "LEAID", "MSTREET1", "MSTREET2", "MSTREET3", "MCITY", "MSTATE", "MZIP",
    "MZIP4", "LSTREET1", "LSTREET2", "LSTREET3", "LCITY", "LSTATE", "LZIP", "LZIP4", "PHONE",
    "WEBSITE", "SY_STATUS", "SY_STATUS_TEXT", "UPDATED_STATUS", "UPDATED_STATUS_TEXT",
    "EFFECTIVE_DATE", "LEA_TYPE", "LEA_TYPE_TEXT", "OUT_OF_STATE_FLAG", "CHARTER_LEA",
    "CHARTER_LEA_TEXT", "NOGRADES", "G_PK_OFFERED", "G_KG_OFFERED", "G_1_OFFERED",
    "G_2_OFFERED", "G_3_OFFERED", "G_4_OFFERED", "G_5_OFFERED", "G_6_OFFERED", "G_7_OFFERED",
    "G_8_OFFERED", "G_9_OFFERED", "G_10_OFFERED", "G_11_OFFERED", "G_12_OFFERED",
    "G_13_OFFERED", "G_UG_OFFERED", "G_AE_OFFERED", "GSLO", "GSHI", "LEVEL", "IGOFFERED",
    "OPERATIONAL_SCHOOLS", "CHARTAUTH1", "CHARTAUTHN1",
]  # fmt: skip

STATUSES = [
    ("1", "Open", 0.94), ("2", "Closed", 0.02), ("3", "New", 0.015), ("4", "Added", 0.005),
    ("5", "Changed Boundary/Agency", 0.005), ("6", "Inactive", 0.01), ("7", "Future", 0.003),
    ("8", "Reopened", 0.002),
]  # fmt: skip
TYPES = [
    ("1", "Regular public school district that is NOT a component of a supervisory union", 0.6),
    ("2", "Regular public school district that is a component of a supervisory union", 0.05),
    ("3", "Supervisory union administrative center", 0.02),
    ("4", "Regional education service agency", 0.07),
    ("5", "State agency", 0.01),
    ("7", "Independent charter district", 0.22),
    ("8", "Other education agency", 0.02),
    ("9", "Specialized public school district", 0.01),
]
PLACES = (
    "Maple", "Oak", "Cedar", "Pine", "River", "Lake", "Hill", "Valley", "Spring", "Falls",
    "Ridge", "Meadow", "Prairie", "Harbor", "Forest", "Brook", "Stone", "Mill", "Bridge",
    "Fair", "Green", "Clear", "Silver", "Eagle", "Fox", "Bear", "Wolf", "Elk", "Deer", "North",
    "South", "East", "West", "Grand", "Union", "Liberty", "Franklin", "Lincoln", "Jefferson",
    "Madison", "Jackson", "Washington", "Clinton", "Marion", "Monroe", "Greene", "Wayne",
    "Warren", "Hamilton", "Salem", "Troy", "Dover", "Bristol",
)  # fmt: skip
SUFFIXES = (
    "School District", "Public Schools", "Community Schools", "Unified School District",
    "Independent School District", "City Schools", "County Schools", "Consolidated Schools",
    "Area School District", "Regional School District", "Charter School", "Academy",
)  # fmt: skip
GRADES = ["PK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]


def _pick(rng: random.Random, table):
    return rng.choices(table, weights=[w for *_, w in table])[0]


def _lea(rng: random.Random, state: str, number: int, year: str) -> dict[str, str]:
    name = f"{rng.choice(PLACES)} {rng.choice(PLACES)} {rng.choice(SUFFIXES)}"
    if rng.random() < 0.03:
        name = name.replace(" ", "  ", 1)  # double spaces, as in real files
    if rng.random() < 0.02:
        name = f"{rng.choice(PLACES)}, {name}"  # a comma inside a quoted field
    city = f"{rng.choice(PLACES)} {rng.choice(('City', 'Springs', 'Falls', 'Center', ''))}"
    status = _pick(rng, STATUSES)
    lea_type = _pick(rng, TYPES)
    charter = lea_type[0] == "7"
    lo = rng.randrange(0, 8)
    hi = rng.randrange(lo, len(GRADES))
    website = (
        f"{rng.randrange(1, 9999)} Main Street"  # real files have addresses here
        if rng.random() < 0.01
        else f"http://www.{name.split()[0].lower()}{number}.k12.{state.lower()}.us"
    )
    zip_code = f"{rng.randrange(501, 99950):05d}"
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        SCHOOL_YEAR=year,
        FIPST=STATE_FIPS[state],
        STATENAME=STATE_NAMES[state].upper(),
        ST=state,
        LEA_NAME=name,
        STATE_AGENCY_NO="01",
        UNION="000",
        ST_LEAID=f"{state}-{number:06d}",
        LEAID=f"{STATE_FIPS[state]}{number:05d}",
        MSTREET1=f"{rng.randrange(1, 9999)} School Road",
        MCITY=city.strip().upper(),
        MSTATE=state,
        MZIP=zip_code,
        LSTREET1=f"{rng.randrange(1, 9999)} Education Way",
        LCITY=city.strip().upper(),
        LSTATE=state,
        LZIP=zip_code,
        PHONE=f"({rng.randrange(200, 999)}){rng.randrange(200, 999)}-{rng.randrange(10**4):04d}",
        WEBSITE=website,
        SY_STATUS=status[0],
        SY_STATUS_TEXT=status[1],
        UPDATED_STATUS=status[0],
        UPDATED_STATUS_TEXT=status[1],
        EFFECTIVE_DATE="07/01/2022",
        LEA_TYPE=lea_type[0],
        LEA_TYPE_TEXT=lea_type[1],
        OUT_OF_STATE_FLAG="No",
        CHARTER_LEA="CHRTIDEALEA" if charter else "NOTCHR",
        CHARTER_LEA_TEXT=(
            "Charter district which is an LEA for programs authorized under IDEA, ESEA and Perkins"
            if charter
            else "Not a charter district"
        ),
        NOGRADES="No",
        GSLO=GRADES[lo],
        GSHI=GRADES[hi],
        LEVEL="Other",
        IGOFFERED="As reported",
        OPERATIONAL_SCHOOLS=str(rng.randrange(0, 40)),
    )
    for grade in ("PK", "KG", *(str(g) for g in range(1, 14)), "UG", "AE"):
        row[f"G_{grade}_OFFERED"] = rng.choice(("Yes", "No", "Not reported"))
    return row


def ccd_rows(*, rows: int = 19_400, seed: int = 2024, year: str = "2022-2023", churn: float = 0):
    """The rows of the synthetic file as dicts (same seed and rows: the same LEAs)."""
    rng = random.Random(seed)
    total = sum(WEIGHTS.values())
    counts = {s: max(1, round(rows * w / total)) for s, w in WEIGHTS.items()}
    counts["CA"] += rows - sum(counts.values())  # exact total
    result = []
    for state, count in counts.items():
        for number in range(1, count + 1):
            result.append(_lea(rng, state, number * 7 + 11, year))
    if churn:
        change = random.Random(seed + 1)
        kept = []
        for row in result:
            roll = change.random()
            if roll < churn * 0.1:
                continue  # gone from the newer file: the import will close it
            if roll < churn:
                what = change.choice(("name", "type", "status"))
                if what == "name":
                    row["LEA_NAME"] = row["LEA_NAME"] + " " + change.choice(PLACES)
                elif what == "type":
                    lea_type = _pick(change, TYPES)
                    row["LEA_TYPE"], row["LEA_TYPE_TEXT"] = lea_type[:2]
                else:
                    status = _pick(change, STATUSES)
                    row["UPDATED_STATUS"], row["UPDATED_STATUS_TEXT"] = status[:2]
                    row["SY_STATUS"], row["SY_STATUS_TEXT"] = status[:2]
            kept.append(row)
        added = len(result) - len(kept)
        states = list(WEIGHTS)
        for index in range(added):
            state = states[index % len(states)]
            kept.append(_lea(change, state, 90_000 + index, year))
        result = kept
    return result


def write_ccd_file(path: Path | str, **kwargs) -> int:
    """Write the file; returns the number of LEA rows."""
    data = ccd_rows(**kwargs)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(data)
    return len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=19_400)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--year", default="2022-2023")
    parser.add_argument("--churn", type=float, default=0.0)
    args = parser.parse_args()
    count = write_ccd_file(
        args.path, rows=args.rows, seed=args.seed, year=args.year, churn=args.churn
    )
    print(f"wrote {count:,} LEA rows to {args.path}")


if __name__ == "__main__":
    main()
