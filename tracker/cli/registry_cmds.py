"""The registries of a theatre: `tracker regions` (and its zone) and `tracker parties` (issue 15)."""

from __future__ import annotations

import re

import click

from tracker.cli import main
from tracker.cli.options import db_option, open_store


def _key(value: str, what: str) -> str:
    from tracker.sources import KEY_PATTERN

    if not re.fullmatch(KEY_PATTERN, value):
        raise click.BadParameter(f"use 2-32 lowercase letters, digits or _, starting with a letter, e.g. {what}",
                                 param_hint="KEY")
    return value


@main.group(invoke_without_command=True)
@db_option
@click.pass_context
def regions(ctx: click.Context, db_path: str | None) -> None:
    """List the registered regions (the zone's first: their sum is region `all`), or register one with
    `regions add`, or set the zone with `regions zone`."""
    ctx.obj = db_path
    if ctx.invoked_subcommand is None:
        from tracker.regions import list_regions

        for entry in list_regions(open_store(db_path)):
            place = "in zone" if entry.in_zone else "outside"
            kind = "built-in" if entry.builtin else "registered"
            click.echo(f"{entry.key:<16} {entry.name:<24} {place:<8} {kind:<10} {', '.join(entry.aliases)}".rstrip())


@regions.command("add")
@click.argument("key")
@click.argument("name")
@click.option("--alias", "aliases", multiple=True, metavar="TEXT",
              help="Another spelling files may give (any case), e.g. --alias Kharkiv --alias Харківська; repeat "
                   "for more. Files and the form may give the key or any alias; the store holds the key.")
@click.option("--in-zone", is_flag=True,
              help="Add the region to the zone, whose regions are summed into region `all`. Without it the "
                   "region is stored and shown on its own, never summed into `all`.")
@db_option
@click.pass_context
def regions_add(ctx: click.Context, key: str, name: str, aliases: tuple[str, ...], in_zone: bool,
                db_path: str | None) -> None:
    """Register a region KEY (lowercase letters, digits, _) with its display NAME."""
    from tracker.regions import register_region

    store = open_store(db_path or ctx.obj)
    register_region(store, _key(key, "kharkiv"), name, aliases=aliases, in_zone=in_zone)
    where = "in the zone (summed into all)" if in_zone else "outside the zone (never summed into all)"
    click.echo(f"registered region {key} ({name}), {where}")


@regions.command("zone")
@click.argument("keys", nargs=-1, required=True)
@db_option
@click.pass_context
def regions_zone(ctx: click.Context, keys: tuple[str, ...], db_path: str | None) -> None:
    """Make KEY... the zone: the regions whose sum is region `all` (a source's own whole-zone figure still
    wins). Changes how `all` reads, never a report."""
    from tracker.regions import set_zone

    chosen = set_zone(open_store(db_path or ctx.obj), list(keys))
    click.echo(f"zone: {', '.join(chosen)} (region all is now their sum)")


@main.group(invoke_without_command=True)
@db_option
@click.pass_context
def parties(ctx: click.Context, db_path: str | None) -> None:
    """List the accused parties with their sides and aliases, or register one with `parties add`."""
    ctx.obj = db_path
    if ctx.invoked_subcommand is None:
        from tracker.parties import list_parties

        for key, name, side, builtin, aliases in list_parties(open_store(db_path)):
            click.echo(f"{key:<14} {name:<32} {side or '(no side)':<10} {'built-in' if builtin else 'registered':<10} "
                       f"{', '.join(aliases)}".rstrip())


@parties.command("add")
@click.argument("key")
@click.argument("name")
@click.option("--side", required=True, metavar="S",
              help="The side the party belongs to: a side of this store (built in: ukraine, russia) or a new one; "
                   "a party source accuses the parties of the other sides (CONTRACT §7).")
@click.option("--alias", "aliases", multiple=True, metavar="TEXT",
              help="Another spelling files may give (any case), e.g. --alias \"ЗС РФ\"; repeat for more.")
@db_option
@click.pass_context
def parties_add(ctx: click.Context, key: str, name: str, side: str, aliases: tuple[str, ...],
                db_path: str | None) -> None:
    """Register an accused party KEY with its display NAME and side."""
    from tracker.parties import register_party

    register_party(open_store(db_path or ctx.obj), _key(key, "hamas"), name, side, aliases=aliases)
    click.echo(f"registered accused party {key} ({name}), side {side}")
