"""The run's report: bench/results/report.md (the table: target, measured, pass/miss, notes)
and bench/results/report.png (measured ÷ target per benchmark, pass green, miss red)."""

import re
from pathlib import Path

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
PERCENTILE = re.compile(r"\bp\d+\b")


def number(text: str) -> float | None:
    """The figure of "p95 12.3 ms", "2,345 products/s", "≤ 1.20× Pillow" (None if none)."""
    found = NUMBER.search(PERCENTILE.sub("", str(text)))
    return float(found.group().replace(",", "")) if found else None


def ratio(result: dict) -> float | None:
    measured, target = number(result["measured"]), number(result["target"])
    if measured is None or not target:
        return None
    return measured / target


def chart(results: list[dict], path: Path) -> bool:
    """The bar chart; False when matplotlib is missing (the Markdown says so)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = [(r["name"], ratio(r), r["met"]) for r in results if ratio(r) is not None]
    figure, axes = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.6))
    names = [name for name, _, _ in rows][::-1]
    values = [value for _, value, _ in rows][::-1]
    colours = ["#2e7d32" if met else "#c62828" for _, _, met in rows][::-1]
    bars = axes.barh(names, values, color=colours)
    axes.axvline(1.0, color="#555555", linestyle="--", linewidth=1)
    for bar, value in zip(bars, values, strict=True):
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.2f}", va="center")
    axes.set_xlabel(
        "measured ÷ target (throughput: above 1 passes; time, memory, ratios: below 1 passes)"
    )
    axes.set_title("Tessera benchmarks: green met the target, red missed it")
    # Log scale: a 50× throughput lead and a 1.07× miss both stay readable.
    axes.set_xscale("log")
    axes.set_xlim(min([*values, 1.0]) / 1.6, max([*values, 1.0]) * 2.2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(payload: dict, image: str | None, total_seconds: float | None) -> str:
    results = payload["results"]
    met = sum(1 for r in results if r["met"])
    lines = [
        "# Tessera benchmark report",
        "",
        f"Run {payload['at']} · scale {payload['scale']} · Python {payload['python']}"
        + (f" · {total_seconds / 60:.1f} min end to end" if total_seconds else "")
        + f" · {met} of {len(results)} met",
        "",
    ]
    if image:
        lines += [f"![measured ÷ target per benchmark]({image})", ""]
    else:
        lines += ["(No chart: matplotlib is not installed.)", ""]
    lines += [
        "| benchmark | target | measured | result | seconds | notes |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        verdict = "pass" if r["met"] else "**miss**"
        lines.append(
            f"| {cell(r['name'])} | {cell(r['target'])} | {cell(r['measured'])} | {verdict} "
            f"| {r.get('seconds', '')} | {cell(r.get('notes', ''))} |"
        )
    return "\n".join(lines) + "\n"


def write(payload: dict, folder: Path, total_seconds: float | None = None) -> Path:
    """Write report.md and report.png into `folder`; the Markdown's path."""
    image = "report.png" if chart(payload["results"], folder / "report.png") else None
    path = folder / "report.md"
    path.write_text(markdown(payload, image, total_seconds))
    return path
