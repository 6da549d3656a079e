"""Home: what is waiting for my review, my drafts, recent changes, quality alerts, counts per
state."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from linking.selectors.home import my_work
from linking.views.products import product_url


def item_url(item: dict) -> str:
    """Where an item opens: its review when it waits for one, else its editor or detail page."""
    if item["state"] == "in_review":
        return f"/reviews/{item['kind']}/{item['ref']}/"
    if item["kind"] == "product":
        return product_url(item["ref"])
    return f"/assets/{item['ref']}/"


@login_required
def home(request):
    work = my_work(request.user)
    for name in ("waiting", "drafts", "recent"):
        for item in work[name]:
            item["url"] = item_url(item)
    return render(request, "workbench/home.html", work)


urlpatterns = [path("", home, name="home")]
