"""The README's two set-up commands and CI stay in step."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()[:12]
    return [line.strip() for line in lines if line.startswith("    python3 -m venv")]


def test_readme_opens_with_run_and_test_commands():
    run, test = _commands()
    assert "cmpdissect" in run and "captures/" in run
    assert "pytest" in test


def test_ci_runs_exactly_the_readme_test_command():
    test = _commands()[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test in ci_lines


def test_readme_sample_capture_exists():
    run = _commands()[0]
    capture = next(word for word in run.split() if word.startswith("captures/"))
    assert (ROOT / capture).is_file()
