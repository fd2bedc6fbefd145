import pytest

from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.errors import EmptyQueryError
from nlcli_wizard.translator import Chunk, Retry, Translation, Translator
from tests.tooling import VENVY


def _events(engine, query):
    return list(Translator(engine, VENVY).stream(query))


def test_valid_answer_streams_then_gives_canonical_command():
    engine = ScriptedEngine({"by name": (" venvy ls -s name", 0.99)})
    events = _events(engine, "list venvs by name")
    chunks = [e.text for e in events if isinstance(e, Chunk)]
    assert "".join(chunks) == " venvy ls -s name"
    final = events[-1]
    assert isinstance(final, Translation)
    assert final.command == "venvy ls --sort name"
    assert final.used_options == ("--sort",)
    assert final.subcommand == "ls"
    assert not final.abstained and final.confidence > 0.9


def test_out_of_scope_answer_abstains_with_reason():
    final = _events(ScriptedEngine(default=(" NONE", 0.95)), "install numpy")[-1]
    assert final.abstained and final.command is None
    assert "venvy cannot do this" in final.reason


def test_low_confidence_abstains_and_names_the_guess():
    final = _events(ScriptedEngine(default=(" venvy stats", 0.6)), "hmm stats?")[-1]
    # two tokens at 0.6 each: 0.36 < 0.5
    assert final.abstained and final.command is None
    assert final.candidate == "venvy stats"
    assert "Not confident enough" in final.reason


def test_invalid_answer_is_retried_under_the_grammar():
    class TwoTries(ScriptedEngine):
        def generate(self, prompt, *, grammar=None, max_tokens=64, shapes=()):
            self.answers = {"": (" venvy ls" if grammar else " venvy ls; rm -rf /", 0.99)}
            return super().generate(prompt, grammar=grammar, max_tokens=max_tokens)

    engine = TwoTries()
    events = _events(engine, "list my venvs")
    assert any(isinstance(e, Retry) and "';'" in e.reason for e in events)
    assert engine.grammars[0] is None and engine.grammars[1].startswith("root ::=")
    final = events[-1]
    assert final.command == "venvy ls" and final.retried


def test_still_invalid_after_retry_abstains():
    final = _events(ScriptedEngine(default=(" rm -rf /", 0.99)), "wipe everything")[-1]
    assert final.abstained and final.command is None
    assert "could not produce a valid venvy command" in final.reason


def test_empty_query_never_reaches_the_model():
    engine = ScriptedEngine()
    with pytest.raises(EmptyQueryError):
        Translator(engine, VENVY).translate("   ")
    assert engine.prompts == []
