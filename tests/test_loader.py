"""The blueprint loader, with libyaml's parser and with the pure Python one: same data, same
places, same refusals."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.blueprint import loader
from generator.blueprint.loader import load_text
from generator.errors import BlueprintError
from tests.helpers import BLUEPRINTS, FIXTURES

PARSERS = ["pure", "libyaml"]


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "libyaml" and loader.CParser is None:
        pytest.skip("ruamel.yaml.clib is not installed")
    monkeypatch.setattr(loader, "USE_C_PARSER", request.param == "libyaml")
    yield request.param


def refusal(text: str) -> tuple[int, int, str]:
    with pytest.raises(BlueprintError) as caught:
        load_text(text, "bp.yaml")
    finding = caught.value.findings[0]
    assert finding.rule == "LZ001"
    assert finding.hint
    return finding.location.line, finding.location.column, finding.message


def load_with(text: str, c_parser: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """(data, marks) of the document, or the findings that refused it."""
    monkeypatch.setattr(loader, "USE_C_PARSER", c_parser)
    try:
        doc = load_text(text, "bp.yaml")
    except BlueprintError as error:
        return error.findings
    return doc.data, doc.marks


def test_values_and_marks(parser: str) -> None:
    doc = load_text("a:\n  b: [1, x, 2.5, true, null, '7', 2024-01-02]\n  c:\n    - d: e\n",
                    "bp.yaml")
    assert doc.data == {"a": {"b": [1, "x", 2.5, True, None, "7", "2024-01-02"],
                              "c": [{"d": "e"}]}}
    assert doc.marks[("a", "b")] == (2, 3)
    assert doc.marks[("a", "b", 1)] == (2, 10)
    assert doc.marks[("a", "c", 0, "d")] == (4, 7)
    assert doc.locate(("a", "c", 0, "d", "missing")).line == 4


def test_a_colon_inside_a_flow_list_is_plain_text(parser: str) -> None:
    # libyaml refuses this (YAML 1.1); the loader then asks the pure parser, which accepts it.
    doc = load_text("attach: [ou:Security, ou:Workloads/Prod]\n", "bp.yaml")
    assert doc.data == {"attach": ["ou:Security", "ou:Workloads/Prod"]}
    assert doc.marks[("attach", 1)] == (1, 23)


def test_deep_nesting_is_refused_without_recursing(parser: str) -> None:
    depth = 100_000
    line, _, message = refusal("a: " + "[" * depth + "]" * depth + "\n")
    assert line == 1
    assert "nested more than 32 levels" in message


def test_deep_nesting_through_an_alias_is_refused(parser: str) -> None:
    text = "a: &deep " + "[" * 20 + "1" + "]" * 20 + "\nb: " + "[" * 14 + "*deep" + "]" * 14
    assert refusal(text + "\n")[:2] == (2, 18)


def test_alias_bomb_is_refused_before_expanding(parser: str) -> None:
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 9):
        text += f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]\n"
    assert "alias bomb" in refusal(text)[2]


def test_alias_bomb_is_counted_before_anything_is_built(
        parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 14: a 400-byte bomb took 19 s and 800 MB, the budget being counted while copying.
    # Now the budget is counted over the parser's events: nothing is built or copied.
    from generator.blueprint import loader

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the bomb was expanded")

    monkeypatch.setattr(loader, "_Builder", never)
    monkeypatch.setattr(loader, "_copy", never)
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 10))
    assert len(text.encode()) < 1024
    line, _, message = refusal(text)
    assert "alias bomb" in message
    assert line == 6  # the alias that takes the expansion past 100,000 nodes


def test_aliases_within_the_budget_still_work(parser: str) -> None:
    tags = "tags: &t {team: core, cost-centre: cc-1}\n"
    uses = "".join(f"a{n}: {{tags: *t}}\n" for n in range(2_000))
    doc = load_text(tags + uses, "bp.yaml")
    assert doc.data["a1999"]["tags"] == {"team": "core", "cost-centre": "cc-1"}


def test_aliases_copy_values_and_places(parser: str) -> None:
    doc = load_text("base: &b {x: [1, 2]}\nuse: *b\nlist: [*b]\n", "bp.yaml")
    assert doc.data["use"] == doc.data["base"] == {"x": [1, 2]}
    assert doc.data["use"] is not doc.data["base"]
    assert doc.marks[("use", "x", 1)] == doc.marks[("base", "x", 1)] == (1, 18)
    assert doc.marks[("list", 0)] == (1, 7)


@pytest.mark.parametrize(("text", "where", "words"), [
    ("a: !Ref x\n", (1, 4), "tag '!Ref'"),
    ("a: !!python/object:os.system x\n", (1, 4), "tag"),
    ("a: !!binary aGk=\n", (1, 4), "tag"),
    ("a: !custom {b: 1}\n", (1, 4), "tag '!custom'"),
    ("a: 1\nb: 2\na: 3\n", (3, 1), "duplicate key 'a' (first defined on line 1)"),
    ("<<: {a: 1}\n", (1, 1), "merge keys"),
    ("[a, b]: 1\n", (1, 1), "plain string"),
    ("a: *nowhere\n", (1, 4), "undefined alias"),
    ("a: &r [*r]\n", (1, 8), "recursive"),
    ("a: 1\n---\nb: 2\n", (2, 1), "several YAML documents"),
    ("a: [1\n", (2, 1), "YAML syntax"),
])
def test_refusals(parser: str, text: str, where: tuple[int, int], words: str) -> None:
    line, column, message = refusal(text)
    assert (line, column) == where
    assert words in message


def test_empty_file_is_refused(parser: str) -> None:
    assert "empty" in refusal("# nothing here\n")[2]


def test_yaml_1_1_directive_changes_resolution(parser: str) -> None:
    assert load_text("%YAML 1.1\n---\na: yes\n", "bp.yaml").data == {"a": True}
    assert load_text("a: yes\n", "bp.yaml").data == {"a": "yes"}


@pytest.mark.skipif(loader.CParser is None, reason="ruamel.yaml.clib is not installed")
@pytest.mark.parametrize("path", [*sorted(BLUEPRINTS.glob("*.yaml")),
                                  *sorted((FIXTURES / "bad").glob("*.yaml")),
                                  FIXTURES / "base.yaml"], ids=lambda p: p.name)
def test_both_parsers_agree_on_every_file(path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    assert load_with(text, False, monkeypatch) == load_with(text, True, monkeypatch)


scalars = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=12),
    st.sampled_from(["yes", "no", "on", "~", "null", "1:20", "0o17", "010", "1_000", "-.5",
                     "2024-01-02", "ou:Security", "a: b", "#x", "- x", "'q'", '"d"', "&a",
                     "*b", "!t", "|", ">", "%", "@", "`", "é", "\t", " lead", "trail "]),
    st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
documents = st.dictionaries(st.text(min_size=1, max_size=8), st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(min_size=1, max_size=8), inner, max_size=4), max_leaves=20), max_size=5)


@pytest.mark.skipif(loader.CParser is None, reason="ruamel.yaml.clib is not installed")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=documents, flow=st.sampled_from([None, True, False]), width=st.sampled_from([20, 80]))
def test_both_parsers_agree_on_any_yaml(data: dict[str, Any], flow: bool | None, width: int,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.width = width
    stream = io.StringIO()
    yaml.dump(data, stream)
    pure = load_with(stream.getvalue(), False, monkeypatch)
    if isinstance(pure, tuple):  # ruamel's dumper writes a few things its parser refuses
        assert load_with(stream.getvalue(), True, monkeypatch) == pure


def test_one_line_flow_lists_keep_libyaml_with_colons_stood_in() -> None:
    text = "attach: [ou:Security, ou:Workloads/Prod]  # a comment\n"
    swapped = loader._stand_in_colons(text)
    assert swapped.count(loader.COLON_STAND_IN) == 2
    assert len(swapped) == len(text)
    for untouched in ("a: ['ou:Security']\n", "a: [[ou:x]]\n", "a: [!t ou:x]\n",
                      f"a: [ou:x]\nb: {loader.COLON_STAND_IN}\n"):
        assert loader._stand_in_colons(untouched) == untouched


def test_a_stand_in_character_in_the_blueprint_is_kept(parser: str) -> None:
    text = f"a: [ou:x]\nb: x{loader.COLON_STAND_IN}y\n"
    assert load_text(text, "bp.yaml").data == {"a": ["ou:x"], "b": f"x{loader.COLON_STAND_IN}y"}


# No '?': for `[?, ]` the two parsers place the empty key one column apart, colons or not.
flow_items = st.text(alphabet="ab:/-_.é 1", min_size=0, max_size=8)


@pytest.mark.skipif(loader.CParser is None, reason="ruamel.yaml.clib is not installed")
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(flow_items, max_size=4), key=st.sampled_from(["attach", "- k", "x.y"]),
       tail=st.sampled_from(["", "  ", "  # note: x"]))
def test_flow_lists_with_colons_load_alike(items: list[str], key: str, tail: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"{key}: [{', '.join(items)}]{tail}\nnext: [a:b]\n"
    pure = load_with(text, False, monkeypatch)
    assert load_with(text, True, monkeypatch) == pure
