"""Grounding: every value in an offered command is the request's own."""

from __future__ import annotations

import pytest

from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.grounding import ground, grounded_grammar, number_candidates, span_candidates
from nlcli_wizard.translator import Retry, Translator
from tests.tooling import VENVY, parse


def grounded(query: str, command: str) -> bool:
    return ground(query, parse(command)).ok


@pytest.mark.parametrize(("query", "command"), [
    ("list envs under ~/environments/test", "venvy list --path ~/environments/test"),
    ("register ./env as api-env", "venvy register ./env --name api-env"),
    ("find envs in C:/work/app/venv", "venvy list --path C:/work/app/venv"),
    ('info about "my app"', "venvy info 'my app'"),
    ("scan the current directory", "venvy scan --path ."),
    ("track ./env.", "venvy track ./env"),
    ("register ~/envs/api as api", "venvy register ~/envs/api --name api"),
    ("remove ml.exp3", "venvy remove ml.exp3"),
    # A path followed by other words is whole: quoted, nothing says it goes on, or the next word starts its own.
    ("sizes for the envs in '/Users/kim/Library/Application Support/pypoetry'",
     "venvy size --path '/Users/kim/Library/Application Support/pypoetry'"),
    ("list the envs in /tmp/a b", "venvy list --path /tmp/a"),
    ("scan ./proj then show info on api/v2", "venvy scan --path ./proj"),
    ("compare ~/a/b and ~/c/d", "venvy list --path ~/a/b"),
    ("clean unused envs in ~/work w/o asking", "venvy clean --force --path ~/work"),  # w/o is no path
])
def test_values_copied_from_the_request_are_grounded(query, command):
    assert grounded(query, command)


@pytest.mark.parametrize(("query", "command", "value"), [
    ("list envs under ~/environments/test", "venvy list --path ~/envs/test", "~/envs/test"),
    ("find envs in C:/work/app/venv", "venvy list --path /work/app/venv", "/work/app/venv"),
    ("remove api-env", "venvy remove api", "api"),
    ("remove ml.exp3", "venvy remove ml", "ml"),
    ("register ~/envs/api", "venvy register ~/envs/api --name api", "api"),
    ("show details about Web-2024", "venvy info web-2024", "web-2024"),
])
def test_changed_or_invented_values_are_not(query, command, value):
    result = ground(query, parse(command))
    assert not result.ok
    assert result.value == value
    assert value in result.reason


def test_one_span_fills_one_value():
    assert not grounded("register this venv as webapp", "venvy register webapp --name webapp")
    assert grounded("register webapp as webapp", "venvy register webapp --name webapp")


@pytest.mark.parametrize(("query", "days"), [
    ("remove venvs unused for 2 weeks", 14),
    ("cleanup anything idle three months", 90),
    ("older than a year", 365),
    ("not touched in a fortnight", 14),
    ("unused 30d", 30),
    ("twenty one days without use", 21),
    ("a hundred and twenty days", 120),
    ("a couple of weeks", 14),
    ("half a year", 180),
    ("cleanup with a six week threshold", 42),
    ("preview cleanup with a two-week window", 14),
    ("a hundred days", 100),
])
def test_durations_convert_to_days(query, days):
    assert days in number_candidates(query, days=True)
    assert grounded(query, f"venvy cleanup --days {days}")


def test_a_number_the_request_does_not_state_is_not_grounded():
    assert not grounded("remove venvs unused for 2 weeks", "venvy cleanup --days 15")
    assert grounded("remove venvs unused for 2 days", "venvy cleanup --days 2")
    assert not grounded("show a list of the biggest envs", "venvy size --top 1")  # "a" is an article
    assert grounded("show the top dozen envs by size", "venvy size --top 12")
    assert grounded("show the five biggest envs", "venvy size --top 5")
    assert grounded("size of the single largest env", "venvy size --top 1")


def test_weeks_are_not_days_for_other_numbers():
    assert 14 not in number_candidates("top 2 weeks", days=False)
    assert 2 in number_candidates("top 2 weeks", days=False)


@pytest.mark.parametrize(("query", "unconverted"), [
    ("delete envs I haven't used in two weeks", 2),
    ("remove venvs unused for 2 weeks", 2),
    ("clean envs idle for 3 months", 3),
    ("cleanup envs older than 1 year", 1),
])
def test_a_duration_in_weeks_months_or_years_is_never_that_many_days(query, unconverted):
    assert unconverted not in number_candidates(query, days=True)
    result = ground(query, parse(f"venvy cleanup --days {unconverted}"))
    assert not result.ok and result.value == str(unconverted)


def test_a_quoted_value_is_taken_whole():
    query = 'health check for "D:\\work\\py envs"'
    cut = ground(query, parse("venvy health --path 'D:\\work\\py'"))
    assert not cut.ok
    assert "only part of the quoted 'D:\\work\\py envs'" in cut.reason
    assert grounded(query, "venvy health --path 'D:\\work\\py envs'")
    assert "D:\\work\\py" not in span_candidates(query)
    # a path that goes on past its closing quote is not the quoted part alone
    assert not grounded("wipe '~/My Envs/app'/lib/python3.12", "venvy remove '~/My Envs/app'")
    # a quoted sentence or command is not one value
    assert grounded("the ticket says 'scan /opt/ml with depth 3', do that", "venvy scan --path /opt/ml --depth 3")
    # an apostrophe is not a quote
    assert grounded("don't touch it, just show info on 'old api'", "venvy info 'old api'")
    assert grounded("what's in web-2024's env? show info for web-2024", "venvy info web-2024")


def test_span_candidates_keep_quoted_values_whole_and_trim_punctuation():
    spans = span_candidates('list envs in "C:/My Stuff/envs", sorted by size.')
    assert "C:/My Stuff/envs" in spans
    assert "size" in spans and "size." not in spans


def test_grounded_grammar_admits_only_the_requests_values():
    grammar = grounded_grammar("list envs under ~/environments/test sorted by size", VENVY)
    assert '"~/environments/test"' in grammar
    assert "~/envs/test" not in grammar
    # no number in the request: no option that needs one
    assert "--depth" not in grammar and "--top" not in grammar


def test_translator_retries_then_abstains_on_an_ungrounded_value():
    engine = ScriptedEngine(answers={"~/environments/test": (" venvy list --path ~/envs/test", 0.99)})
    events = list(Translator(engine, VENVY).stream("list envs under ~/environments/test"))
    assert any(isinstance(e, Retry) for e in events)
    result = events[-1]
    assert result.abstained and result.command is None
    assert "~/envs/test" in result.reason
    assert engine.prompts[-1] == engine.prompts[0]  # the same prompt, decoded again under the grammar


def test_translator_offers_a_grounded_answer_untouched():
    engine = ScriptedEngine(answers={"~/environments/test": (" venvy list --path ~/environments/test", 0.99)})
    result = Translator(engine, VENVY).translate("list envs under ~/environments/test")
    assert result.command == "venvy list --path ~/environments/test"
    assert not result.retried
    assert result.parsed is not None and result.parsed.values["path"] == "~/environments/test"


@pytest.mark.parametrize(("query", "command", "whole"), [
    ("sizes for the envs in /Users/kim/Library/Application Support/pypoetry/virtualenvs, as json",
     "venvy size --path /Users/kim/Library/Application --format json",
     "/Users/kim/Library/Application Support/pypoetry/virtualenvs"),
    ("what's inside C:\\Users\\Kim\\code\\flask app\\venv?", "venvy info 'C:\\Users\\Kim\\code\\flask'",
     "C:\\Users\\Kim\\code\\flask app\\venv"),
    ("what's inside C:\\Users\\Kim\\code\\flask app\\venv?", "venvy info 'app\\venv'",
     "C:\\Users\\Kim\\code\\flask app\\venv"),
])
def test_a_path_cut_at_a_space_is_not_grounded(query, command, whole):
    result = ground(query, parse(command))
    assert not result.ok and f"stops at a space inside the path '{whole}'" in result.reason
    assert whole in span_candidates(query)
    assert all(cut not in span_candidates(query) for cut in ("/Users/kim/Library/Application", "app\\venv"))


@pytest.mark.parametrize(("query", "folder"), [
    ("health check under work", "work"),
    ("scan and register everything below 'work'", "work"),
    ("find duplicates in the folder repos", "repos"),
    ("sizes in ~/envs", "~/envs"),
    ("health check right here", "."),
])
def test_a_search_path_must_be_named_as_a_folder(query, folder):
    from nlcli_wizard.grounding import names_a_folder

    assert names_a_folder(query, folder)


@pytest.mark.parametrize(("query", "command"), [
    ("I have six envs with the same torch stack, can venvy spot those?", "venvy duplicates --path torch"),
    ("what should I get rid of before friday", "venvy suggest --path friday"),
])
def test_an_ordinary_word_is_no_search_path(query, command):
    result = ground(query, parse(command))
    assert not result.ok and "does not name" in result.reason
    # Under the grounded grammar the option is left out where no word of the request names a folder.
    rules = [line for line in grounded_grammar(query, VENVY).splitlines() if '" --path"' in line]
    assert not any('"torch"' in line or '"friday"' in line for line in rules)


@pytest.mark.parametrize(("query", "command"), [
    ("list the envs under ~/Library/Application Support", "venvy list --path ~/Library/Application"),
    ("scan C:\\Program Files for venvs", "venvy scan --path C:\\Program"),
    ("clean envs idle -1 days", "venvy clean --unused-days 1"),
    ("cleanup envs older than 1e3 days", "venvy cleanup --days 1"),
    ("cleanup envs older than 1e3 days", "venvy cleanup --days 3"),
])
def test_a_cut_path_or_a_misread_number_is_not_the_requests_value(query, command):
    assert not ground(query, parse(command)).ok
