"""No secret is committed: private keys, AWS keys, passwords in URLs or literal credentials.

Secrets reach the platform through the environment (``dagster.EnvVar``, ``${VAR}``, dbt's
``env_var``), so a literal one in the repository is a leak. The scan covers every file git
tracks or would track (``git ls-files --cached --others --exclude-standard``), so a new file is
caught before its first commit. A line that must hold a harmless credential (a throwaway test
server's) says so with ``secret-scan: allow <why>`` or ruff's ``noqa: S105 - <why>``.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ALLOW_MARKER = "secret-scan: allow"
# Ruff's hardcoded-password rules (S105-S107) already ask for a reasoned noqa; one review is enough.
REVIEWED_BY_RUFF = re.compile(r"noqa: *S10[567]\b.*\S")

PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
URL_PASSWORD = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@'\"`]+:([^\s/@'\"`]+)@")
CREDENTIAL_NAME = r"[A-Za-z0-9_.-]*(?:password|passwd|secret|token|api_?key|access_?key)"
ASSIGNMENT = re.compile(
    rf"(?i)\b(?P<name>{CREDENTIAL_NAME})['\"]?\s*(?::|=)\s*(?P<value>\"[^\"]*\"|'[^']*'|[^\s#,}}]+)"
)
# Files where ``name = value`` is configuration; elsewhere (SQL, Markdown) it is prose or code.
ASSIGNMENT_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".env", ".cfg", ".ini", ".json"}
# References to a secret kept elsewhere, not secrets.
PLACEHOLDER = re.compile(
    r"""^(
        \$\{?[A-Za-z_][A-Za-z0-9_]*\}?   # ${VAR} or $VAR
      | \{\{.*\}\}                        # Jinja: {{ env_var('X') }}
      | \{?\s*env:.*                      # Dagster YAML: {env: VAR}
      | \{[A-Za-z_][\w.]*\}               # Python format field: {PG_PASSWORD}
      | <[^>]*>                           # <password>
      | password | passwd | pass | secret | changeme   # the word itself, in examples
      | \*+ | \.\.\.                      # redacted
    )$""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def _literal(value: str, python: bool) -> str | None:
    """The literal a config value holds, or None if it is code or a reference to elsewhere."""
    if value[:1] in "\"'":
        text = value[1:-1]
    elif python or re.fullmatch(r"\d+|true|false|none|null|~", value, re.IGNORECASE):
        return None  # Python: a name, call or number; config: a number or a constant
    else:
        text = value
    if len(text) < 4 or PLACEHOLDER.match(text.strip()):
        return None
    return text


def scan_text(path: str, text: str) -> list[Finding]:
    """Secrets in one file's text; ``path`` decides whether assignments are looked at."""
    findings = []
    suffix = Path(path).suffix.lower()
    check_assignments = suffix in ASSIGNMENT_SUFFIXES or Path(path).name.startswith(".env")
    for number, line in enumerate(text.splitlines(), start=1):
        if ALLOW_MARKER in line or REVIEWED_BY_RUFF.search(line):
            continue
        if PRIVATE_KEY.search(line):
            findings.append(Finding(path, number, "private key"))
        if AWS_ACCESS_KEY.search(line):
            findings.append(Finding(path, number, "AWS access key id"))
        for match in URL_PASSWORD.finditer(line):
            if not PLACEHOLDER.match(match.group(1)):
                findings.append(Finding(path, number, "password inside a URL"))
        if check_assignments:
            for match in ASSIGNMENT.finditer(line):
                if _literal(match.group("value"), python=suffix == ".py") is not None:
                    findings.append(
                        Finding(path, number, f"literal value for {match.group('name')}")
                    )
    return findings


def repository_files(root: Path) -> list[Path]:
    git = shutil.which("git")
    assert git, "git is needed to list the repository's files"
    listed = subprocess.run(
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [root / name for name in listed.split("\0") if name]


def scan_repository(root: Path) -> list[Finding]:
    findings = []
    for path in repository_files(root):
        if not path.is_file():
            continue  # deleted in the working tree
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        findings += scan_text(str(path.relative_to(root)), data.decode("utf-8", "replace"))
    return findings


def test_the_repository_holds_no_secrets():
    findings = scan_repository(REPO)
    assert findings == [], "Move these to the environment (EnvVar):\n" + "\n".join(
        map(str, findings)
    )


# Planted secrets carry a "§" that is removed at run time, so this file itself stays clean.
AWS_KEY = "AKIA§Z7QK3M2XW9PLR4TD".replace("§", "")
KEY_HEADER = "-----BEGIN RSA PRIVATE§ KEY-----".replace("§", "")


@pytest.mark.parametrize(
    ("path", "line", "kind"),
    [
        ("deploy/key.pem", KEY_HEADER, "private key"),
        ("notes.md", "-----BEGIN OPENSSH PRIVATE§ KEY-----", "private key"),
        ("settings.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"', "AWS access key id"),
        ("README.md", "postgresql://dataflow:s3cr3t-pw" + "@db:5432/shop", "password inside a URL"),
        ("values.yaml", "  pass§word: hunter2hunter2", "literal value for password"),
        ("config.toml", 'api_k§ey = "abcd1234efgh"', "literal value for api_key"),
        (".env", "DAGSTER_PG_PASS§WORD=tr0ub4dor", "literal value for DAGSTER_PG_PASSWORD"),
        ("app.py", 'connect(pass§word="correct-horse")', "literal value for password"),
        ("app.json", '{"client_sec§ret": "9f8e7d6c5b"}', "literal value for client_secret"),
        ("app.py", 'TOK§EN = "ghp_x8Kq2Lm9"  # noqa: E501', "literal value for TOKEN"),
    ],
)
def test_the_scanner_finds_a_planted_secret(tmp_path: Path, path: str, line: str, kind: str):
    planted = tmp_path / path
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(f"first line\n{line.replace('§', '')}\n")
    assert scan_text(path, planted.read_text()) == [Finding(path, 2, kind)]


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("values.yaml", "password: {env: DAGSTER_PG_PASSWORD}"),
        ("values.yaml", "  password: ${DAGSTER_PG_PASSWORD}"),
        ("profiles.yml", "password: \"{{ env_var('DBT_PASSWORD') }}\""),
        ("resources.py", 'url=EnvVar("DATAFLOW_OPERATIONAL_DB_URL")'),
        ("resources.py", "password=os.environ['PGPASSWORD']"),
        ("conf.py", "token = context.run_id"),
        ("README.md", "postgresql://user:${PGPASSWORD}@db/shop"),
        ("README.md", "postgresql://<user>:<password>@db/shop"),
        ("README.md", "https://archive-api.open-meteo.com/v1/archive"),
        ("model.sql", "select 'password' as token_kind"),
        ("values.yaml", "max_tokens: 512"),
    ],
)
def test_the_scanner_lets_references_to_secrets_pass(path: str, line: str):
    assert scan_text(path, line) == []


def test_an_untracked_new_file_is_scanned_before_its_first_commit(tmp_path: Path):
    git = shutil.which("git")
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "deploy.env").write_text(f"AWS_ACCESS_KEY_ID={AWS_KEY}\n")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "key.pem").write_text(KEY_HEADER + "\n")
    found = scan_repository(tmp_path)
    assert [f.path for f in found] == ["deploy.env"]
    assert "AWS access key id" in {f.kind for f in found}
