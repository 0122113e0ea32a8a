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
