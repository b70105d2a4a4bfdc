"""scripts/ensure_chromium.sh, which `make test` runs first: which way it gets Chromium.

Each case runs the script with PATH holding only stand-ins (for `id`, `apt-get`,
`chromium`, `playwright`) that record how they were called, so nothing is installed.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure_chromium.sh"
BASH = shutil.which("bash")
CHMOD = shutil.which("chmod")


class Machine:
    def __init__(self, root: Path):
        self.bin = root / "bin"
        self.bin.mkdir()
        self.calls = root / "calls.log"
        self.calls.touch()
        self.playwright = root / "venv-bin" / "playwright"
        self.user_id(1000)

    def stub(self, path: Path, body: str = "") -> Path:
        path.parent.mkdir(exist_ok=True)
        path.write_text(f'#!{BASH}\necho "{path.name} $*" >> {self.calls}\n{body}\n')
        path.chmod(0o755)
        return path

    def user_id(self, uid: int) -> None:
        (self.bin / "id").write_text(f"#!{BASH}\necho {uid}\n")
        (self.bin / "id").chmod(0o755)

    def run(self, **env) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603  (our own script, fixed arguments)
            [BASH, str(SCRIPT)],
            env={"PATH": str(self.bin), "PLAYWRIGHT": str(self.playwright), **env},
            capture_output=True,
            text=True,
            timeout=30,
        )

    def called(self) -> list[str]:
        return self.calls.read_text().splitlines()


@pytest.fixture
def machine(tmp_path):
    return Machine(tmp_path)


def test_a_chromium_on_path_is_enough_and_nothing_is_installed(machine):
    machine.user_id(0)
    machine.stub(machine.bin / "chromium")
    machine.stub(machine.bin / "apt-get")
    machine.stub(machine.playwright)
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.called() == []
    assert result.stdout == result.stderr == ""


def test_as_root_with_apt_it_installs_debians_chromium(machine):
    machine.user_id(0)
    # apt-get "installs" chromium by putting a stand-in on PATH.
    machine.stub(
        machine.bin / "apt-get",
        f'if [ "$1" = install ]; then printf "#!{BASH}\\n" > {machine.bin}/chromium; '
        f"{CHMOD} +x {machine.bin}/chromium; fi",
    )
    machine.stub(machine.playwright)
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.called() == ["apt-get update -qq", "apt-get install -y -qq chromium"]


def test_not_root_it_downloads_playwrights_chromium(machine):
    machine.stub(machine.bin / "apt-get")
    machine.stub(machine.playwright)
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.called() == ["playwright install chromium"]


def test_when_apt_fails_playwright_is_tried(machine):
    machine.user_id(0)
    machine.stub(machine.bin / "apt-get", "exit 100")
    machine.stub(machine.playwright)
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.called() == ["apt-get update -qq", "playwright install chromium"]


def test_neither_apt_nor_playwright_stops_with_one_line_saying_what_to_run(machine):
    machine.stub(machine.bin / "apt-get")  # present, but not root
    result = machine.run()
    assert result.returncode == 1
    assert machine.called() == []
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "apt-get install -y chromium" in lines[0]
    assert "playwright install chromium" in lines[0]
    assert "CHROMIUM_PATH" in lines[0]


def test_a_failed_playwright_download_also_ends_with_the_line(machine):
    machine.stub(machine.playwright, "exit 1")
    result = machine.run()
    assert result.returncode == 1
    assert machine.called() == ["playwright install chromium"]
    assert result.stderr.splitlines()[-1].startswith("The browser tests need Chromium")


def test_chromium_path_is_used_as_given(machine, tmp_path):
    machine.user_id(0)
    machine.stub(machine.bin / "apt-get")
    machine.stub(machine.playwright)
    browser = machine.stub(tmp_path / "elsewhere" / "my-chromium")
    assert machine.run(CHROMIUM_PATH=str(browser)).returncode == 0
    assert machine.called() == []

    result = machine.run(CHROMIUM_PATH=str(tmp_path / "missing"))
    assert result.returncode == 1
    assert machine.called() == []  # an explicit choice is not replaced by an install
    assert len(result.stderr.splitlines()) == 1
    assert "CHROMIUM_PATH" in result.stderr


class FakePlaywright:
    """Stands for sync_playwright()'s object: where Playwright's own Chromium would be."""

    def __init__(self, executable_path):
        self.chromium = type("BrowserType", (), {"executable_path": str(executable_path)})


@pytest.fixture
def no_system_chromium(monkeypatch, tmp_path):
    from tests import browser

    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(browser, "SYSTEM_CHROMIUM", str(tmp_path / "no-chromium"))
    return browser


def test_the_harness_launches_playwrights_chromium_when_there_is_no_other(
    no_system_chromium, tmp_path
):
    downloaded = tmp_path / "ms-playwright" / "chrome"
    downloaded.parent.mkdir()
    downloaded.touch()
    assert no_system_chromium.chromium_path(FakePlaywright(downloaded)) is None


def test_the_harness_says_what_to_run_when_there_is_no_chromium(no_system_chromium, tmp_path):
    with pytest.raises(pytest.fail.Exception, match="make browser"):
        no_system_chromium.chromium_path(FakePlaywright(tmp_path / "not-downloaded"))


def test_the_harness_prefers_chromium_path(no_system_chromium, monkeypatch, tmp_path):
    mine = tmp_path / "my-chromium"
    mine.touch()
    monkeypatch.setenv("CHROMIUM_PATH", str(mine))
    assert no_system_chromium.chromium_path(FakePlaywright(tmp_path / "x")) == str(mine)
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "missing"))
    with pytest.raises(pytest.fail.Exception, match="unset CHROMIUM_PATH"):
        no_system_chromium.chromium_path(FakePlaywright(tmp_path / "x"))
