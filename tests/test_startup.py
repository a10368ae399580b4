"""Start-up of the command line: ``wecare estimate`` imports neither SciPy nor the package metadata nor filelock,
and ``--version`` still reads the installed version (when asked)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest

from wecare_analysis import cli


def test_estimate_command_imports_only_what_it_uses() -> None:
    code = ("import sys; import wecare_analysis.cli as c; c.build_parser(); "
            "import wecare_analysis.survey.estimate_cli, wecare_analysis.survey.estimate; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'filelock'}), "
            "'importlib.metadata' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] False"


def test_version_option_prints_the_installed_version(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"wecare {version('wecare-analysis')}\n"


def test_package_version_attribute() -> None:
    import wecare_analysis

    assert wecare_analysis.__version__ == version("wecare-analysis")
    with pytest.raises(AttributeError):
        _ = wecare_analysis.no_such_attribute
