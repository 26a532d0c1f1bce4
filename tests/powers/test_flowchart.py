import xml.etree.ElementTree as ET
from types import SimpleNamespace

from powers.flowchart import NAME_EMS, WIDTH, char_width, render_flowchart, wrap

SVG = "{http://www.w3.org/2000/svg}"


def _step(position, name, role="reviewer", days_limit=2):
    return SimpleNamespace(position=position, name=name, role=role, days_limit=days_limit)


def _texts(svg: ET.Element, css_class: str) -> list[str]:
    return [text.text for text in svg.iter(f"{SVG}text") if text.get("class") == css_class]


def _width(line: str) -> float:
    return sum(char_width(char) for char in line)


def test_a_long_chinese_name_is_wrapped_to_several_lines_in_its_box():
    name = "对从事食品生产经营活动的单位和个人未取得食品生产经营许可擅自从事食品生产经营活动的行政处罚"

    svg = ET.fromstring(render_flowchart([_step(1, "受理"), _step(2, name)]))

    first, second = _texts(svg, "flowchart-name")[:1], _texts(svg, "flowchart-name")[1:]
    assert first == ["受理"]
    assert len(second) == 3
    assert "".join(second) == name
    assert all(_width(line) <= NAME_EMS for line in second)
    boxes = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("rx") == "10"]
    assert float(boxes[1].get("height")) > float(boxes[0].get("height"))


def test_wrap_counts_chinese_characters_as_one_em_and_latin_as_about_half():
    assert wrap("一二三四五六七八九十", 4) == ["一二三四", "五六七八", "九十"]
    assert wrap("ABCD efgh ijkl", 4) == ["ABCD", "efgh", "ijkl"]
    assert wrap("审查 ISO 9001 证书", 100) == ["审查 ISO 9001 证书"]
    assert wrap("", 10) == [""]


def test_closing_punctuation_never_starts_a_line():
    assert wrap("一二三四，五六", 4) == ["一二三四，", "五六"]


def test_the_picture_has_a_start_a_box_per_step_an_end_and_arrows_between():
    steps = [_step(n, f"环节{n}", days_limit=n) for n in range(1, 5)]

    svg = ET.fromstring(render_flowchart(steps, title="食品经营许可"))

    boxes = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "flowchart-step"]
    terminals = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "flowchart-terminal"]
    arrowheads = [p for p in svg.iter(f"{SVG}path") if p.get("d").endswith("Z")]
    assert [box.get("data-position") for box in boxes] == ["1", "2", "3", "4"]
    assert len(terminals) == 2
    assert len(arrowheads) == len(steps) + 1
    assert svg.get("width") == str(WIDTH)
    assert svg.get("viewBox") == f"0 0 {WIDTH} {svg.get('height')}"
    assert svg.get("role") == "img"
    assert svg.get("aria-label").startswith("食品经营许可")
    assert "Noto Sans CJK SC" in svg.get("font-family") and svg.get("font-family").endswith("sans-serif")
    # Each box names its handling role and its limit: the meta line carries the days.
    assert [meta.split("·")[1].strip()[0] for meta in _texts(svg, "flowchart-meta")] == ["1", "2", "3", "4"]


def test_every_text_is_escaped():
    markup = render_flowchart([_step(1, '<b>"受理" & 审查</b>', role="<role>")], title="<title>")

    svg = ET.fromstring(markup)

    assert "<b>" not in markup and "<role>" not in markup
    assert _texts(svg, "flowchart-name") == ['<b>"受理" & 审查</b>']
    assert svg.find(f"{SVG}title").text == "<title>"


def test_no_steps_gives_start_and_end():
    svg = ET.fromstring(render_flowchart([]))

    assert [g.get("class") for g in svg.iter(f"{SVG}g")] == ["flowchart-terminal", "flowchart-terminal"]
