"""Home: what is waiting for me, my drafts, recent changes, counts per state."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from governance import selectors as governance_selectors


@login_required
def home(request):
    channels = governance_selectors.channel_list()
    return render(request, "workbench/home.html", {"channels": channels})


urlpatterns = [path("", home, name="home")]
