"""sqlite-utils, the second tool: its parser, canonical form, grammar, grounding and risk classes, all read
from its click tree and its profile (nlcli_tools/sqlite_utils/tool.yaml)."""

from __future__ import annotations

import pytest

from nlcli_wizard.checks import Offer
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.grammar import build_grammar, tool_grammar
from nlcli_wizard.grounding import ground, grounded_grammar
from nlcli_wizard.safety import check
from nlcli_wizard.translator import Translator
from nlcli_wizard.validator import parse, validate
from tests.tooling import SQLITE


@pytest.mark.parametrize(("line", "canonical"), [
    ("sqlite-utils rows pets.db dogs -c name -c age --limit 5 --csv",
     "sqlite-utils rows pets.db dogs --column name --column age --limit 5 --csv"),
    # click-default-group's implied "query" is written out
    ("sqlite-utils pets.db 'select * from dogs where age > 3'", "sqlite-utils query pets.db 'select * from dogs where age > 3'"),
    ("sqlite-utils transform db.db t --rename a b --drop c --type d integer",
     "sqlite-utils transform db.db t --type d INTEGER --drop c --rename a b"),
    ("sqlite-utils create-index db.db t -- -created", "sqlite-utils create-index -- db.db t -created"),
    ("sqlite-utils insert db.db t f.csv --csv --pk id --alter", "sqlite-utils insert db.db t f.csv --pk id --csv --alter"),
    ("sqlite-utils tables 'my stuff.db' --counts -t", "sqlite-utils tables 'my stuff.db' --counts --table"),
    ("sqlite-utils drop-table -h", "sqlite-utils drop-table --help"),
])
def test_canonical_forms_round_trip(line, canonical):
    parsed = parse(line, SQLITE)
    assert parsed.canonical == canonical
    assert parse(canonical, SQLITE) == parsed


@pytest.mark.parametrize(("line", "reason"), [
    ("sqlite-utils rows pets.db", "needs DBTABLE"),
    ("sqlite-utils rows pets.db dogs --limit ten", "needs a whole number"),
    ("sqlite-utils rows pets.db dogs; rm -rf /", "';' outside quotes"),
    ("sqlite-utils drop-everything pets.db", "no subcommand 'drop-everything'"),
    ("venvy ls", "not sqlite-utils"),
])
def test_invalid_commands_say_why(line, reason):
    check_ = validate(line, SQLITE)
    assert not check_.ok and reason in check_.reason


@pytest.mark.parametrize(("line", "destructive"), [
    ("sqlite-utils drop-table pets.db dogs", True), ("sqlite-utils drop-view pets.db v", True),
    ("sqlite-utils transform pets.db dogs --drop age", True), ("sqlite-utils transform pets.db dogs --rename a b", False),
    ("sqlite-utils insert pets.db dogs d.csv --csv --truncate", True), ("sqlite-utils insert pets.db dogs d.csv", False),
    ("sqlite-utils create-table pets.db t id integer --replace", True), ("sqlite-utils rows pets.db dogs", False),
    ("sqlite-utils convert pets.db dogs name 'value.upper()' --dry-run --drop", False),
])
def test_risk_classes_come_from_the_profile(line, destructive):
    assert parse(line, SQLITE).destructive is destructive


def test_a_destructive_command_needs_the_higher_bar_and_a_plain_request():
    parsed = parse("sqlite-utils drop-table pets.db dogs", SQLITE)
    asked = Offer("drop the dogs table from pets.db", parsed, 0.9, SQLITE, 0.0, lambda q, p: 0.97, 0.5)
    assert check(asked) is None
    asked.confidence = 0.8
    assert check(asked).rule == "safety.low-confidence"  # sqlite-utils never asks: 85 %, as a --force


def test_every_value_is_grounded_sql_included():
    query = "in pets.db run 'select name from dogs where age > 3' as csv"
    assert ground(query, parse("sqlite-utils query pets.db 'select name from dogs where age > 3' --csv", SQLITE)).ok
    invented = ground("average age of the dogs in pets.db",
                      parse("sqlite-utils query pets.db 'select avg(age) from dogs'", SQLITE))
    assert not invented.ok and invented.rule == "grounding.code-not-spelled"
    table = ground("first 10 rows of dogs in pets.db", parse("sqlite-utils rows pets.db cats --limit 10", SQLITE))
    assert not table.ok and table.rule == "grounding.not-in-request"
    columns = ground("name and age of dogs in pets.db",
                     parse("sqlite-utils rows pets.db dogs --column name --column age", SQLITE))
    assert columns.ok


def test_the_grammar_admits_repeated_and_multi_part_options_and_the_translator_retries_under_it():
    grammar = tool_grammar(SQLITE)
    assert 'c' in grammar and '" --column" " "' in grammar and "--rename" in grammar
    restricted = grounded_grammar("in pets.db run 'select name from dogs where age > 3'", SQLITE)
    assert "'select name from dogs where age > 3'" in restricted
    required = build_grammar(SQLITE, require={"rows": ("limit", ["10"])})
    assert '" --limit" " " ("10")' in required

    class TwoTries(ScriptedEngine):
        def generate(self, prompt, *, grammar=None, max_tokens=64, shapes=()):
            self.answers = {"": (" sqlite-utils tables pets.db" if grammar else " sqlite-utils tablez pets.db", 0.99)}
            return super().generate(prompt, grammar=grammar, max_tokens=max_tokens)

    result = Translator(TwoTries(), SQLITE).translate("what tables are in pets.db")
    assert result.command == "sqlite-utils tables pets.db" and result.retried


def test_a_request_for_sql_nobody_wrote_gets_no_command():
    engine = ScriptedEngine({"": (" sqlite-utils query pets.db 'select avg(age) from dogs'", 0.99)})
    result = Translator(engine, SQLITE).translate("average age of the dogs in pets.db")
    assert result.command is None and result.abstained


def test_the_execution_check_compares_what_commands_do_on_one_fixture():
    from tests.tooling import SQLITE_TOOL

    same = SQLITE_TOOL.execution_check()

    def p(line):
        return parse(line, SQLITE)

    # Written differently, the same effect: rows of a table, and the query that selects them.
    assert same(p("sqlite-utils rows pets.db dogs --limit 2"), [p("sqlite-utils query pets.db 'select * from dogs limit 2'")])
    assert same(p("sqlite-utils drop-table pets.db dogs"), [p("sqlite-utils drop-table pets.db dogs --ignore")])
    # Alike, and not the same: one row more, another table dropped, another column kept.
    assert same(p("sqlite-utils rows pets.db dogs --limit 3"), [p("sqlite-utils rows pets.db dogs --limit 2")]) is False
    assert same(p("sqlite-utils drop-table pets.db cats"), [p("sqlite-utils drop-table pets.db dogs")]) is False
    assert same(p("sqlite-utils transform pets.db dogs --drop age"),
                [p("sqlite-utils transform pets.db dogs --drop name")]) is False
    # Nothing outside the sandbox runs.
    assert same(p("sqlite-utils rows /srv/pets.db dogs"), [p("sqlite-utils rows /srv/pets.db dogs --csv")]) is None


def test_eval_execute_reports_the_execution_check():
    from nlcli_wizard.evaluation import run
    from tests.tooling import SQLITE_TOOL

    rows = [{"query": "2 rows of dogs in pets.db", "command": "sqlite-utils query pets.db 'select * from dogs limit 2'",
             "accepted": ["sqlite-utils query pets.db 'select * from dogs limit 2'"]},
            {"query": "3 rows of dogs in pets.db", "command": "sqlite-utils rows pets.db dogs --limit 3"}]
    engine = ScriptedEngine({"2 rows": (" sqlite-utils rows pets.db dogs --limit 2", 0.99),
                             "3 rows": (" sqlite-utils rows pets.db dogs --limit 3", 0.99)})
    report = run("scripted", Translator(engine, SQLITE).translate, rows, SQLITE,
                 execute=SQLITE_TOOL.execution_check())
    assert report.execution() == {"checked": 2, "same_effect": 2, "same_effect_though_written_differently": 1,
                                  "different_effect_though_equivalent": 0}
    assert report.summary()["execution"]["checked"] == 2


def _sqlite_corpora():
    from tests.test_safety import adversarial, legit
    from tests.tooling import SQLITE_TOOL

    return adversarial(SQLITE_TOOL.corpora), legit(SQLITE_TOOL.corpora / "legit_destructive.txt")


def test_the_sqlite_corpora_cover_every_destructive_command_and_the_floor_lets_each_plain_one_through():
    from nlcli_wizard.safety import floor, guarded

    adversarial, legit = _sqlite_corpora()
    assert len(adversarial) >= 400 and len(legit) >= 150
    destroyed = set()
    for query, command in legit:
        parsed = parse(command, SQLITE)
        assert guarded(parsed), command
        destroyed.add(parsed.subcommand)
        assert floor(query, parsed) is None, query
    assert {"drop-table", "drop-view", "drop-index", "disable-fts", "transform", "insert"} <= destroyed


@pytest.mark.parametrize(("query", "command"), [
    # a value said in other words (the profile's value_forms)
    ("the ten most expensive products in shop.db, sorted by price descending",
     "sqlite-utils rows shop.db products --order 'price desc' --limit 10"),
    ("first ten node_status rows from cluster.db, markdown please", "sqlite-utils rows cluster.db node_status --limit 10 --fmt github"),
    # a count and an offset stated by a range or a page
    ("rows 41 to 60 of deploys in deploys.db", "sqlite-utils rows deploys.db deploys --limit 20 --offset 40"),
    ("page 3 of incidents at 25 per page, oncall.db", "sqlite-utils rows oncall.db incidents --limit 25 --offset 50"),
    # a column named once, used twice (shared_values)
    ("make Z_PK the primary key on ZTAG and mark it NOT NULL, Tags.sqlite",
     "sqlite-utils transform Tags.sqlite ZTAG --pk Z_PK --not-null Z_PK"),
    ("create index on error_log(host) in app.db", "sqlite-utils create-index app.db error_log host"),
])
def test_values_said_in_other_words_are_grounded(query, command):
    assert ground(query, parse(command, SQLITE)).ok


@pytest.mark.parametrize(("query", "command"), [
    ("products in shop.db sorted by price", "sqlite-utils rows shop.db products --order 'price desc'"),
    ("rows of deploys in deploys.db as a table", "sqlite-utils rows deploys.db deploys --fmt github"),
    ("rows 41 to 60 of deploys in deploys.db", "sqlite-utils rows deploys.db deploys --limit 19 --offset 40"),
    ("make a copy of dogs in pets.db", "sqlite-utils duplicate pets.db dogs dogs"),  # no shared value: one span each
])
def test_values_the_request_does_not_say_stay_refused(query, command):
    assert not ground(query, parse(command, SQLITE)).ok


def test_the_grounded_grammar_offers_the_other_forms_the_request_says():
    grammar = grounded_grammar("top 5 products in shop.db by price, highest first, markdown", SQLITE)
    assert "\"'price desc'\"" in grammar and '"github"' in grammar
    assert "\"'price desc'\"" not in grounded_grammar("5 products in shop.db by price", SQLITE)


@pytest.mark.parametrize(("query", "rule"), [
    ("just id and email from users in app.db", None),  # a column, not an ask to send mail
    ("import old.csv and put it into stamps_old in stamps.db", None),  # the tool's own action
    ("rows of users in app.db and email them to me", "scope.other-action"),
    ("import users.csv to users in q3.db, pipe-delimited", None),
])
def test_the_tools_own_actions_and_nouns_are_no_second_ask(query, rule):
    from nlcli_wizard import scope

    verdict = scope.check(query, SQLITE)
    assert (verdict.rule if verdict else None) == rule
