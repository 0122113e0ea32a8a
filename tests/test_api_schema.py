import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_openapi_schema_generates_and_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "openapi: 3" in text
    assert "/api/v1/leas/{leaid}/results/{cycle_id}/" in text


@pytest.mark.django_db
def test_the_api_docs_page_serves_swagger_from_our_own_static_files(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="national_admin"))
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in body
    assert "cdn" not in body.lower()


@pytest.mark.django_db
def test_the_schema_says_no_text_input_takes_a_nul_character(client):
    """Every text field and query parameter refuses a NUL (found by the schema fuzz: a
    return note with one was schema-valid but a 400); the schema states it as a pattern."""
    import re

    from tests.factories import UserFactory

    client.force_login(UserFactory(role="national_admin"))
    schema = client.get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]
    returned = components["AssessmentReturnRequest"]["properties"]
    for text in (returned["message"], returned["comments"]["additionalProperties"]):
        assert not re.fullmatch(text["pattern"], "a\x00b")
        assert re.fullmatch(text["pattern"], "a note")
    lever = components["LeverEditRequest"]["properties"]
    assert lever["note"]["maxLength"] == 2000 and "pattern" in lever["citation"]
    search = next(
        p for p in schema["paths"]["/api/v1/leas/"]["get"]["parameters"] if p["name"] == "search"
    )
    assert "pattern" in search["schema"]
    # A value the schema already bounds by its own pattern or list keeps it.
    state = components["PolicyProfileStartRequest"]["properties"]["state"]
    assert state["pattern"] == "^[A-Za-z]{2}$"
