"""Coverage: a value the request states is not silently dropped from the answer."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from nlcli_wizard.confidence import signals
from nlcli_wizard.coverage import accept, leftovers, required_grammar
from nlcli_wizard.engine import Step
from nlcli_wizard.grammar import build_grammar
from nlcli_wizard.translator import Retry, Translator
from tests.tooling import VENVY, parse


def left(query: str, command: str) -> list[str]:
    return [x.text for x in leftovers(query, parse(command))]


@pytest.mark.parametrize(("query", "command", "expected"), [
    ("clean the envs under /data unused for 30 days", "venvy clean --unused-days 30", ["/data"]),
    ("registered envs as json sorted by name", "venvy ls --format json", ["name"]),
    ("conda envs in D:\\work\\py as json", "venvy list --type conda", ["D:\\work\\py", "json"]),
    ("scan 'C:\\My Projects' 5 levels deep", "venvy scan --path 'C:\\My Projects'", ["5"]),
    ("prune envs idle for two weeks", "venvy cleanup", ["two"]),
    ("the hook for zsh please", "venvy shell-hook", ["zsh"]),
    ("top 3 by size under ~/work", "venvy size --top 3", ["~/work"]),
])
def test_values_the_answer_leaves_out(query, command, expected):
    assert left(query, command) == expected


@pytest.mark.parametrize(("query", "command"), [
    ("clean the envs under /data unused for 30 days", "venvy clean --unused-days 30 --path /data"),
    ("prune envs idle for two weeks", "venvy cleanup --days 14"),
    ("remove envs older than 90 days", "venvy cleanup"),  # 90 is the default: dropped on purpose
    ("list my venvs sorted by recent", "venvy ls"),  # so is sorting by recent
    ("which virtualenv am I in", "venvy current"),  # no option of `current` takes a type
    ("I'm on python 3.12 with 2 projects, list my venvs", "venvy ls"),  # a version, and no count to take
    ("info about ~/code/app/.venv", "venvy info ~/code/app/.venv"),
    ("track web-2024", "venvy track web-2024"),  # a number inside a name is the name's
    ("list envs and/or caches w/o sorting", "venvy ls"),
    ("list my envs sorted by size", "venvy ls --sort name"),  # another reading, not a dropped option
    ("scan ~ and register what you find", "venvy scan --home"),
    ("envs under ~/.pyenv/versions/3.12.1/envs", "venvy list --path ~/.pyenv/versions/3.12.1/envs"),  # a path's words
])
def test_nothing_left_out(query, command):
    assert left(query, command) == []


def test_required_grammar_keeps_the_subcommand_and_demands_the_value():
    query = "clean the envs under /data unused for 30 days"
    parsed = parse("venvy clean --unused-days 30")
    grammar = required_grammar(query, leftovers(query, parsed)[0], parsed)
    assert grammar is not None
    assert re.fullmatch(r'root ::= " venvy" g0\? \( c\d+ \)', grammar.splitlines()[0])  # clean alone
    assert '" --path" " " ("/data")' in grammar
    assert "NONE" not in grammar and "--version" not in grammar
    assert "--unused-days" in grammar and '"30"' in grammar  # the other values stay grounded


def test_required_grammar_is_none_when_the_subcommand_cannot_take_it():
    query = "I have 40 envs, list them"
    parsed = parse("venvy ls")
    assert all(required_grammar(query, x, parsed) is None for x in leftovers(query, parsed))


def test_build_grammar_with_a_required_argument():
    grammar = build_grammar(VENVY, require={"register": ("venv_path", ["./env"])})
    assert 'c9a0 ::= " " ("./env")' in grammar
    assert "c9a0?" not in grammar


def test_accept_compares_the_per_token_likelihood():
    original = [-0.1] * 6
    assert accept(original, [-0.1] * 6 + [-0.9, -0.05], margin=1.0)
    assert not accept(original, [-0.1] * 6 + [-9.0, -0.05], margin=1.0)
    assert not accept(original, [], margin=1.0)


def test_unused_is_a_signal_for_the_calibration():
    assert signals([-0.1], unused=2)["unused"] == 2.0


@dataclass
class GrammarAwareEngine:
    """Answers ``plain`` without a grammar and ``constrained`` under one, with the given token probability."""

    plain: str
    constrained: str
    constrained_prob: float = 0.99
    model_id: str = "fake"
    calibration: dict | None = None
    grammars: list[str | None] = field(default_factory=list)

    def judge(self, prompt: str) -> float:
        return 0.99  # the requests here plainly ask for what they get

    def generate(self, prompt: str, *, grammar: str | None = None, max_tokens: int = 64,
                 shapes: tuple = ()) -> Iterator[Step]:
        self.grammars.append(grammar)
        text, prob = (self.plain, 0.99) if grammar is None else (self.constrained, self.constrained_prob)
        for piece in text.split(" ")[1:]:
            yield Step(" " + piece, math.log(prob))
        yield Step("", math.log(0.99))


def test_translator_puts_back_a_dropped_value():
    engine = GrammarAwareEngine(" venvy clean --unused-days 30", " venvy clean --unused-days 30 --path /data")
    events = list(Translator(engine, VENVY, threshold=0.0).stream("clean the envs under /data unused for 30 days"))
    assert any(isinstance(e, Retry) and "'/data'" in e.reason for e in events)
    result = events[-1]
    assert result.command == "venvy clean --unused-days 30 --path /data"
    assert result.retried and result.evidence["unused"] == 0.0
    assert '"/data"' in engine.grammars[1]


def test_translator_keeps_the_answer_when_the_model_finds_the_value_unlikely():
    engine = GrammarAwareEngine(" venvy clean --unused-days 30", " venvy clean --unused-days 30 --path /data",
                                constrained_prob=0.001)
    result = Translator(engine, VENVY, threshold=0.0).translate("clean the envs under /data unused for 30 days")
    assert result.command == "venvy clean --unused-days 30"
    assert result.evidence["unused"] == 1.0  # the path it left out still counts against it


def test_translator_does_not_retry_without_a_leftover():
    engine = GrammarAwareEngine(" venvy ls --sort name", " venvy ls --sort recent")
    result = Translator(engine, VENVY, threshold=0.0).translate("list my venvs by name")
    assert result.command == "venvy ls --sort name" and engine.grammars == [None]


@pytest.mark.parametrize(("query", "asks"), [
    ("how do I use scan", True), ("options for cleanup", True), ("size flags?", True), ("venvy manual", True),
    ("cleanup. defaults. go.", False), ("list my envs sorted by size", False),
])
def test_asks_for_help(query, asks):
    from nlcli_wizard.coverage import asks_for_help

    assert asks_for_help(query) is asks


def test_a_help_page_nobody_asked_for_is_decoded_again_without_help():
    engine = GrammarAwareEngine(" venvy cleanup --help", " venvy cleanup")
    events = list(Translator(engine, VENVY, threshold=0.0).stream("cleanup. defaults. go."))
    assert any(isinstance(e, Retry) and "asks for no help" in e.reason for e in events)
    assert events[-1].command == "venvy cleanup"
    assert "--help" not in engine.grammars[1]


def test_a_help_page_asked_for_stays():
    engine = GrammarAwareEngine(" venvy cleanup --help", " venvy cleanup")
    assert Translator(engine, VENVY, threshold=0.0).translate("options for cleanup").command == "venvy cleanup --help"
    assert engine.grammars == [None]
