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
