"""Guesses at the next answer tokens: from the request, and from the shapes of the tool's commands."""

import itertools

from nlcli_wizard.speculation import Drafter, answer_shapes
from tests.tooling import VENVY

END = 0


class WordTokens:
    """One token per word (its leading space kept), numbered as first seen."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, text: str) -> list[int]:
        words = text.replace(" ", "\0 ").split("\0")
        return [self.ids.setdefault(w, len(self.ids) + 1) for w in words if w]

    def text(self, tokens: list[int]) -> str:
        names = {i: w for w, i in self.ids.items()}
        return "".join(names[t] for t in tokens)


def test_a_value_being_copied_is_continued_from_the_request():
    words = WordTokens()
    drafter = Drafter([], words, END)
    request = words(" scan ~/code and ~/work/a b c for venvs")
    answer = words(" venvy scan --path ~/work/a")
    # The answer's last two tokens are not together in the request and no shape is known: its last
    # token alone is found in the request, and what follows it there is the guess.
    assert words.text(drafter.guess(answer, request, 3)) == " b c for"
    assert drafter.guess(answer, request, 0) == []


def test_a_two_token_match_in_the_request_comes_before_a_shape_and_the_latest_one_counts():
    words = WordTokens()
    drafter = Drafter([(" venvy scan --path x y --thorough",)], words, END)
    request = words(" scan --path x y z then --path x y w")
    assert words.text(drafter.guess(words(" venvy scan --path x y"), request, 2)) == " w"


def test_shapes_give_option_names_in_their_order_and_restart_after_a_value():
    words = WordTokens()
    shapes = [(" venvy cleanup",), (" venvy cleanup --days", None), (" venvy cleanup --days", None, " --dry-run")]
    drafter = Drafter(shapes, words, END)
    nothing = words(" unrelated request")
    assert words.text(drafter.guess([], nothing, 4)) == " venvy cleanup --days"
    # After a value the shapes cannot know what the value's tokens were: no guess from them.
    assert drafter.guess(words(" venvy cleanup --days 30"), nothing, 4) == []


def test_the_end_of_the_answer_is_never_guessed_and_a_minority_next_token_is_not_either():
    words = WordTokens()
    shapes = [(" venvy current",), (" venvy ls --sort size",), (" venvy ls --sort age",), (" venvy ls --sort name",)]
    drafter = Drafter(shapes, words, END)
    nothing = words(" unrelated")
    assert drafter.guess(words(" venvy current"), nothing, 3) == []  # only the end follows
    assert words.text(drafter.guess(words(" venvy ls"), nothing, 3)) == " --sort"  # then a 1-in-3 choice


def test_venvy_s_shapes_hold_every_subcommand_and_option_in_declaration_order():
    catalog = VENVY
    shapes = answer_shapes(catalog)
    texts = {"".join(piece or " V" for piece in shape) for shape in shapes}
    for spec in catalog.commands.values():
        head = f" venvy {spec.name}" + " V" * len(spec.arguments)
        assert head in texts and head + " --help" in texts
        for option in spec.options:
            assert any(option.long in text and text.startswith(head) for text in texts), option.long
        names = [o.long for o in spec.options]
        for first, second in itertools.pairwise(names):
            pair = [t for t in texts if t.startswith(head) and f" {first}" in t and f" {second}" in t]
            assert pair and all(t.index(f" {first}") < t.index(f" {second}") for t in pair)
