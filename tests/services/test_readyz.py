import socket

import pytest
from django.db import connection


def test_readyz_is_ok_when_every_service_answers(client, celery_worker, django_db_blocker):
    with django_db_blocker.unblock():
        response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["storage"]["detail"].startswith("s3 bucket")
    assert checks["broker"]["detail"] == "ok"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free once closed: nothing listens there


def test_readyz_answers_503_naming_the_database_when_postgresql_is_down(
    client, monkeypatch, django_db_blocker
):
    with django_db_blocker.unblock():
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "PORT", closed_port())
        response = client.get("/readyz")
        connection.close()
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert response.json()["checks"]["database"]["detail"] == "OperationalError"


@pytest.mark.django_db
def test_readyz_answers_503_naming_storage_when_the_s3_endpoint_is_down(client, s3_server):
    s3_server.stop()
    try:
        response = client.get("/readyz")
    finally:
        s3_server.start()
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]


def test_the_suite_really_runs_on_postgresql(django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")
