"""Pointing this process's Celery producers at another broker, for a test."""

from contextlib import contextmanager

from config.celery import app as celery_app


@contextmanager
def broker_at(url: str, *, eager: bool = False):
    """This process's Celery producers on another broker (and eager or not), for the block:
    kombu keeps a pool per broker URL, so dropping the app's references is enough to switch."""
    names = ("broker_url", "broker_write_url", "broker_read_url", "task_always_eager")
    previous = {name: celery_app.conf[name] for name in names}

    def switch(settings):
        celery_app.conf.update(settings)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    switch({**dict.fromkeys(names[:3], url), "task_always_eager": eager})
    try:
        yield
    finally:
        switch(previous)
