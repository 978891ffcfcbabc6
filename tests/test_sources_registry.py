"""The source registry's roles and sides (CONTRACT §7) through the real CLI (in process), and the migration
that gives a store made before roles existed its built-in roles (and its own sources `other`)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tracker import db
from tracker.cli import main
from tracker.sources import registry


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_sources_lists_roles_and_sides(tmp_path: Path):
    path = str(tmp_path / "t.duckdb")
    code, out = run("sources", "--db", path)
    assert code == 0
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    assert lines["ua_mod"][-4:] == ["cumulative", "party", "ukraine", "built-in"]
    assert lines["osce_smm"][-3:] == ["cumulative", "monitor", "built-in"]
    assert lines["lpr"][-4:] == ["cumulative", "party", "russia", "built-in"]
    assert lines["acled"][-3:] == ["additive", "dataset", "built-in"]


def test_sources_add_with_a_role_and_a_side(tmp_path: Path):
    path = str(tmp_path / "t.duckdb")
    assert run("sources", "add", "ua_gs", "Ukraine General Staff", "--role", "party", "--side", "ukraine",
               "--db", path) == (0, "registered source ua_gs (Ukraine General Staff): party, side ukraine\n")
    assert run("sources", "add", "un_hrmmu", "UN HRMMU", "--role", "monitor", "--db", path)[0] == 0
    assert run("sources", "add", "events", "Some events", "--additive", "--db", path)[1].endswith(": dataset\n")
    with db.open_store(path) as store:
        found = registry(store)
    assert (found.roles["ua_gs"], found.sides["ua_gs"]) == ("party", "ukraine")
    assert found.roles["un_hrmmu"] == "monitor" and "un_hrmmu" not in found.sides
    assert found.roles["events"] == "dataset"
    assert found.monitors == ["osce_smm", "un_hrmmu"]


def test_bad_registrations_are_refused_with_the_fix_and_nothing_is_stored(tmp_path: Path):
    path = str(tmp_path / "t.duckdb")
    code, out = run("sources", "add", "x_src", "X", "--db", path)
    assert code == 2 and "say what 'x_src' is: --role party|monitor|dataset|other" in out
    code, out = run("sources", "add", "x_src", "X", "--role", "party", "--db", path)
    assert (code, out) == (1, "error: side needed: a party needs its side: --side russia|ukraine\n")
    code, out = run("sources", "add", "x_src", "X", "--role", "party", "--side", "nato", "--db", path)
    assert (code, out) == (1, "error: unknown side: 'nato' is not a side of this store; use one of russia, ukraine\n")
    code, out = run("sources", "add", "x_src", "X", "--role", "monitor", "--side", "ukraine", "--db", path)
    assert code == 1 and "only a party has a side; leave out --side ukraine" in out
    code, out = run("sources", "add", "x_src", "X", "--role", "judge", "--db", path)
    assert code == 2 and "'judge' is not one of 'party', 'monitor', 'dataset', 'other'" in out
    code, out = run("sources", "add", "ua_mod", "again", "--role", "party", "--side", "ukraine", "--db", path)
    assert (code, out) == (1, "error: source exists: source 'ua_mod' is already registered; see `tracker sources`\n")
    with db.open_store(path) as store:
        assert store.value("select count(*) from sources where key = 'x_src'") == 0


def test_a_store_made_before_roles_gets_them_and_its_own_sources_become_other(tmp_path: Path):
    path = str(tmp_path / "old.duckdb")
    with db.open_store(path) as store:  # make it look like a store of before migration 004
        store.execute("insert into sources (key, name, counting, builtin, added_at) "
                      "values ('ukr_police', 'National Police', 'cumulative', false, now())")
        store.execute("alter table sources drop column role")
        store.execute("alter table sources drop column side")
        store.execute("drop table accused_parties")
        store.execute("delete from schema_migrations where name = '004_source_roles.sql'")
    with db.open_store(path) as store:
        found = registry(store)
        assert found.roles["ukr_police"] == "other"
        assert (found.roles["ua_mod"], found.sides["ua_mod"]) == ("party", "ukraine")
        assert (found.roles["osce_smm"], found.roles["ucdp_ged"]) == ("monitor", "dataset")
        assert found.party_sides == {"ukraine": "ukraine", "separatists": "russia", "russia": "russia"}
