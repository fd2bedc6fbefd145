import subprocess
import sys


def test_core_never_imports_textual():
    code = (
        "import sys, pkgutil, importlib, nlcli_wizard\n"
        "for m in pkgutil.iter_modules(nlcli_wizard.__path__):\n"
        "    if m.name != '__main__': importlib.import_module('nlcli_wizard.' + m.name)\n"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _code_and_comments(path) -> list[str]:
    """A module's lines with its docstrings blanked (a docstring may name a tool as an example; code and
    comments may not)."""
    import ast

    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                for i in range(first.lineno - 1, first.end_lineno):
                    lines[i] = ""
    return lines


def test_no_module_of_the_core_or_the_app_names_a_tool():
    """A tool is a plugin: what is venvy's or sqlite-utils' lives in its folder under nlcli_tools/, and the core
    (and the TUI) are passed the profile. Language data (lang/) is English, no tool's."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = []
    for folder in ("nlcli_wizard", "app"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix == ".py":
                lines = _code_and_comments(path)
            elif path.suffix in (".yaml", ".tcss"):
                lines = path.read_text(encoding="utf-8").splitlines()
            else:
                continue
            found += [f"{path.relative_to(root)}:{n}" for n, line in enumerate(lines, 1)
                      if re.search(r"venvy|sqlite.utils", line, re.IGNORECASE)]
    assert found == []
