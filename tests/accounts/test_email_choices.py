"""Email choices on the settings page: every kind on at first, each can be turned off,
and a bad choice is refused with a message naming the field, changing nothing."""

import pytest

from accounts.models import NotificationKind, Role
from accounts.services import notification_preferences_set
from tests.factories import LEAFactory, StateFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/accounts/settings/"
EMAIL = "/accounts/settings/email/"


@pytest.fixture
def staff():
    return UserFactory(
        role=Role.STATE_STAFF, state=StateFactory(code="NH"), email="ada@nh.example.gov"
    )


def _ticked(html: str) -> set[str]:
    return {
        kind
        for kind in NotificationKind.values
        if f'value="{kind}"' in html
        and "checked" in html.split(f'value="{kind}"', 1)[1].split(">", 1)[0]
    }


def test_every_kind_of_email_is_on_until_turned_off(client, staff):
    client.force_login(staff)
    page = client.get(SETTINGS).content.decode()
    assert "ada@nh.example.gov" in page
    assert _ticked(page) == set(NotificationKind.values)
    assert all(staff.wants_email(kind) for kind in NotificationKind.values)


def test_unticking_kinds_turns_them_off_and_the_page_shows_it(client, staff):
    client.force_login(staff)
    kept = ["assigned", "returned", "accepted", "report_ready"]
    response = client.post(EMAIL, {"kinds_on": kept})
    assert response.status_code == 302 and response.url == f"{SETTINGS}#email"
    staff.refresh_from_db()
    assert staff.notifications_off == ["submitted", "due_soon", "overdue"]
    assert not staff.wants_email("overdue") and staff.wants_email("assigned")
    page = client.get(SETTINGS).content.decode()
    assert _ticked(page) == set(kept)
    assert "Your email choices are saved." in page


def test_unticking_everything_turns_every_email_off(client, staff):
    client.force_login(staff)
    assert client.post(EMAIL, {}).status_code == 302
    staff.refresh_from_db()
    assert staff.notifications_off == NotificationKind.values


def test_an_unknown_kind_is_refused_naming_the_field_and_nothing_changes(client, staff):
    client.force_login(staff)
    response = client.post(EMAIL, {"kinds_on": ["assigned", "weekly_gossip"]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Email me when" in text and "weekly_gossip is not one of the available choices" in text
    staff.refresh_from_db()
    assert staff.notifications_off == []


def test_the_service_refuses_an_unknown_kind_too(staff):
    with pytest.raises(Exception, match="Unknown kind of email: weekly_gossip"):
        notification_preferences_set(user=staff, kinds_on=["weekly_gossip"])
    staff.refresh_from_db()
    assert staff.notifications_off == []


def test_someone_without_an_address_is_told_they_get_no_email(client):
    user = UserFactory(role=Role.STATE_STAFF, state=StateFactory(code="VT"))
    client.force_login(user)
    assert "No email address is recorded for you" in client.get(SETTINGS).content.decode()
    assert not user.wants_email("assigned")


def test_the_choices_page_only_takes_posts_and_only_from_signed_in_people(client, staff):
    response = client.post(EMAIL, {"kinds_on": []})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(staff)
    assert client.get(EMAIL).status_code == 405


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_choose_its_emails(client, role):
    state = StateFactory()
    user = UserFactory(
        role=role,
        state=None if role == Role.NATIONAL_ADMIN else state,
        lea=LEAFactory(state=state) if role == Role.DISTRICT_LEADER else None,
        email="someone@example.gov",
    )
    client.force_login(user)
    assert client.post(EMAIL, {"kinds_on": ["assigned"]}).status_code == 302
    user.refresh_from_db()
    assert "assigned" not in user.notifications_off
