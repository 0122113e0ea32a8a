"""An integrator's whole assessment through the REST API, with nothing but the standard
library: start an LEA's assessment, answer every indicator, submit it, accept it as a state
administrator, request the readiness PDF, wait for it and save it.

    python docs/api_example.py --base https://readiness.example.gov \\
        --token STAFF_KEY --reviewer-token ADMIN_KEY --lea 3300001 --cycle 7 --out report.pdf

Tokens come from `python manage.py api_token USERNAME` or the settings page. The tests run
this script against a live server and a real Celery worker (tests/test_api_example.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request

JSON = "application/json"


class ApiFailed(Exception):
    pass


class Client:
    def __init__(self, base: str, token: str):
        self.base = base.rstrip("/")
        self.token = token

    def call(
        self, method: str, path: str, body: dict | None = None, accept: str = "application/json"
    ):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Token {self.token}")
        request.add_header("Accept", accept)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            # Every error under /api/v1/ is {"code", "message", "fields"}.
            problem = json.loads(error.read() or b"{}")
            raise ApiFailed(
                f"{method} {path}: {error.code} {problem.get('code')}: "
                f"{problem.get('message')} {problem.get('fields') or ''}"
            ) from None
        if accept == JSON:
            return status, json.loads(payload)
        return status, payload


def run(base: str, token: str, reviewer_token: str, leaid: str, cycle: int, out: str) -> int:
    staff = Client(base, token)
    reviewer = Client(base, reviewer_token)

    status, assessment = staff.call("POST", "/api/v1/assessments/", {"lea": leaid, "cycle": cycle})
    pk = assessment["id"]
    how = "started" if status == 201 else "already there"
    print(f"assessment {pk}: {how}, {assessment['status']}")

    _, page = staff.call("GET", f"/api/v1/assessments/{pk}/answers/")
    rows = page["results"]
    for position, row in enumerate(rows):
        version = row["answer"]["version"] if row["answer"] else 0
        staff.call(
            "PUT",
            f"/api/v1/assessments/{pk}/answers/{row['indicator']}/",
            {
                "rating": position % 4 + 1,
                "dont_know": False,
                "evidence": f"Loaded from the district survey, item {position + 1}.",
                "version": version,
            },
        )
    print(f"answered {len(rows)} indicators")

    _, submitted = staff.call("POST", f"/api/v1/assessments/{pk}/submit/", {})
    _, accepted = reviewer.call("POST", f"/api/v1/assessments/{pk}/accept/", {})
    print(f"{submitted['status']}, then {accepted['status']}")

    _, scores = staff.call("GET", f"/api/v1/assessments/{pk}/scores/")
    stage = scores["stage"]["label"] if scores["stage"] else "no stage (insufficient evidence)"
    print(f"stage: {stage}")

    _, job = staff.call("POST", "/api/v1/reports/", {"kind": "lea", "lea": leaid, "cycle": cycle})
    deadline = time.monotonic() + 300
    while job["status"] not in ("done", "failed"):
        if time.monotonic() > deadline:
            raise ApiFailed(f"report {job['id']} still {job['status']} after 5 minutes")
        time.sleep(0.5)
        _, job = staff.call("GET", f"/api/v1/reports/{job['id']}/")
        print(f"report {job['id']}: {job['status']} {job['progress']}%")
    if job["status"] != "done":
        raise ApiFailed(f"report {job['id']} failed: {job.get('error')}")

    _, pdf = staff.call("GET", f"/api/v1/reports/{job['id']}/pdf/", accept="application/pdf")
    with open(out, "wb") as file:
        file.write(pdf)
    print(f"saved {out} ({len(pdf)} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the portal's address")
    parser.add_argument("--token", required=True, help="a state staff member's API token")
    parser.add_argument("--reviewer-token", required=True, help="a state administrator's token")
    parser.add_argument("--lea", required=True, help="the LEAID")
    parser.add_argument("--cycle", required=True, type=int, help="the cycle's id")
    parser.add_argument("--out", default="report.pdf", help="where to save the PDF")
    args = parser.parse_args(argv)
    try:
        return run(args.base, args.token, args.reviewer_token, args.lea, args.cycle, args.out)
    except ApiFailed as error:
        print(f"failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
