import io
import json
import logging
import logging.config
import uuid

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import path

logger = logging.getLogger("tessera.test")


def logging_view(request):
    logger.info("inside the request")
    return HttpResponse("ok")


urlpatterns = [path("log", logging_view)]


def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz")
    assert uuid.UUID(response["X-Request-ID"]).hex == response["X-Request-ID"]


def test_a_valid_incoming_request_id_is_kept(client):
    incoming = uuid.uuid4().hex
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


def test_a_forged_request_id_is_replaced(client):
    forged = "abc\nFAKE LOG LINE"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=forged)["X-Request-ID"] != forged


@pytest.fixture
def json_log():
    """The project's own JSON formatter and request-id filter, writing to a buffer."""
    config = settings.LOGGING
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_config = dict(config["formatters"]["json"])
    formatter_class = formatter_config.pop("()")
    module, _, name = formatter_class.rpartition(".")
    formatter = getattr(__import__(module, fromlist=[name]), name)(**formatter_config)
    handler.setFormatter(formatter)
    handler.addFilter(
        logging.config.DictConfigurator({}).configure_filter(dict(config["filters"]["request_id"]))
    )
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.urls("tests.config.test_request_id")
def test_log_lines_written_during_a_request_carry_its_id(client, json_log):
    response = client.get("/log")
    line = json.loads(json_log.getvalue().strip().splitlines()[-1])
    assert line["message"] == "inside the request"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["levelname"] == "INFO"
