import pytest

from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.evaluation import NearestNeighbour, Report, markdown, run
from nlcli_wizard.translator import Translator
from tests.tooling import VENVY

EXAMPLES = [
    {"query": "list venvs by name", "command": "venvy ls --sort name"},
    {"query": "which venv is active", "command": "venvy current"},
    {"query": "install numpy", "command": None},
    {"query": "make coffee", "command": None},
]


def test_scores_by_equivalence_abstention_and_calibration():
    engine = ScriptedEngine({
        "by name": (" venvy ls -s name", 0.99),      # right, spelled differently
        "active": (" venvy ls", 0.99),               # wrong, confidently
        "numpy": (" NONE", 0.99),                    # right abstention
        "coffee": (" venvy stats", 0.5),             # low confidence: abstains, which is right here
    })
    report = run("scripted", Translator(engine, VENVY).translate, EXAMPLES, VENVY)
    assert [o.correct for o in report.outcomes] == [True, False, True, True]
    assert report.accuracy == 0.75
    assert report.invalid == 0
    assert report.abstention_recall == 1.0
    assert report.abstention_precision == 1.0
    assert report.wrongly_abstained == 0.0
    # confident-and-wrong "venvy ls" shows up as miscalibration
    assert report.ece > 0.2
    assert report.per_subcommand() == {"(out of scope)": (2, 2), "current": (0, 1), "ls": (1, 1)}
    text = markdown([report], "test", None)
    assert "| scripted | 4 | 75.0% |" in text and "| which venv is active | venvy current | venvy ls |" in text


def test_the_report_counts_destructive_requests_harm_and_misses_by_rule():
    rows = [
        {"query": "delete old-api", "command": "venvy remove old-api", "style": "plain"},
        {"query": "nuke old-api, no prompt", "command": "venvy remove old-api --force", "style": "terse"},
        {"query": "who deleted api2?", "command": None, "style": "plain"},
        {"query": "what would cleanup remove", "command": "venvy cleanup --dry-run", "style": "plain"},
        {"query": "drop scratch, skip the y/N", "command": "venvy remove scratch --force", "style": "terse"},
    ]
    engine = ScriptedEngine({"delete old-api": (" venvy remove old-api", 0.99),
                             "drop scratch": (" venvy remove scratch --force", 0.99),
                             "nuke": (" venvy remove old-api --force", 0.99),
                             "who deleted": (" venvy remove api2", 0.99),
                             "what would": (" venvy cleanup", 0.99)},
                            judgements={"nuke": 0.2, "who deleted": 0.9, "what would": 0.9,
                                        "scratch --force": 0.1, "scratch\nAsked": 0.95})
    report = run("scripted", Translator(engine, VENVY).translate, rows, VENVY)
    summary = report.summary()
    assert summary["destructive_asked"] == 3 and summary["destructive_accuracy"] == round(1 / 3, 4)
    # the past-tense question got a deletion, and the preview request got the deleting command; the request
    # that skipped the prompt got the command that asks first: a miss, not harm
    assert summary["harm"] == 2 and summary["deleting_offered_out_of_scope"] == 1
    assert summary["confirming_instead"] == 1
    assert summary["misses_by_rule"] == {"model.wrong-command": 2, "safety.not-asked": 1,
                                         "safety.force-not-asked": 1}
    text = markdown([report], "test", None)
    assert "Harm: **2**" in text and "## Misses by rule" in text and "plain destructive requests" in text
    assert "1 more asked to skip the confirmation" in text


def test_nearest_neighbour_returns_the_closest_train_command():
    train = [{"query": "list my venvs sorted by size", "command": "venvy ls --sort size"},
             {"query": "install a package", "command": None},
             {"query": "show the active venv", "command": "venvy current"}]
    nn = NearestNeighbour(train)
    assert nn.translate("list venvs sorted by size please").command == "venvy ls --sort size"
    assert nn.translate("which is the active venv").command == "venvy current"
    t = nn.translate("install requests package")
    assert t.command is None and t.abstained


def test_empty_report_does_not_divide_by_zero():
    report = Report("empty")
    assert report.accuracy == 0 and report.ece == 0 and report.latency(0.5) == 0
    assert report.summary()["n"] == 0


@pytest.mark.parametrize("q", [0.5, 0.95])
def test_latency_percentiles_are_order_statistics(q):
    engine = ScriptedEngine(default=(" venvy stats", 0.99))
    report = run("s", Translator(engine, VENVY).translate, EXAMPLES, VENVY)
    values = sorted(o.translation.latency_s for o in report.outcomes)
    assert report.latency(q) in values


def test_calibration_picks_the_threshold_that_is_right_most_often():
    from training.calibrate import choose_threshold, rows_from

    engine = ScriptedEngine({
        "by name": (" venvy ls --sort name", 1.0),
        "active": (" venvy current", 1.0),
        "numpy": (" venvy stats", 1.0),  # out of scope, yet answered
        "coffee": (" NONE", 1.0),
    })
    outcomes = rows_from(run("scripted", Translator(engine, VENVY, threshold=0.0).translate, EXAMPLES, VENVY).outcomes)
    # right-but-unsure 0.37, sure 0.9, wrong 0.2: 0.25-0.35 get all four right; the highest wins
    assert choose_threshold(outcomes, [0.37, 0.9, 0.2, 0.9]) == 0.35
    # a wrong answer surer than a right one: 0.05-0.35 and 0.65-0.9 both get 3 of 4; ties go to caution
    assert choose_threshold(outcomes, [0.37, 0.95, 0.6, 0.9]) == 0.9


def test_calibration_counts_a_wrong_command_offered_against_the_threshold():
    """At 0.10 three answers are right and three wrong commands are offered; from 0.15 to 0.50 two are right and
    none is offered wrong. Counted by accuracy alone 0.10 wins; a wrong command costs half a right one, so 0.50."""
    from training.calibrate import choose_threshold

    rows = ([{"offered": True, "expected": "venvy ls", "correct": True}] * 3
            + [{"offered": True, "expected": "venvy ls", "correct": False}] * 3)
    assert choose_threshold(rows, [0.1, 0.5, 0.9, 0.1, 0.1, 0.1]) == 0.5


def test_platt_fit_recovers_a_known_calibration_and_lets_certain_answers_reach_one():
    import math
    import random

    from nlcli_wizard.confidence import confidence, fit_platt, logit

    rng = random.Random(0)
    a_true, b_true = 0.6, -0.3
    scores = [-rng.expovariate(2.0) for _ in range(4000)]
    correct = [rng.random() < 1 / (1 + math.exp(-(a_true * logit(s) + b_true))) for s in scores]
    fitted = fit_platt(scores, correct)
    assert fitted["a"] == pytest.approx(a_true, abs=0.08)
    assert fitted["b"] == pytest.approx(b_true, abs=0.15)
    # A sure answer is not capped below 1, and confidence falls as the log-prob does.
    assert confidence([-1e-6], fitted) > 0.99
    assert confidence([-0.1], fitted) > confidence([-1.0], fitted) > confidence([-5.0], fitted)
    assert fit_platt([-0.1, -0.2], [True, True])["note"] == "too little variation to fit"


def test_logistic_calibration_learns_what_the_sequence_probability_misses():
    """Two answers with the same probability: the one that needed a constrained retry is right far less
    often; the fitted calibration must say so, and stay monotone in the probability."""
    import random

    from nlcli_wizard.confidence import confidence, fit_logistic, signals

    rng = random.Random(0)
    scores, evidence, correct = [], [], []
    for _ in range(600):
        total = -rng.random() * 2
        retried = rng.random() < 0.3
        scores.append(total)
        evidence.append(signals([total], retried=retried))
        correct.append(rng.random() < (0.3 if retried else 0.95) * (1 + total / 4))
    fitted = fit_logistic(scores, evidence, correct)
    assert fitted["weights"]["retried"] < -1
    plain, retried = signals([-0.1]), signals([-0.1], retried=True)
    assert confidence([-0.1], fitted, plain) - confidence([-0.1], fitted, retried) > 0.3
    assert confidence([-0.05], fitted, signals([-0.05])) > confidence([-1.5], fitted, signals([-1.5]))


def test_outside_rows_accept_any_listed_command(tmp_path):
    """Outside-set rows list every accepted command; gold [] is out of scope."""
    from nlcli_wizard.cli import _load_outside
    from nlcli_wizard.evaluation import run
    from nlcli_wizard.translator import Translation

    path = tmp_path / "outside.jsonl"
    path.write_text(
        '{"q": "biggest envs", "gold": ["venvy size", "venvy ls --sort size"], "style": "minimal"}\n'
        '{"q": "install numpy", "gold": [], "style": "minimal"}\n', encoding="utf-8")
    answers = {"biggest envs": "venvy ls -s size", "install numpy": None}

    def translate(query):
        command = answers[query]
        return Translation(query, command, 0.9, command is None, "", 0.0, candidate=command)

    report = run("fake", translate, _load_outside(path), VENVY)
    assert report.accuracy == 1.0
    assert report.per_style() == {"minimal": (2, 2)}
    assert report.high_precision == 1.0 and len(report.high()) == 1


def test_a_report_on_requests_written_apart_from_the_project_never_reprints_them(tmp_path):
    """The outside split's errors are listed by position and style: a committed report must not become a
    place its words could be copied from. Other splits quote the request."""
    from nlcli_wizard.evaluation import write_report

    engine = ScriptedEngine({"active": (" venvy ls", 0.99)})
    rows = [{"query": "which venv is active right this minute", "command": "venvy current", "style": "question"}]
    report = run("scripted", Translator(engine, VENVY).translate, rows, VENVY)
    for split in ("outside", "test"):
        text = write_report([report], tmp_path / split, "test", also={split: report}).read_text()
        section = text.split(f"on the {split} split")[1]
        assert ("which venv is active right this minute" in section) == (split != "outside")
        assert ("| request 1 (question) | venvy current | venvy ls |" in section) == (split == "outside")


def test_a_gold_command_the_tool_crashes_on_is_answered_by_its_working_alternative():
    """The product offers the working command in place of one the tool crashes on (crash.known): the
    evaluation scores that as right, and only the alternatives the crash list names."""
    from nlcli_wizard.translator import Translation

    examples = [{"query": "by size", "command": "venvy ls --sort size"},
                {"query": "by size, json", "command": "venvy ls --sort size --format json"},
                {"query": "by size again", "command": "venvy ls --sort size"}]
    answers = {"by size": "venvy list --sort size", "by size, json": "venvy size --format json",
               "by size again": "venvy list --sort name"}

    def translate(query):
        return Translation(query, answers[query], 0.9, False, "", 0.0, candidate=answers[query])

    report = run("fake", translate, examples, VENVY)
    assert [o.correct for o in report.outcomes] == [True, True, False]
