"""Each LEA's copy of its state's code (the national LEA list's order): written by the
import, moved with the LEA, kept in step when an administrator edits an LEA or a state."""

import pytest
from django.test import Client

from accounts.models import Role
from directory.importing import ccd_import
from directory.models import LEA
from directory.services import lea_state_codes_sync

from ..factories import LEAFactory, StateFactory, UserFactory
from .test_ccd_import import CCD_2022

pytestmark = pytest.mark.django_db


def codes() -> dict[str, tuple[str, str]]:
    """Each LEA's (state's code, copy of it), by LEAID."""
    return {
        lea.leaid: (lea.state.code, lea.state_code) for lea in LEA.objects.select_related("state")
    }


def test_imported_leas_hold_their_states_code():
    ccd_import(source=CCD_2022)

    found = codes()
    assert len(found) == 9
    assert {copy for _, copy in found.values()} == {"CT", "NH"}
    assert all(code == copy for code, copy in found.values())


def test_an_lea_filed_under_another_state_is_moved_with_its_code():
    # Entered by hand under Vermont; its LEAID (and the file) say New Hampshire.
    LEAFactory(state=StateFactory(code="VT", fips="50"), leaid="3300010")

    result = ccd_import(source=CCD_2022)

    moved = [change for change in result.updated if change.leaid == "3300010"]
    assert moved[0].changes["state"] == ["VT", "NH"]
    assert codes()["3300010"] == ("NH", "NH")
    assert all(code == copy for code, copy in codes().values())


def test_a_states_code_edited_is_copied_to_its_leas_only():
    nh, vt = StateFactory(code="NH"), StateFactory(code="VT")
    LEAFactory(state=nh, leaid="3300001")
    LEAFactory(state=vt, leaid="5000001")
    nh.code = "NX"
    nh.save(update_fields=["code"])

    assert lea_state_codes_sync(state=nh) == 1
    assert codes() == {"3300001": ("NX", "NX"), "5000001": ("VT", "VT")}
    assert lea_state_codes_sync(state=nh) == 0


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN, is_staff=True, is_superuser=True))
    return client


def test_an_lea_moved_in_the_admin_takes_its_new_states_code(admin_client):
    nh, vt = StateFactory(code="NH"), StateFactory(code="VT")
    lea = LEAFactory(state=nh, leaid="3300001", name="Moving District")
    form = {
        "leaid": lea.leaid,
        "state": vt.pk,
        "name": lea.name,
        "status": lea.status,
        "locale": lea.locale,
        "locale_code": lea.locale_code,
    }

    response = admin_client.post(f"/admin/directory/lea/{lea.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert codes() == {"3300001": ("VT", "VT")}


def test_a_state_recoded_in_the_admin_passes_its_code_to_its_leas(admin_client):
    nh = StateFactory(code="NH", name="New Hampshire", fips="33")
    LEAFactory(state=nh, leaid="3300001")

    form = {"code": "NX", "name": nh.name, "fips": nh.fips}
    response = admin_client.post(f"/admin/directory/state/{nh.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert codes() == {"3300001": ("NX", "NX")}
