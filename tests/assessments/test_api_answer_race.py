"""Two API clients race on ONE answer, 1,000 writes in all, and nothing is lost: every
write acknowledged with a 2xx is in the answer's history with the version it was given,
nothing else is, and the stored answer is the last acknowledged write (the one with the
highest version: each write names the version it replaces, so they form one chain).

How the race runs depends on the database:

- PostgreSQL (DATABASE_URL names one): two threads, each with its own client, user and
  database connection, write at the same time (a transactional test, so each sees the
  other's commits).
- SQLite (the default): the test database lives in memory in shared-cache mode, where a
  second writer is refused ("database table is locked") rather than made to wait, so
  real threads cannot write at once. The two clients' requests are interleaved instead,
  in one thread, in an order drawn from a seeded random generator: each client writes
  from the version it last saw, so whenever the other one wrote in between, its write is
  stale and gets the 409. Every request still goes through the whole stack.

Each client keeps writing: after a 409 it takes the stored version from the conflict's
body ("keep mine") and tries again with its next value.
"""

import random
import threading

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.scores import assessment_compute
from tests.assessments.api import ApiClient
from tests.factories import AssessmentFactory, CycleFactory, LEAFactory, StateFactory, UserFactory

WRITES = 1000
CODE = "BL-01"
THREADED = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


class Writer:
    """One client writing to one answer, remembering what was acknowledged."""

    def __init__(self, name: str, user, url: str, seed: int):
        self.name = name
        self.api = ApiClient(user)
        self.url = url
        self.rng = random.Random(seed)
        self.version = 0
        self.sent = 0
        self.acknowledged: list[tuple[int, int | None, bool, str]] = []
        self.conflicts = 0
        self.unexpected: list[tuple[int, bytes]] = []

    def write_once(self) -> None:
        self.sent += 1
        dont_know = self.rng.random() < 0.1
        rating = None if dont_know else self.rng.randint(1, 4)
        evidence = f"{self.name} write {self.sent}"  # unique: no two writes are the same
        body = {"rating": rating, "dont_know": dont_know, "evidence": evidence}
        response = self.api.put(self.url, {**body, "version": self.version})
        if response.status_code == 200:
            self.version = response.json()["version"]
            self.acknowledged.append((self.version, rating, dont_know, evidence))
        elif response.status_code == 409 and response.json()["code"] == "answer_conflict":
            self.conflicts += 1
            self.version = response.json()["theirs"]["version"]
        else:
            self.unexpected.append((response.status_code, response.content[:300]))


def _race_threads(writers: list[Writer]) -> None:
    barrier = threading.Barrier(len(writers))
    errors: list[BaseException] = []

    def run(writer: Writer) -> None:
        try:
            barrier.wait()
            for _ in range(WRITES // len(writers)):
                writer.write_once()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)


def _race_interleaved(writers: list[Writer]) -> None:
    schedule = random.Random(2026)
    for _ in range(WRITES):
        schedule.choice(writers).write_once()


@pytest.mark.django_db(transaction=THREADED)
def test_two_clients_racing_on_one_answer_lose_nothing(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "100000/minute"},
    }
    cache.clear()
    state = StateFactory(code="NH")
    assessment = AssessmentFactory(lea=LEAFactory(state=state), cycle=CycleFactory(state=state))
    url = f"/api/v1/assessments/{assessment.pk}/answers/{CODE}/"
    staff = [UserFactory(role=Role.STATE_STAFF, state=state, username=f"racer{i}") for i in (1, 2)]
    writers = [Writer(user.username, user, url, seed=i) for i, user in enumerate(staff)]

    (_race_threads if THREADED else _race_interleaved)(writers)

    for writer in writers:
        assert writer.unexpected == [], writer.unexpected
        assert writer.acknowledged, f"{writer.name} never got a write in"
    assert sum(w.sent for w in writers) == WRITES
    assert sum(w.conflicts for w in writers) > 0, "the clients never raced"

    acknowledged = [ack for writer in writers for ack in writer.acknowledged]
    answer = Answer.objects.get(assessment=assessment)
    history = set(
        Answer.history.filter(id=answer.pk).values_list(
            "version", "rating", "dont_know", "evidence"
        )
    )
    # Every acknowledged write is in the history with its version, and nothing else is:
    # versions 1..N, one per acknowledged write, none lost and none twice.
    assert set(acknowledged) == history
    assert sorted(version for version, *_ in acknowledged) == list(range(1, len(acknowledged) + 1))
    # The stored answer is the last acknowledged write.
    last = max(acknowledged)
    assert (answer.version, answer.rating, answer.dont_know, answer.evidence) == last
    # The assessment counted every write, and its stored scores match the answer.
    assessment = Assessment.objects.select_related("cycle__framework").get(pk=assessment.pk)
    assert assessment.version == 1 + len(acknowledged)
    assert assessment.scores == assessment_compute(assessment=assessment).as_dict()
