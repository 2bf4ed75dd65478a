"""Plain-text tables of a benchmark result, one set per database."""

from __future__ import annotations

from bench.names import BASELINE, FLEET, MECHANISM_NAMES, SIMPLE_HISTORY

NAMES = MECHANISM_NAMES
ROWS = {
    "edit": "single-record edit",
    "form": "form: car + 3 records",
    "add": "record added",
    "remove": "record removed",
    "revert": "revert N ops back",
}
BYTES = {"row_bytes": "history bytes/edit, rows", "disk_bytes": "  on disk (pages)"}
TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
LABEL = 24
CELL = 26


def format_report(result: dict) -> str:
    """Return the tables of every database in ``result``."""
    blocks = []
    for database, figures in result["databases"].items():
        blocks.append(_database(database, figures, result["settings"]))
    return "\n\n".join(blocks) + "\n"


def format_ratios(result: dict) -> str:
    """Return one line per database and size with fleet's ratios to sh.

    Each time ratio is given on the wall clock and, in brackets, in the
    benchmark process's CPU time (steadier on a busy machine).
    """
    lines = []
    for database, figures in result["databases"].items():
        for size, by_name in figures["sizes"].items():
            fleet, sh = by_name[FLEET], by_name[SIMPLE_HISTORY]
            parts = [
                f"{name} {_ratio(fleet[name]['ms'], sh[name]['ms'])}"
                f" ({_ratio(fleet[name]['cpu_ms'], sh[name]['cpu_ms'])})"
                for name in ROWS
            ]
            for key in BYTES:
                fleet_bytes = fleet["bytes_per_edit"][key]
                sh_bytes = sh["bytes_per_edit"][key]
                parts.append(f"{key.replace('_', ' ')} {_ratio(fleet_bytes, sh_bytes)}")
            title = TITLES.get(database, database)
            lines.append(f"{title} {size}: fleet/sh " + ", ".join(parts))
    return "\n".join(lines)


def _database(database, figures, settings) -> str:
    title = TITLES.get(database, database)
    parts = [f"== {title} ({figures['vendor']}) =="]
    for size, by_name in figures["sizes"].items():
        parts.append(_size_table(title, size, by_name, figures, settings))
    parts.append(_rebuild_table(figures["rebuild"]))
    parts.append(_pages_table(figures["pages"]))
    return "\n\n".join(parts)


def _size_table(title, size, by_name, figures, settings) -> str:
    lines = [
        f"{title}, {size} records per car: median ms per operation; "
        f"xsh = ratio to simple-history, xnone = ratio to no history",
        _header(),
        _subheader(),
    ]
    for key, label in ROWS.items():
        label = label.replace("N", str(settings["revert_ops"]))
        cells = [by_name[name][key] for name in NAMES]
        lines.append(_row(label, cells, lambda cell: cell["ms"]))
    cells = [by_name[name]["bytes_per_edit"] for name in NAMES]
    for key in BYTES:
        lines.append(_row(BYTES[key], cells, lambda cell, key=key: cell[key]))
    queries = [
        "/".join(
            str(by_name[name][key]["queries"]) if by_name[name][key] else "-"
            for key in ROWS
        )
        for name in NAMES
    ]
    lines.append(
        "queries e/f/a/r/revert".ljust(LABEL)
        + "".join(cell.ljust(CELL) for cell in queries).rstrip()
    )
    return "\n".join(lines)


def _header() -> str:
    return (" " * LABEL + "".join(name.ljust(CELL) for name in NAMES)).rstrip()


def _subheader() -> str:
    cell = "value".rjust(10) + "xsh".rjust(7) + "xnone".rjust(8) + " "
    return ("operation".ljust(LABEL) + cell * len(NAMES)).rstrip()


def _row(label, cells, pick) -> str:
    """Return one row: each cell's value, then its ratios to sh and none."""
    base = cells[NAMES.index(BASELINE)]
    sh = cells[NAMES.index(SIMPLE_HISTORY)]
    text = label.ljust(LABEL)
    for cell in cells:
        if cell is None:
            text += "-".rjust(10) + " " * (CELL - 10)
            continue
        value = pick(cell)
        text += f"{value:10.2f}" + _ratio(value, sh and pick(sh)).rjust(7)
        text += _ratio(value, base and pick(base)).rjust(8) + " "
    return text.rstrip()


def _ratio(value, base) -> str:
    if not base:
        return "-"
    ratio = value / base
    return f"{ratio:.2f}" if ratio < 100 else f"{ratio:.0f}"


def _rebuild_table(rebuild) -> str:
    return (
        f"fleet rebuild (history.snapshot_at) of a car with "
        f"{rebuild['records']} records and {rebuild['versions']} versions, "
        f"{rebuild['checkpoints']} checkpoints, "
        f"{rebuild['versions_sampled']} versions sampled:\n"
        f"  median {rebuild['median_ms']:.2f} ms, max {rebuild['max_ms']:.2f} ms, "
        f"at most {rebuild['max_diffs_applied']} stored diffs applied"
    )


def _pages_table(pages) -> str:
    lines = [
        f"fleet pages, server time with a car of {pages['records']} records "
        f"(median ms, queries):"
    ]
    for name, page in pages["pages"].items():
        if page is None:
            lines.append(f"  {name:<28} not in this checkout")
        else:
            lines.append(
                f"  {name:<28} {page['ms']:8.2f} ms {page['queries']:4d} queries"
            )
    return "\n".join(lines)
