"""Workbench pages that span PIM and DAM: the home page and, later, the dashboards."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from governance import selectors as governance_selectors


@login_required
def home(request):
    channels = governance_selectors.channel_list()
    return render(request, "workbench/home.html", {"channels": channels})
