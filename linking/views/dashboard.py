"""Dashboard: catalog-wide KPIs with server-rendered SVG charts (numbers also as tables).

Every signed-in person sees it: it shows counts and shares, never an object, so no scope is
crossed. The numbers come from linking.selectors.dashboard (a constant number of queries)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from linking.selectors.dashboard import dashboard_kpis

BAR_HEIGHT = 22
LABEL_WIDTH = 150
CHART_WIDTH = 520
TREND_HEIGHT = 160


def bar_rows(items: list[dict], *, label, value, maximum: float = 100) -> dict:
    """Geometry of a horizontal bar chart: one row per item (value scaled to `maximum`)."""
    span = CHART_WIDTH - LABEL_WIDTH - 60
    rows = []
    for index, item in enumerate(items):
        amount = value(item) or 0
        rows.append(
            {
                "label": label(item),
                "value": amount,
                "y": index * BAR_HEIGHT,
                "width": round(span * amount / maximum) if maximum else 0,
            }
        )
    return {
        "rows": rows,
        "height": max(len(rows), 1) * BAR_HEIGHT,
        "width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "track": span,
        "value_x": LABEL_WIDTH + span + 6,
    }


def trend_columns(weekly: list[dict]) -> dict:
    """Geometry of the weekly median cycle time chart (one column per week)."""
    peak = max((week["median"] or 0 for week in weekly), default=0) or 1
    step = CHART_WIDTH // max(len(weekly), 1)
    columns = []
    for index, week in enumerate(weekly):
        height = round((TREND_HEIGHT - 30) * (week["median"] or 0) / peak)
        columns.append(
            {
                **week,
                "text": duration_text(week["median"]),
                "x": index * step + 4,
                "y": TREND_HEIGHT - 20 - height,
                "height": height,
                "width": step - 8,
                "label_x": index * step + step // 2,
            }
        )
    return {"columns": columns, "width": CHART_WIDTH, "height": TREND_HEIGHT}


def duration_text(hours: float | None) -> str:
    """Hours as a person reads them: minutes under an hour, days from two days on."""
    if hours is None:
        return "–"
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


@login_required
def dashboard(request):
    kpis = dashboard_kpis()

    def channel_locale(row):
        return f"{row['channel']} · {row['locale']}"

    state_peak = max((max(s["products"], s["assets"]) for s in kpis["states"]), default=0) or 1
    charts = {
        "completeness": bar_rows(
            kpis["completeness"], label=channel_locale, value=lambda r: r["average"]
        ),
        "readiness": bar_rows(
            kpis["readiness"], label=channel_locale, value=lambda r: r["average"]
        ),
        "product_states": bar_rows(
            kpis["states"],
            label=lambda s: s["label"],
            value=lambda s: s["products"],
            maximum=state_peak,
        ),
        "asset_states": bar_rows(
            kpis["states"],
            label=lambda s: s["label"],
            value=lambda s: s["assets"],
            maximum=state_peak,
        ),
        "trend": trend_columns(kpis["cycle"].weekly),
    }
    durations = {
        name: {"median": duration_text(kpis[name].median), "p90": duration_text(kpis[name].p90)}
        for name in ("cycle", "time_to_market")
    }
    context = {**kpis, "charts": charts, "durations": durations}
    return render(request, "workbench/dashboard/dashboard.html", context)


urlpatterns = [path("dashboard/", dashboard, name="workbench-dashboard")]
