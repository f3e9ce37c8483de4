"""`python -m comparisons`: filtering, the Markdown report, and the exit code on failure."""

from __future__ import annotations

import numpy as np

from comparisons import __main__ as cli
from comparisons.registry import Case, Check, Outcome


def test_filter_ignores_case_and_writes_markdown(tmp_path, capsys):
    report = tmp_path / "out" / "parity.md"
    assert cli.main(["--filter", "MATMUL_2D_1D", "--markdown", str(report)]) == 0
    printed = capsys.readouterr().out
    assert "matmul_2d_1d" in printed and "1 passed, 0 failed" in printed
    text = report.read_text()
    assert text.startswith("| case | group |") and "| matmul_2d_1d | op |" in text


def test_glob_filter_and_group(capsys):
    assert cli.main(["--filter", "getitem_*", "--group", "op", "--list"]) == 0
    names = [line.split()[1] for line in capsys.readouterr().out.splitlines()]
    assert names and all(n.startswith("getitem_") for n in names)


def test_a_failing_case_makes_the_exit_code_nonzero(monkeypatch, capsys):
    wrong = Case("always_wrong", "op", lambda rng: Outcome([Check("output 0", "forward", np.ones(3),
                                                                   np.zeros(3), 1e-9, 1e-9)]))
    monkeypatch.setattr(cli, "all_cases", lambda: [wrong])
    assert cli.main([]) == 1
    printed = capsys.readouterr().out
    assert "FAIL always_wrong" in printed and "3 of 3 values differ" in printed


def test_no_matching_case_is_a_usage_error(capsys):
    assert cli.main(["--filter", "no-such-case"]) == 2
    assert "no case matches" in capsys.readouterr().err
