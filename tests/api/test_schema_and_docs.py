"""Issue 17: the OpenAPI schema at /api/schema/ and the documentation page made from it."""

from __future__ import annotations

from django.test import Client


def test_the_schema_is_open_and_describes_every_endpoint_and_its_errors(db):
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/children/", "/api/v1/concerns/"} <= set(schema["paths"])
    listing = schema["paths"]["/api/v1/children/"]["get"]
    assert "application/problem+json" in listing["responses"]["401"]["content"]
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_the_docs_page_has_no_script_and_keeps_to_the_content_security_policy(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "GET /api/v1/children/" in page
    assert "<script>" not in page and "style=" not in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
