"""The execution check for sqlite-utils: does the offered command do what the gold command does?

Two commands can differ in text and do the same thing (``--fmt github`` and ``--fmt pipe``; ``rows`` and
``query 'select * from t'``), or look alike and do different things. So the evaluation (``nlcli-wizard eval
--tool sqlite-utils --execute``) runs the offered command and each gold command on copies of one fixture
— the databases, tables, columns, views, indexes and input files the commands name, filled the same way —
and compares their effect: exit status, standard output, and every database's full dump afterwards.

Only commands whose files stay inside the sandbox run (relative paths and ``~``); an absolute or Windows
path, or a command that needs what the fixture cannot make (an extension, Python code), is not executed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nlcli_wizard.validator import ParsedCommand

TIMEOUT_S = 30.0
ROWS = [(1, "Cleo", 3, "2024-01-05"), (2, "Suna", 5, "2023-11-20"), (3, "Lila", 1, "2025-02-14"),
        (4, "Pancakes", 7, "2022-07-01"), (5, "Azi", 2, "2024-09-30")]
BASE_COLUMNS = ("id", "name", "age", "created")
_DB_PARAMS = {"path", "db_path"}
_TABLE_PARAMS = {"table", "dbtable", "tables", "other_table", "names"}
_COLUMN_PARAMS = {"column", "columns", "col_name", "column_name", "pk", "pks", "not_null", "not_null_false", "drop",
                  "column_order", "default_none", "drop_foreign_keys", "fk_col", "other_column", "fk_column"}
_UNSAFE = {"load_extension", "functions", "code", "convert", "imports", "init_spatialite"}


@dataclass(frozen=True)
class Effect:
    ok: bool
    stdout: str
    databases: tuple[tuple[str, tuple[str, ...]], ...]


def _inside(path: str) -> bool:
    return not (path.startswith("/") or ":" in path[:3] or "\\" in path or ".." in Path(path).parts)


def _names(commands: list[ParsedCommand]) -> tuple[list[str], list[str], list[str], dict[str, str], list[tuple[str, str]]]:
    """Databases, tables, columns, views and index names, and input files (path, format) the commands name."""
    databases, tables, columns, views, files = [], [], list(BASE_COLUMNS), {}, []
    for parsed in commands:
        spec = parsed.spec()
        if spec is None:
            continue
        for param, kind, text in parsed.texts():
            name = param.name
            if name in _DB_PARAMS and kind == "path":
                databases.append(text)
            elif name in _TABLE_PARAMS:
                tables.append(text)
            elif name in _COLUMN_PARAMS or name in ("order",):
                columns.append(text.split()[0].lstrip("-"))
            elif name == "rename" or name == "type" or name == "types" or name == "default":
                columns.append(text)
            elif name == "view":
                views[text] = "view"
            elif name == "index":
                views[text] = "index"
            elif name in ("file", "file_or_dir") and text != "-":
                fmt = "csv" if parsed.values.get("csv") else "tsv" if parsed.values.get("tsv") else \
                    "nl" if parsed.values.get("nl") else "json"
                files.append((text, fmt))
    return databases, tables, list(dict.fromkeys(c for c in columns if c.isidentifier())), views, files


def _make(folder: Path, commands: list[ParsedCommand]) -> bool:
    """Build the fixture under ``folder`` (its HOME is ``folder``); False when a named file lies outside it."""
    databases, tables, columns, views, files = _names(commands)
    if not all(_inside(p.removeprefix("~/")) for p, _ in files) or not all(_inside(d.removeprefix("~/")) for d in databases):
        return False
    tables = list(dict.fromkeys(tables or ["items"]))
    for database in dict.fromkeys(databases):
        target = folder / database.removeprefix("~/")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(target) as db:
            for table in tables:
                extra = [c for c in columns if c not in BASE_COLUMNS]
                cols = ", ".join([f'"{c}"' for c in BASE_COLUMNS[1:]] + [f'"{c}"' for c in extra])
                db.execute(f'CREATE TABLE IF NOT EXISTS "{table}" (id INTEGER PRIMARY KEY, {cols})')
                for row in ROWS:
                    values = list(row) + [f"{c}-{row[0]}" for c in extra]
                    db.execute(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(values))})', values)
            for name, kind in views.items():
                if kind == "view":
                    db.execute(f'CREATE VIEW IF NOT EXISTS "{name}" AS SELECT * FROM "{tables[0]}"')
                else:
                    db.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{tables[0]}" (name)')
            searched = {"search", "disable-fts", "populate-fts", "rebuild-fts"} & {c.subcommand for c in commands}
            for table in tables if searched else ():  # full-text search where a command searches or drops it
                db.execute(f'CREATE VIRTUAL TABLE IF NOT EXISTS "{table}_fts" USING fts5 (name, content="{table}")')
                db.execute(f'INSERT INTO "{table}_fts" ("{table}_fts") VALUES (\'rebuild\')')
    for path, fmt in files:
        target = folder / path.removeprefix("~/")
        target.parent.mkdir(parents=True, exist_ok=True)
        records = [dict(zip(BASE_COLUMNS, row, strict=True)) for row in ROWS]
        if fmt in ("csv", "tsv"):
            sep = "," if fmt == "csv" else "\t"
            target.write_text(sep.join(BASE_COLUMNS) + "\n" + "".join(sep.join(map(str, r)) + "\n" for r in ROWS))
        elif fmt == "nl":
            target.write_text("".join(json.dumps(r) + "\n" for r in records))
        else:
            target.write_text(json.dumps(records))
    return True


def _dump(folder: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".db", ".sqlite", ".sqlite3", ".db3")):
        try:
            with sqlite3.connect(path) as db:
                out.append((str(path.relative_to(folder)), tuple(sorted(db.iterdump()))))
        except sqlite3.DatabaseError:
            out.append((str(path.relative_to(folder)), ("<not a database>",)))
    return tuple(out)


def _program() -> str:
    beside = Path(sys.executable).parent / "sqlite-utils"
    return str(beside) if beside.exists() else shutil.which("sqlite-utils") or "sqlite-utils"


def effect(parsed: ParsedCommand, fixture_for: list[ParsedCommand]) -> Effect | None:
    """What running ``parsed`` does to the fixture ``fixture_for`` names; None when it cannot run here."""
    if any(name in parsed.values for name in _UNSAFE) or parsed.help:
        return None
    with tempfile.TemporaryDirectory(prefix="nlcli-exec-") as tmp:
        folder = Path(tmp)
        if not _make(folder, fixture_for):
            return None
        argv = [_program(), *[str(folder) + t[1:] if t.startswith("~/") else t for t in parsed.tokens()[1:]]]
        env = {**os.environ, "HOME": str(folder), "COLUMNS": "120", "NO_COLOR": "1"}
        try:
            done = subprocess.run(argv, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  errors="replace", timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return Effect(False, "timeout", ())
        stdout = done.stdout.replace(str(folder), "<sandbox>")
        return Effect(done.returncode == 0, stdout, _dump(folder))


def same_effect(offered: ParsedCommand, golds: list[ParsedCommand]) -> bool | None:
    """Does the offered command do what one of the gold commands does? None when none of them can run here."""
    if any(offered.canonical == gold.canonical for gold in golds):
        return True
    fixture_for = [offered, *golds]
    mine = effect(offered, fixture_for)
    theirs = [e for e in (effect(gold, fixture_for) for gold in golds) if e is not None and e.ok]
    if mine is None or not theirs:
        return None  # it cannot run here, or the fixture cannot give the gold command what it needs
    return mine.ok and any(mine == e for e in theirs)
