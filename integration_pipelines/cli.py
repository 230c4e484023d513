"""``integration-pipelines``: the demo, the status of every integration, the webhook receiver and the sandbox."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from integration_pipelines import webhooks_server
from integration_pipelines.status import command as status_command


def build_parser(with_sandbox: bool = True) -> argparse.ArgumentParser:
    """Every command; ``with_sandbox=False`` leaves out the sandbox's options, so the webhook receiver
    (a production process) never imports the fake vendor server."""
    parser = argparse.ArgumentParser(
        prog="integration-pipelines",
        description="Customer conversations from CRM and support tools into warehouse tables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="the whole pipeline on the sandbox's four vendors for the last days, no credentials",
        description="Start the sandbox on a free loopback port and run main_job for the last DAYS complete UTC "
        "days as one run: every source into the local lake and DuckDB, the feedback tables with sentiment, "
        "the export to the local warehouse file export.duckdb and the dbt marts on it; then print a summary.",
    )
    demo.add_argument("--days", type=int, default=7, help="complete UTC days to sync, ending yesterday")
    demo.add_argument(
        "--conversations",
        type=int,
        default=25_000,
        help="size of the sandbox world (about 10,500 of them are Zendesk tickets)",
    )
    demo.add_argument("--seed", type=int, default=7, help="sandbox world seed")
    demo.add_argument(
        "--home",
        default=None,
        help="where the lake, DuckDB and Dagster instance live (default: INTEGRATION_PIPELINES_HOME or ./.local)",
    )
    demo.add_argument(
        "--live",
        action="store_true",
        help="instead: start the webhook receiver and the sandbox's change feed, and follow one new "
        "message and one deletion from webhook to DuckDB and sentiment, with latencies",
    )
    demo.add_argument(
        "--rate-limits",
        default="vendor",
        metavar="vendor|off|SCALE",
        help="sandbox rate limits: Zendesk's published ones, off, or scaled",
    )
    status_command.add_command(commands)
    webhooks_server.add_commands(commands)
    if not with_sandbox:
        return parser
    from vendor_sandbox import server as sandbox_server

    commands.add_parser(
        "sandbox",
        parents=[sandbox_server.build_parser(add_help=False)],
        help="serve the fake vendor APIs on loopback (for dagster dev, tests, benchmarks)",
        description=sandbox_server.build_parser().description,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(with_sandbox=argv[:1] != ["webhooks"]).parse_args(argv)
    if args.command == "sandbox":
        from vendor_sandbox import server as sandbox_server

        sandbox_server.serve_args(args)
        return 0
    if args.command == "webhooks":
        return webhooks_server.run(args)
    if args.command == "status":
        return status_command.run(args)
    if args.command == "demo" and args.live:
        from integration_pipelines.demo_live import run_live_demo

        return run_live_demo(conversations=args.conversations, seed=args.seed, home=args.home)
    if args.command == "demo":
        from integration_pipelines.demo import run_demo

        return run_demo(
            days=args.days,
            conversations=args.conversations,
            seed=args.seed,
            home=args.home,
            rate_limits=args.rate_limits,
        )
    return 2


if __name__ == "__main__":
    sys.exit(main())
