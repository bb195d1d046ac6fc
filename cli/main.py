"""`sixty`: the command line. Each subcommand lives in its own module with `register()`.

Bad input is bad input: a clear message on stderr, exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from storage.clock import Clock, wall_clock


class UsageError(Exception):
    """Raised by a subcommand for bad input: printed on stderr, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sixty", description="Sixty: a Slack-first sales copilot")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    from cli import (  # each imports lazily
        ab,
        classify_email,
        coach,
        crm,
        db,
        demo,
        instantly,
        intents,
        jobs,
        library,
        proposal,
        simulate,
        slots,
        stats,
    )

    for module in (
        db,
        demo,
        jobs,
        intents,
        coach,
        classify_email,
        slots,
        simulate,
        proposal,
        library,
        ab,
        instantly,
        crm,
        stats,
    ):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock = wall_clock) -> int:
    """Run one subcommand; `clock` is "now" for a subcommand that needs one (`slots`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.clock = clock
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    try:
        return int(handler(args) or 0)
    except UsageError as exc:
        print(f"sixty {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`sixty proposal x.json | head`): nothing more to say, and no
        # traceback when the interpreter flushes stdout on exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    # `python -m cli.main` loads this file as __main__; use the importable module so that
    # subcommands raising `cli.main.UsageError` are caught as such.
    from cli.main import main as _main

    sys.exit(_main())
