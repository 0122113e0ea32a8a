"""The access log: what is recorded for each kind of access, the national administrators'
page and CSV, and the retention sweep."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import directory.tasks
from accounts.models import Role
from audit.models import AccessEvent
from audit.services import access_event_prune
from audit.tasks import access_log_prune
from directory.models import ImportJob
from reports.models import ReportJob
from tests.factories import DEMO_PASSWORD, UserFactory

Kind = AccessEvent.Kind
LOG = reverse("audit:log")
EXPORT = reverse("audit:export")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


def client_for(user, ip="192.0.2.10"):
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=BROWSER)
    client.force_login(user)
    return client


def latest(kind):
    return AccessEvent.objects.filter(kind=kind).latest("occurred_at")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# ------------------------------------------------------------------ what is recorded


def test_a_sign_in_a_failed_one_and_a_sign_out_are_recorded_with_address_and_browser(db):
    user = UserFactory(username="casey", role=Role.NATIONAL_ADMIN)
    client = Client(HTTP_USER_AGENT=BROWSER)
    login = reverse("login")
    client.post(login, {"username": "casey", "password": "wrong"}, REMOTE_ADDR="192.0.2.1")
    client.post(login, {"username": "casey", "password": DEMO_PASSWORD}, REMOTE_ADDR="192.0.2.1")
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.1")
    failed, signed_in, signed_out = AccessEvent.objects.order_by("id")
    assert [failed.kind, signed_in.kind, signed_out.kind] == [
        Kind.SIGN_IN_FAILED,
        Kind.SIGN_IN,
        Kind.SIGN_OUT,
    ]
    assert failed.user is None and failed.username == "casey"
    assert signed_in.user == user and signed_out.user == user
    for event in (failed, signed_in, signed_out):
        assert event.ip_address == "192.0.2.1"
        assert event.user_agent == BROWSER
    assert signed_in.path == login and signed_in.method == "POST"


def test_a_failed_sign_in_with_a_name_nobody_has_is_recorded_as_typed(db):
    Client().post(reverse("login"), {"username": "nobody-here", "password": "x"})
    event = latest(Kind.SIGN_IN_FAILED)
    assert event.username == "nobody-here" and event.user is None


def test_a_pdf_download_is_recorded(two_states):
    nh = two_states["NH"]
    job = ReportJob.objects.create(
        kind="lea", state=nh["state"], lea=nh["leas"][0], cycle=nh["cycle"], status="done"
    )
    job.file.save("nh.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    leader = nh["users"][Role.DISTRICT_LEADER]
    response = client_for(leader).get(reverse("reports:job_download", args=[job.pk]))
    assert response.status_code == 200
    event = latest(Kind.REPORT_DOWNLOAD)
    assert event.user == leader
    assert event.ip_address == "192.0.2.10"
    assert f"PDF report {job.pk}" in event.detail


def test_a_pdf_download_through_the_api_is_recorded(two_states):
    nh = two_states["NH"]
    job = ReportJob.objects.create(
        kind="state", state=nh["state"], cycle=nh["cycle"], status="done"
    )
    job.file.save("nh-state.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    client = client_for(nh["users"][Role.TASK_FORCE])
    response = client.get(f"/api/v1/reports/{job.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert "(API)" in latest(Kind.REPORT_DOWNLOAD).detail


def test_a_report_that_is_not_ready_records_no_download(two_states):
    nh = two_states["NH"]
    job = ReportJob.objects.create(kind="state", state=nh["state"], cycle=nh["cycle"])
    client = client_for(nh["users"][Role.TASK_FORCE])
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
    assert not AccessEvent.objects.filter(kind=Kind.REPORT_DOWNLOAD).exists()


def test_csv_exports_of_the_dashboards_are_recorded(two_states):
    nh = two_states["NH"]
    client = client_for(nh["users"][Role.TASK_FORCE])
    url = reverse("dashboards:state_export", args=["NH", nh["cycle"].pk, "completion"])
    assert client.get(url).status_code == 200
    assert latest(Kind.CSV_EXPORT).detail.endswith("completion.csv")
    national = client_for(two_states["national"])
    assert national.get(reverse("dashboards:national_export", args=["states"])).status_code == 200
    assert latest(Kind.CSV_EXPORT).detail.startswith("national-")


CCD_HEADER = "SCHOOL_YEAR,ST,LEAID,LEA_NAME,LEA_TYPE,LEA_TYPE_TEXT\n"


def test_an_import_upload_and_its_confirmation_are_recorded(two_states, monkeypatch):
    monkeypatch.setattr(directory.tasks.import_run, "apply_async", lambda *a, **k: None)
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    client = client_for(admin)
    upload = SimpleUploadedFile("nh.csv", b"not,a,ccd,file\n1,2,3,4\n", "text/csv")
    client.post(reverse("imports:upload"), {"file": upload})
    job = ImportJob.objects.get()
    uploaded = latest(Kind.IMPORT_UPLOAD)
    assert uploaded.user == admin and f"import {job.pk}: nh.csv" == uploaded.detail
    client.post(reverse("imports:job_confirm", args=[job.pk]))
    assert latest(Kind.IMPORT_CONFIRM).detail.startswith(f"import {job.pk}: nh.csv")


def test_a_refused_page_is_recorded(two_states):
    staff = two_states["NH"]["users"][Role.STATE_STAFF]
    client = client_for(staff)
    assert client.get(reverse("imports:upload")).status_code == 403
    event = latest(Kind.REFUSED)
    assert event.user == staff
    assert event.path == reverse("imports:upload")
    assert event.ip_address == "192.0.2.10"


def test_a_page_out_of_scope_answers_404_and_is_not_called_a_refusal(two_states):
    """A 404 does not say whether the row exists, and the log cannot tell it from a typo."""
    client = client_for(two_states["NH"]["users"][Role.STATE_STAFF])
    other = two_states["VT"]["leas"][0]
    assert client.get(f"/leas/{other.leaid}/").status_code == 404
    assert not AccessEvent.objects.filter(kind=Kind.REFUSED).exists()


# ------------------------------------------------------------------ the page and its CSV


@pytest.fixture
def logged(two_states):
    """Three events on three days, for two people."""
    now = timezone.now()
    staff = two_states["NH"]["users"][Role.STATE_STAFF]
    rows = [
        (Kind.SIGN_IN, staff, now - timedelta(days=2)),
        (Kind.CSV_EXPORT, staff, now - timedelta(days=1)),
        (Kind.SIGN_IN_FAILED, None, now),
    ]
    for kind, user, when in rows:
        AccessEvent.objects.create(
            kind=kind,
            user=user,
            username=user.username if user else "=cmd|' /C calc'!A0",
            occurred_at=when,
            ip_address="192.0.2.99",
            user_agent=BROWSER,
            path="/somewhere/",
        )
    return two_states


def test_a_national_administrator_reads_the_log_newest_first(logged):
    response = client_for(logged["national"]).get(LOG)
    assert response.status_code == 200
    kinds = [event.kind for event in response.context["events"]]
    # The page view itself records nothing; force_login's sign-in is first (newest).
    assert kinds[-3:] == [Kind.SIGN_IN_FAILED, Kind.CSV_EXPORT, Kind.SIGN_IN]
    assert "192.0.2.99" in response.content.decode()


def test_the_log_filters_by_user_kind_and_days(logged):
    client = client_for(logged["national"])
    staff = logged["NH"]["users"][Role.STATE_STAFF]
    by_user = client.get(LOG, {"username": staff.username.upper()}).context["events"]
    assert {event.kind for event in by_user} == {Kind.SIGN_IN, Kind.CSV_EXPORT}
    by_kind = client.get(LOG, {"kind": Kind.CSV_EXPORT}).context["events"]
    assert [event.kind for event in by_kind] == [Kind.CSV_EXPORT]
    day = timezone.localdate() - timedelta(days=1)
    by_day = client.get(LOG, {"since": day.isoformat(), "until": day.isoformat()})
    assert [event.kind for event in by_day.context["events"]] == [Kind.CSV_EXPORT]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"since": "yesterday"}, "since", "Enter the first day as a date"),
        ({"until": "31/02/2026"}, "until", "Enter the last day as a date"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "until", "before the first day"),
        ({"kind": "everything"}, "kind", "Choose one of the listed kinds"),
    ],
)
def test_a_bad_filter_is_named_and_shows_no_rows(logged, query, field, message):
    response = client_for(logged["national"]).get(LOG, query)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert list(response.context["events"]) == []


def test_the_log_is_paginated(two_states):
    AccessEvent.objects.bulk_create(
        AccessEvent(kind=Kind.SIGN_IN, username=f"u{i}") for i in range(120)
    )
    client = client_for(two_states["national"])
    first = client.get(LOG, {"kind": Kind.SIGN_IN})
    assert len(first.context["events"]) == 50
    assert 'aria-label="Pagination"' in first.content.decode()
    third = client.get(LOG, {"kind": Kind.SIGN_IN, "page": 3})
    assert len(third.context["events"]) == 121 - 100  # and force_login's own sign-in


def test_the_csv_holds_every_filtered_row_with_formulas_defused(logged):
    client = client_for(logged["national"])
    response = client.get(EXPORT, {"kind": Kind.SIGN_IN_FAILED})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["When (UTC)", "What happened", "User name"]
    assert len(rows) == 2
    assert rows[1][1] == "Failed sign-in"
    assert rows[1][2] == "'=cmd|' /C calc'!A0"
    assert rows[1][3] == "192.0.2.99"
    assert rows[1][0].endswith("+00:00")
    assert latest(Kind.CSV_EXPORT).detail == "access log"


def test_an_export_with_a_bad_filter_goes_back_to_the_page_that_explains_it(logged):
    response = client_for(logged["national"]).get(EXPORT, {"since": "soon"})
    assert response.status_code == 302
    assert response.url == f"{LOG}?since=soon"


@pytest.mark.parametrize(
    "role", [Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER]
)
def test_nobody_but_national_administrators_reads_the_log(logged, role):
    client = client_for(logged["NH"]["users"][role])
    assert client.get(LOG).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(logged):
    for url in (LOG, EXPORT):
        response = Client().get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# ------------------------------------------------------------------ retention


def test_retention_deletes_only_events_older_than_the_setting(settings, db):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    old = AccessEvent.objects.create(kind=Kind.SIGN_IN, occurred_at=now - timedelta(days=31))
    edge = AccessEvent.objects.create(
        kind=Kind.SIGN_IN, occurred_at=now - timedelta(days=30) + timedelta(minutes=1)
    )
    new = AccessEvent.objects.create(kind=Kind.SIGN_IN, occurred_at=now)
    assert access_event_prune(now=now) == 1
    assert set(AccessEvent.objects.values_list("pk", flat=True)) == {edge.pk, new.pk}
    assert not AccessEvent.objects.filter(pk=old.pk).exists()


def test_the_command_and_the_beat_task_prune_the_same_way(settings, db):
    settings.ACCESS_LOG_RETENTION_DAYS = 7
    long_ago = timezone.now() - timedelta(days=8)
    AccessEvent.objects.create(kind=Kind.SIGN_IN, occurred_at=long_ago)
    out = io.StringIO()
    call_command("access_log_prune", stdout=out)
    assert "Deleted 1 access-log event older than 7 days." in out.getvalue()
    AccessEvent.objects.create(kind=Kind.SIGN_IN, occurred_at=long_ago)
    assert access_log_prune.apply().get() == 1
    assert settings.CELERY_BEAT_SCHEDULE["access-log-prune"]["task"] == access_log_prune.name
