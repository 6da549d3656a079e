"""The Celery app: eager in the embedded default, Redis-backed when CELERY_BROKER_URL is set."""

import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
logger = logging.getLogger(__name__)


class BoundedDeliveryTask(DjangoTask):
    """With acks_late, a task whose worker dies is delivered again; this bounds how often.

    A message that keeps killing its worker (an out-of-memory file, a native crash) would
    otherwise loop forever. Deliveries are counted per task id and retry in the cache.
    """

    max_deliveries = 3

    def __call__(self, *args, **kwargs):
        from django.core.cache import cache  # the app loads before Django is set up

        key = f"celery:deliveries:{self.request.id}:{self.request.retries or 0}"
        cache.add(key, 0, timeout=24 * 3600)
        deliveries = cache.incr(key)
        if deliveries > self.max_deliveries:
            logger.error(
                "task %s[%s] dropped after %s deliveries",
                self.name,
                self.request.id,
                deliveries - 1,
            )
            return None
        return super().__call__(*args, **kwargs)

    def delay_on_commit(self, *args, **kwargs) -> None:
        self.apply_async_on_commit(args, kwargs)

    def apply_async_on_commit(self, args=(), kwargs=None, **options) -> None:
        # The app loads before Django is set up.
        from governance.on_commit import send_on_commit, task_publish

        def send():
            task_publish(self, args, kwargs, **options)

        send.__qualname__ = f"{self.name}.apply_async"  # what a failure's log line names
        send_on_commit(send)


app = Celery("tessera", task_cls=BoundedDeliveryTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
