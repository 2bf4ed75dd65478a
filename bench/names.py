"""Names and workload options of the benchmark, importable before Django."""

BASELINE = "no-history"
FLEET = "fleet"
SIMPLE_HISTORY = "simple-history"
REVERSION = "reversion"
MECHANISM_NAMES = (BASELINE, FLEET, SIMPLE_HISTORY, REVERSION)


def add_workload_options(parser) -> None:
    """Add the options that shape the workload, shared by run and measure."""
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--edits", type=int, default=20, help="timed per run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--revert-ops", type=int, default=100)
    parser.add_argument("--bytes-edits", type=int, default=200)
    parser.add_argument("--rebuild-versions", type=int, default=1000)
    parser.add_argument("--rebuild-records", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2025)
