"""Schemathesis over the OpenAPI schema: whatever it sends, with a valid token or none,
the API never answers with a server error."""

from __future__ import annotations

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from haki.api.models import ApiToken
from haki.tests.harness import connection_kept
from haki.wsgi import application

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application  # requests go through Haki's whole WSGI stack, in process


@pytest.fixture
def kept_connection():
    with connection_kept():
        yield


@pytest.fixture
def secret(world, kept_connection):
    return ApiToken.issue(world["a"].org, "schemathesis", "internal", None)[1]


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_never_answers_a_server_error(case, secret):
    response = case.call(headers={"Authorization": f"Token {secret}"})
    assert response.status_code < 500, response.text[:300]
    assert response.status_code in (200, 400, 401, 403, 404, 405, 406), response.status_code
