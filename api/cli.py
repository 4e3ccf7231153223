"""The service's commands for `routeplan`: serve (with --demo), worker, keys create/list/revoke.

Imported by `routeplan.cli` when the service extra is installed; FastAPI, uvicorn and the
database are imported inside the commands only, so `routeplan --help` stays fast.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve`, `worker` and `keys` to the `routeplan` command line."""
    s = sub.add_parser("serve", help="run the HTTP service (uvicorn)")
    s.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback only)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--demo", action="store_true",
                   help="solve a synthetic Zhengzhou day first and print a key and a field link")
    s.set_defaults(handler=_cmd_serve)

    w = sub.add_parser("worker", help="solve queued plans from Redis (ROUTEPLAN_QUEUE_URL)")
    w.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    w.set_defaults(handler=_cmd_worker)

    k = sub.add_parser("keys", help="API keys")
    ks = k.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    c = ks.add_parser("create", help="make a key; it is printed once, on the last line")
    c.add_argument("--role", required=True, choices=("dispatcher", "analyst", "admin"))
    c.add_argument("--expires", type=expires_days, metavar="DAYS|never",
                   help=f"valid for DAYS days (a whole number from 1 to {MAX_KEY_DAYS}), or "
                        "'never' for a key that does not expire (the default)")
    c.add_argument("--label", default="", help="who or what holds it (no personal data)")
    c.set_defaults(handler=_cmd_keys_create)
    ks.add_parser("list", help="list keys (ids, roles, expiry; never the keys)").set_defaults(
        handler=_cmd_keys_list)
    r = ks.add_parser("revoke", help="revoke a key by id")
    r.add_argument("key_id")
    r.set_defaults(handler=_cmd_keys_revoke)


#: The longest a key may be made valid for, in days (ten years).
MAX_KEY_DAYS = 3650


def expires_days(text: str) -> int | None:
    """`--expires`: a whole number of days from 1 to MAX_KEY_DAYS, or `never` (None).

    0 and negative numbers are refused: they used to make a key that never expires and one
    born expired, without a word.
    """
    word = text.strip()
    if word.lower() == "never":
        return None
    try:
        days = int(word)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of days; give a whole number from 1 to "
            f"{MAX_KEY_DAYS}, or 'never' for a key that does not expire") from None
    if not 1 <= days <= MAX_KEY_DAYS:
        raise argparse.ArgumentTypeError(
            f"{text!r} days: a key is valid for 1 to {MAX_KEY_DAYS} days; write 'never' for "
            "a key that does not expire")
    return days


def _store() -> Any:
    from routeplan_api.config import Settings
    from routeplan_api.persistence import Store

    return Store(Settings().resolved_database_url)


def _cmd_keys_create(args: argparse.Namespace) -> int:
    from routeplan_api.security import Role

    store = _store()
    expires = (store.clock() + timedelta(days=args.expires) if args.expires is not None
               else None)
    row, key = store.keys.create(Role.parse(args.role), label=args.label, expires_at=expires)
    print(f"created {row.role} key {row.id}, " + (f"expires {expires:%Y-%m-%d %H:%M} UTC"
                                                   if expires else "never expires")
          + "; shown once:")
    print(key)
    return 0


def _cmd_keys_list(_args: argparse.Namespace) -> int:
    store = _store()
    for row in store.keys.list_all():
        state = "revoked" if row.revoked_at else (
            "expired" if row.expires_at and row.expires_at <= store.clock() else "active")
        expires = f"{row.expires_at:%Y-%m-%d}" if row.expires_at else "-"
        print(f"{row.id}  {row.role:<10} {state:<8} expires {expires:<10} {row.label}")
    return 0


def _cmd_keys_revoke(args: argparse.Namespace) -> int:
    if not _store().keys.revoke(args.key_id):
        print(f"no active key {args.key_id}")
        return 2
    print(f"revoked {args.key_id}")
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from routeplan_api.config import Settings
    from routeplan_api.jobs.queue import run_worker

    run_worker(Settings(), burst=args.burst)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from routeplan_api.config import Settings
    from routeplan_api.errors import LogFormatter
    from routeplan_api.main import create_app

    # No traceback ever reaches the service log: exceptions show as their class only
    handler = logging.StreamHandler()
    handler.setFormatter(LogFormatter("%(asctime)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations: quiet unless wrong
    settings = Settings()
    if args.demo and "ROUTEPLAN_PUBLIC_BASE_URL" not in __import__("os").environ:
        settings = settings.model_copy(
            update={"public_base_url": f"http://{args.host}:{args.port}"})
    if args.demo:
        from routeplan_api.services.demo import prepare_demo

        for line in prepare_demo(settings):
            print(line, flush=True)
    app = create_app(settings)
    # access_log=False: uvicorn would log raw paths, and field-link tokens live in paths.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None,
                server_header=False)
    return 0
