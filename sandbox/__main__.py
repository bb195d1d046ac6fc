"""`python -m sandbox`: the sandbox workspace alone, for pointing any Slack app at it.

Prints the page URL, the Web API base URL and the two tokens, then serves until Ctrl-C.
`make run` does not need this (the app starts its own sandbox); it is for poking at the
protocol by hand, e.g. with slack_sdk in a REPL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

from sandbox.server import Sandbox

DEMO_USERS: list[dict[str, Any]] = [
    {"name": "ana", "real_name": "Ana Lima", "email": "ana@example.com", "tz": "Europe/Lisbon"},
    {
        "name": "ben",
        "real_name": "Ben Okafor",
        "email": "ben@example.com",
        "tz": "America/New_York",
    },
    {"name": "mia", "real_name": "Mia Chen", "email": "mia@example.com", "is_admin": True},
]


async def serve(host: str, port: int) -> None:
    sb = Sandbox(team_name="Sandbox", users=DEMO_USERS)
    await sb.start(host=host, port=port)
    print(f"page:      {sb.url}")
    print(f"api_url:   {sb.api_url}")
    print(f"bot token: {sb.bot_token}")
    print(f"app token: {sb.app_token}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sb.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
