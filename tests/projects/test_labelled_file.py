"""Any labelled text file: CSV / TSV, label first or last, header, BOM, encodings, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from projects.common.labelled_file import LabelledFileError, read_labelled_file

REVIEWS = [
    (f"review {i}: {'a fine film' if i % 2 else 'a dull film'}", "pos" if i % 2 else "neg") for i in range(12)
]
EXPECTED = ([(text, int(label == "pos")) for text, label in REVIEWS], ["neg", "pos"])


def write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("label_first.tsv", [f"{lab}\t{text}" for text, lab in REVIEWS]),
        ("text_first.tsv", [f"{text}\t{lab}" for text, lab in REVIEWS]),
        ("header_text_first.tsv", ["sentence\tlabel", *(f"{text}\t{lab}" for text, lab in REVIEWS)]),
        ("label_first.csv", ["label,text", *(f'{lab},"{text}"' for text, lab in REVIEWS)]),
        ("text_first.csv", [f'"{text}",{lab}' for text, lab in REVIEWS]),
        ("no_suffix_tab", [f"{text}\t{lab}" for text, lab in REVIEWS]),
    ],
)
def test_label_column_found_from_the_data(tmp_path: Path, name: str, lines: list[str]) -> None:
    """The label is the column with few distinct values, first or last; a header is skipped."""
    assert read_labelled_file(write(tmp_path, name, lines)) == EXPECTED


def test_text_first_tsv_is_not_read_as_one_class_per_sentence(tmp_path: Path) -> None:
    """The issue's case: ``sentence<TAB>0`` gave one class per sentence (accuracy 0.0)."""
    lines = [f"sentence number {i} is {'good' if i % 3 else 'bad'}\t{int(i % 3 > 0)}" for i in range(300)]
    examples, classes = read_labelled_file(write(tmp_path, "reviews.tsv", lines))
    assert classes == ["0", "1"] and len(examples) == 300
    assert examples[0] == ("sentence number 0 is bad", 0)


def test_tsv_quotes_are_text(tmp_path: Path) -> None:
    """A ``"`` at the start of a TSV field used to swallow the following lines into one row."""
    lines = [f'"quoted {i}\t1' if i % 7 == 0 else f'plain "{i}" text\t{i % 2}' for i in range(3000)]
    examples, _ = read_labelled_file(write(tmp_path, "quotes.tsv", lines))
    assert len(examples) == 3000
    assert examples[0] == ('"quoted 0', 1) and examples[1] == ('plain "1" text', 1)


def test_csv_unquoted_commas_stay_in_the_text(tmp_path: Path) -> None:
    lines = ["label,text", *(f"{lab},{text}, really" for text, lab in REVIEWS)]
    examples, _ = read_labelled_file(write(tmp_path, "commas.csv", lines))
    assert examples[0] == (f"{REVIEWS[0][0]}, really", 0)


@pytest.mark.parametrize("header", [["label,text"], []])
def test_utf8_byte_order_mark(tmp_path: Path, header: list[str]) -> None:
    lines = [*header, *(f"{lab},{text}" for text, lab in REVIEWS)]
    path = write(tmp_path, "excel.csv", lines, encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert read_labelled_file(path) == EXPECTED  # no class named "\ufefflabel" or "\ufeffneg"


def test_wrong_encoding_names_the_file_and_the_option(tmp_path: Path) -> None:
    lines = [
        "0\tplain ascii",
        "1\tstill ascii",
        *(f"{i % 2}\t第{i}部{'很好看' if i % 2 else '太无聊'}" for i in range(10)),
    ]
    path = write(tmp_path, "gbk.tsv", lines, encoding="gbk")
    with pytest.raises(LabelledFileError, match=r"gbk\.tsv: line 3 is not valid utf-8.*--encoding"):
        read_labelled_file(path)
    examples, classes = read_labelled_file(path, encoding="gbk")
    assert examples[3] == ("第1部很好看", 1) and classes == ["0", "1"]
    with pytest.raises(LabelledFileError, match="unknown encoding"):
        read_labelled_file(path, encoding="no-such-codec")


def test_ambiguous_columns_ask_for_the_flags(tmp_path: Path) -> None:
    both_few = write(tmp_path, "few.tsv", [f"{'ab'[i % 2]}\t{i % 2}" for i in range(10)])
    with pytest.raises(LabelledFileError, match=r"few\.tsv: cannot tell.*--label-column.*--text-column"):
        read_labelled_file(both_few)
    three = write(tmp_path, "ids.tsv", [f"id{i}\t{lab}\t{text}" for i, (text, lab) in enumerate(REVIEWS)])
    with pytest.raises(LabelledFileError, match="--label-column"):
        read_labelled_file(three)
    assert read_labelled_file(three, label_column="1", text_column="2") == EXPECTED
    named = write(tmp_path, "named.tsv", ["id\tstars\tbody", *(f"x\t{lab}\t{text}" for text, lab in REVIEWS)])
    assert read_labelled_file(named, label_column="stars", text_column="body") == EXPECTED
    with pytest.raises(LabelledFileError, match="'rating' is not in the header"):
        read_labelled_file(named, label_column="rating")


def test_numeric_classes_sort_numerically(tmp_path: Path) -> None:
    lines = [f"{[2, 10, 1][i % 3]}\ttext {i}" for i in range(30)]
    examples, classes = read_labelled_file(write(tmp_path, "stars.tsv", lines))
    assert classes == ["1", "2", "10"] and examples[:3] == [("text 0", 1), ("text 1", 2), ("text 2", 0)]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "no data rows"),
        (["label\ttext"], "no data rows"),
        ([f"pos\treview {i}" for i in range(10)], "every row has the label 'pos'"),
        ([*(f"{i % 2}\treview {i}" for i in range(10)), "1\t   "], "line 11 has no text"),
        ([*(f"{i % 2}\treview {i}" for i in range(10)), "", "a line without a tab"], "line 12 has one field"),
    ],
)
def test_bad_files_name_the_file_and_the_row(tmp_path: Path, lines: list[str], message: str) -> None:
    with pytest.raises(LabelledFileError, match=rf"bad\.tsv: {message}"):
        read_labelled_file(write(tmp_path, "bad.tsv", lines))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LabelledFileError, match="no such file"):
        read_labelled_file(tmp_path / "absent.csv")


def test_cli_reports_a_bad_file_in_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from projects.sentiment.__main__ import main

    path = write(tmp_path, "one_class.tsv", [f"pos\treview {i}" for i in range(10)])
    with pytest.raises(SystemExit) as exit_info:
        main(["--dataset", "file", "--data-file", str(path), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "one_class.tsv: every row has the label 'pos'" in err
    assert "Traceback" not in err
