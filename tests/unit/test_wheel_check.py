"""scripts/wheel_check.py's own reading of what a system needs beyond what pip resolved on this
machine (pip reads environment markers from the machine it runs on, the Python version aside).
The download itself needs the package index and is run by hand (docs/testing.md)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from scripts import wheel_check


def wheel(folder: Path, name: str, *requires: str) -> None:
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as archive:
        lines = [f"Name: {name}", "Version: 1.0", *(f"Requires-Dist: {r}" for r in requires)]
        archive.writestr(f"{name}-1.0.dist-info/METADATA", "\n".join(lines) + "\n")


def systems() -> dict[str, wheel_check.System]:
    return {system.name: system for system in wheel_check.SYSTEMS}


def test_what_a_system_alone_needs_is_read_with_that_systems_markers(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheel(wheels, "docker", "requests>=2", "pywin32>=304; sys_platform == 'win32'")
    wheel(wheels, "pytest", 'colorama>=0.4; sys_platform == "win32"', "pluggy")
    wheel(wheels, "moto", 'flask-cors; extra == "server"', 'graphql-core; extra == "graphql"')
    wheel(wheels, "requests")
    wheel(wheels, "pluggy")
    wheel(wheels, "tomli", 'typing-extensions; python_version < "3.12"')
    extras = {"moto": {"server"}}
    on = systems()
    assert wheel_check.system_only(wheels, on["windows-x64"], "3.13", extras) == {
        "pywin32>=304",
        "colorama>=0.4",
        "flask-cors",
    }
    assert wheel_check.system_only(wheels, on["macos-arm64"], "3.13", extras) == {"flask-cors"}
    assert wheel_check.system_only(wheels, on["linux-x64"], "3.11", extras) == {
        "flask-cors",
        "typing-extensions",
    }
    wheel(wheels, "flask_cors")  # downloaded: no longer needed
    assert wheel_check.system_only(wheels, on["macos-arm64"], "3.13", extras) == set()


def test_the_extras_asked_for_are_read_from_the_requirement_files(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# pinned\nmoto[server]==5.2.5  # the emulator\npytest==9.2.0\n-e .\n", "utf-8"
    )
    assert wheel_check.wanted_extras([requirements]) == {"moto": {"server"}, "pytest": set()}


def test_the_projects_own_line_is_left_out_of_what_is_downloaded(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    root.mkdir()
    (root / "requirements.txt").write_text("pytest==9.2.0\n-e .\n", "utf-8")
    (root / "requirements-engine.txt").write_text("ministack==1.5.33\n", "utf-8")
    files = wheel_check.requirement_files(root, tmp_path)
    assert [(path.name, no_deps) for path, no_deps in files] == [
        ("requirements.txt", False),
        ("requirements-engine.txt", True),
    ]
    assert files[0][0].read_text("utf-8") == "pytest==9.2.0"
