"""The ping view: the autosave benchmark's baseline, which must never touch the database."""

import pytest


@pytest.mark.django_db
def test_ping_answers_ok_without_a_single_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping/")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_ping_refuses_a_post(client):
    assert client.post("/ping/").status_code == 405
